"""Parse every C# file under the given folders with a real C# grammar; name each syntax error.

The .NET SDK is not installed where the lint session runs, so the compiler cannot catch a
broken ``.cs`` file there. tree-sitter's C# grammar (the ``tree-sitter-c-sharp`` package)
can: a file that does not parse yields ERROR nodes (text the grammar could not place) or
MISSING nodes (a token the parser had to invent, such as a ``;`` or ``}``). Each one is
printed as ``path:line:column: what`` (1-based, as compilers print them) and the exit
status is 1. Build output folders (``bin``, ``obj``) hold generated code and are skipped.

    python tools/csharp_syntax.py services/account/dotnet
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tree_sitter
import tree_sitter_c_sharp

SKIPPED_DIRS = {"bin", "obj"}


@dataclass(frozen=True)
class SyntaxProblem:
    path: Path
    line: int  # 1-based
    column: int  # 1-based
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.what}"


def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_c_sharp.language()))


def problems_in(source: bytes, path: Path) -> list[SyntaxProblem]:
    """Every ERROR and MISSING node of ``source``, in the order they appear."""
    found: list[SyntaxProblem] = []
    stack = [_parser().parse(source).root_node]
    while stack:
        node = stack.pop()
        row, column = node.start_point
        if node.is_missing:
            found.append(SyntaxProblem(path, row + 1, column + 1, f"missing {node.type!r}"))
        elif node.is_error:
            text = source[node.start_byte : node.end_byte].decode("utf-8", "replace")
            snippet = " ".join(text.split())[:60]
            found.append(SyntaxProblem(path, row + 1, column + 1, f"syntax error at {snippet!r}"))
        if node.has_error:  # only subtrees that hold an error are worth descending into
            stack.extend(reversed(node.children))
    return sorted(found, key=lambda problem: (problem.line, problem.column))


def csharp_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*.cs")):
        if not SKIPPED_DIRS & set(path.relative_to(folder).parts):
            yield path


def main(folders: list[str]) -> int:
    if not folders:
        print("usage: python tools/csharp_syntax.py FOLDER...", file=sys.stderr)
        return 2
    checked = 0
    problems: list[SyntaxProblem] = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            print(f"{folder}: no such folder (name a folder that holds .cs files)", file=sys.stderr)
            return 2
        for path in csharp_files(folder):
            checked += 1
            problems += problems_in(path.read_bytes(), path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} C# syntax error(s) in {checked} file(s)", file=sys.stderr)
        return 1
    if checked == 0:
        print(f"no .cs file under {', '.join(folders)}: nothing was checked", file=sys.stderr)
        return 2
    print(f"{checked} C# files parse cleanly")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
