"""A no-op deploy of the whole stage, against baselines timed in the same run.

One local AWS of the bench's own. A cold `invoke deploy --all --local --yes` first, then
the timed no-op runs of the same command (every stack skipped on its fingerprint), each a
whole process as a person runs it. In the same run, on the same machine: the baselines
`python -c pass` (interpreter start) and `python -c "import boto3"` (the one library a
deploy cannot do without), so the figure reads as a ratio that travels between machines.

Target (issue 14): ours at most 0.5 s of wall time on this machine.

Python writes the checkout's bytecode on a command's first run and reads it afterwards;
a shell with PYTHONDONTWRITEBYTECODE set (as some CI and sandboxed sessions have) compiles
every engine module again on every run, some 0.1-0.2 s here. The timed commands run as a
developer's shell runs them, without it: the set-up run writes the bytecode. (Invoke itself
turns bytecode writing off before it loads the tasks; the engine's task package turns it
back to the interpreter's own setting, so this holds for `invoke` commands too.)

`--against-sam` adds the older comparison: the local AWS is emptied and `sam deploy`
creates the same four stacks (same templates, parameter values, tags and function zips),
in dependency order, and its no-op runs are timed (`sam deploy` once per stack, as its docs
have it, each creating a change set that holds no change). Each tool is timed on stacks it
deployed itself: `sam` adds a SamResourceId entry to every resource's Metadata, so a stack
deployed by one tool is a changed template to the other.

    python bench/noop_deploy.py [--repeats N] [--skip-tests] [--against-sam] [--against-sceptre]
"""

from __future__ import annotations

import argparse
import sys

import deploy_harness as harness
import sceptre_peer

from ppdeploy import catalog, naming, project

STAGE = "dev"
TARGET_SECONDS = 0.5
SAM_TEMPLATES_BUCKET = "ppdeploy-bench-sam-templates"


def stage_stacks(aws: harness.LocalAws) -> list[harness.DeployedStack]:
    """The stage's four stacks in dependency order, each as ours deployed it."""
    shared = naming.shared_stack(STAGE)
    stacks = [harness.deployed_stack(aws, shared, project.shared_template())]
    for service in naming.SERVICES:
        template = catalog.service(service).template
        stacks.append(harness.deployed_stack(aws, naming.service_stack(service, STAGE), template))
    return stacks


def artifacts_bucket(aws: harness.LocalAws) -> str:
    name = naming.export("artifacts-bucket", STAGE)
    exports = aws.client("cloudformation").list_exports()["Exports"]
    return str(next(export["Value"] for export in exports if export["Name"] == name))


def function_zips(aws: harness.LocalAws, stacks: list[harness.DeployedStack]) -> dict[str, bytes]:
    """The function zips the service stacks run, by their keys in the artifacts bucket."""
    s3 = aws.client("s3")
    bucket = artifacts_bucket(aws)
    keys = {
        stack.parameters["ArtifactKey"] for stack in stacks if "ArtifactKey" in stack.parameters
    }
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def baselines(env: dict[str, str], repeats: int) -> dict[str, list[float]]:
    """Interpreter start, and interpreter start plus boto3, timed like our command."""
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        'python -c "import boto3"': [sys.executable, "-c", "import boto3"],
    }
    return {
        label: [harness.timed(command, env) for _ in range(repeats)]
        for label, command in commands.items()
    }


def against_sam(aws: harness.LocalAws, repeats: int) -> tuple[list[float], float, str]:
    """`sam deploy` of the same stacks: its no-op runs, its cold deploy, its version."""
    sam = harness.sam_executable()
    stacks = stage_stacks(aws)
    zips = function_zips(aws, stacks)
    aws.reset()
    sam_env, workdir = harness.sam_env(aws), harness.sam_workdir()
    # `sam deploy` uploads each template to S3 first; before the shared stack exists
    # there is no artifacts bucket, so the templates get a bucket of their own.
    aws.client("s3").create_bucket(Bucket=SAM_TEMPLATES_BUCKET)
    commands = [harness.sam_deploy_command(sam, s, SAM_TEMPLATES_BUCKET) for s in stacks]
    cold = harness.timed(commands[0], sam_env, workdir)
    bucket = artifacts_bucket(aws)
    for key, body in zips.items():
        aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    cold += sum(harness.timed(command, sam_env, workdir) for command in commands[1:])
    runs = [
        sum(harness.timed(command, sam_env, workdir) for command in commands)
        for _ in range(repeats)
    ]
    return runs, cold, harness.sam_version(sam)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (median)")
    parser.add_argument(
        "--skip-tests", action="store_true", help="do not run the services' own tests"
    )
    parser.add_argument(
        "--against-sam", action="store_true", help="also time `sam deploy` of the same stacks"
    )
    parser.add_argument(
        "--against-sceptre", action="store_true", help="also time `sceptre launch` (sceptre_peer)"
    )
    options = parser.parse_args()
    tests = ["--skip-tests"] if options.skip_tests else []
    ours = harness.invoke("deploy", "--all", "--stage", STAGE, "--local", "--yes", *tests)

    with harness.local_aws() as aws:
        env = developer_env(aws.env)
        ours_cold = harness.timed(ours, env)
        ours_runs = [harness.timed(ours, env) for _ in range(options.repeats)]
        base = baselines(env, options.repeats)
        sam = against_sam(aws, options.repeats) if options.against_sam else None
        if options.against_sceptre:
            sceptre_peer.print_noop(aws, options.repeats, ours_runs)

    ours_median = harness.median(ours_runs)
    rows = [("ours: invoke deploy --all --local --yes (no-op)", harness.spread(ours_runs))]
    for label, runs in base.items():
        rows.append((f"baseline: {label}", harness.spread(runs)))
        rows.append((f"ratio ours / {label}", f"{ours_median / harness.median(runs):.1f}x"))
    rows.append((f"target: ours <= {TARGET_SECONDS} s", verdict(ours_median <= TARGET_SECONDS)))
    rows.append(("set-up: ours cold deploy --all", f"{ours_cold:.2f} s"))
    if sam is not None:
        sam_runs, sam_cold, version = sam
        rows.append((f"sam deploy x4 ({version})", harness.spread(sam_runs)))
        rows.append(("ratio sam / ours", f"{harness.median(sam_runs) / ours_median:.1f}x"))
        rows.append(("set-up: sam deploy x4, cold", f"{sam_cold:.2f} s"))
    harness.print_table(
        f"no-op deploy of stage {STAGE}, wall seconds, median of {options.repeats}", rows
    )


def developer_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a developer's shell has it: Python keeps the bytecode it compiles."""
    return {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
