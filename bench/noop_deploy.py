"""A no-op deploy of the whole stage: ours against `sam deploy` of the same four stacks.

One local AWS of the bench's own. First ours: a cold `invoke deploy --all --local --yes`,
then the timed no-op runs of the same command (every stack skipped on its fingerprint).
Then the local AWS is emptied and `sam deploy` creates the same four stacks (same
templates, parameter values, tags and function zips), in dependency order, and the timed
no-op runs follow: `sam deploy` once per stack, as its docs have it, each creating a
change set that holds no change. Each tool is timed on stacks it deployed itself: `sam`
adds a SamResourceId entry to every resource's Metadata, so a stack deployed by one tool
is a changed template to the other.

Target (issue 4): ours at most 1 s of wall time for the whole stage and at least 10 times
faster than the `sam deploy` sequence.

    python bench/noop_deploy.py [--repeats N] [--skip-tests]
"""

from __future__ import annotations

import argparse

import deploy_harness as harness

from ppdeploy import catalog, naming, project

STAGE = "dev"
TARGET_SECONDS = 1.0
TARGET_RATIO = 10.0
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (median)")
    parser.add_argument(
        "--skip-tests", action="store_true", help="do not run the services' own tests"
    )
    options = parser.parse_args()
    tests = ["--skip-tests"] if options.skip_tests else []
    ours = harness.invoke("deploy", "--all", "--stage", STAGE, "--local", "--yes", *tests)
    sam = harness.sam_executable()

    with harness.local_aws() as aws:
        ours_cold = harness.timed(ours, aws.env)
        ours_runs = [harness.timed(ours, aws.env) for _ in range(options.repeats)]
        stacks = stage_stacks(aws)
        zips = function_zips(aws, stacks)

        aws.reset()
        sam_env, workdir = harness.sam_env(aws), harness.sam_workdir()
        # `sam deploy` uploads each template to S3 first; before the shared stack exists
        # there is no artifacts bucket, so the templates get a bucket of their own.
        aws.client("s3").create_bucket(Bucket=SAM_TEMPLATES_BUCKET)
        commands = [harness.sam_deploy_command(sam, s, SAM_TEMPLATES_BUCKET) for s in stacks]
        sam_cold = harness.timed(commands[0], sam_env, workdir)
        bucket = artifacts_bucket(aws)
        for key, body in zips.items():
            aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
        sam_cold += sum(harness.timed(command, sam_env, workdir) for command in commands[1:])
        sam_runs = [
            sum(harness.timed(command, sam_env, workdir) for command in commands)
            for _ in range(options.repeats)
        ]

    ours_median, sam_median = harness.median(ours_runs), harness.median(sam_runs)
    ratio = sam_median / ours_median
    harness.print_table(
        f"no-op deploy of stage {STAGE} ({len(stacks)} stacks), wall seconds, "
        f"median of {options.repeats}",
        [
            ("ours: invoke deploy --all --local --yes", harness.spread(ours_runs)),
            (f"sam deploy x{len(stacks)} ({harness.sam_version(sam)})", harness.spread(sam_runs)),
            ("ratio sam / ours", f"{ratio:.1f}x"),
            (f"target: ours <= {TARGET_SECONDS:.0f} s", verdict(ours_median <= TARGET_SECONDS)),
            (f"target: ratio >= {TARGET_RATIO:.0f}x", verdict(ratio >= TARGET_RATIO)),
            ("set-up: ours cold deploy --all", f"{ours_cold:.2f} s"),
            ("set-up: sam deploy x4, cold", f"{sam_cold:.2f} s"),
        ],
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
