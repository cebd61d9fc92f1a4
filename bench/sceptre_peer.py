"""Sceptre as a second peer of the deploy benchmarks: `sceptre launch` of the same four stacks.

Sceptre (https://docs.sceptre-project.org) deploys a "stack group" from a project folder:
``config/`` holds one YAML file per stack (template, stack name, parameters, tags,
dependencies), ``templates/`` the templates. This module writes such a project from what
our deploy put on the local AWS: each stack's template file as ours submitted it, the
parameter values and tags read back from CloudFormation, and the one dependency of the
stage (every service stack imports the shared stack's exports). Then it times
``sceptre launch --yes dev`` on the same local AWS, cold (the local AWS emptied first) and
no-op (the same launch again: Sceptre calls UpdateStack and takes "No updates are to be
performed." as done).

Fairness, as with `sam deploy` (bench/README.md):
- Each tool is timed on stacks it deployed itself; Sceptre's stacks are created by Sceptre.
- The shared template is over the 51,200-byte TemplateBody limit, so the project sets
  ``template_bucket_name``: Sceptre uploads every template to S3 and passes a TemplateURL
  (as ours uses its deployment bucket and `sam` its `--s3-bucket`).
- The function zips go to the artifacts bucket the shared stack creates: a Sceptre
  ``after_create`` hook on the shared stack uploads them (in the cold time, as ours
  counts its own upload), so one launch creates the whole stage in dependency order.
- Sceptre waits for a stack operation by polling every 4 s, fixed in its code
  (``StackActions._wait_for_completion`` sleeps 4 s after each status check, also after
  the check that finds the operation complete): every create or real update costs it at
  least 4 s per dependency level. A no-op launch never waits (UpdateStack is refused at
  once). The figures are Sceptre as it ships; nothing is patched.

Sceptre pins its own boto3, so it runs from a virtualenv of its own: ``$SCEPTRE_CLI`` (a
``sceptre`` executable), else ``$SCEPTRE_VENV/bin/sceptre`` (default ``/tmp/sceptre-venv``),
made with ``pip install sceptre`` on first use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import deploy_harness as harness
import yaml

from ppdeploy import catalog, naming, project

SCEPTRE_VENV = Path(os.environ.get("SCEPTRE_VENV", "/tmp/sceptre-venv"))  # noqa: S108 - a cache, any user's
TEMPLATES_BUCKET = "ppdeploy-bench-sceptre-templates"
GROUP = "dev"  # the stack group: the stage
STAGE = "dev"
UPLOAD_SCRIPT = '''"""Upload the function zips to the artifacts bucket the shared stack created."""
import sys
from pathlib import Path

import boto3

cloudformation = boto3.client("cloudformation")
exports = {e["Name"]: e["Value"] for e in cloudformation.list_exports()["Exports"]}
bucket = exports[sys.argv[1]]
s3 = boto3.client("s3")
zips = Path(sys.argv[2])
for path in sorted(zips.rglob("*.zip")):
    s3.put_object(Bucket=bucket, Key=path.relative_to(zips).as_posix(), Body=path.read_bytes())
'''


def sceptre_executable() -> Path:
    """`sceptre` from its own virtualenv; made on first use."""
    configured = os.environ.get("SCEPTRE_CLI")
    if configured:
        return Path(configured)
    sceptre = SCEPTRE_VENV / "bin" / "sceptre"
    if not sceptre.exists():
        print(f"bench: installing sceptre into {SCEPTRE_VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(SCEPTRE_VENV)], check=True)  # noqa: S603
        pip = [str(SCEPTRE_VENV / "bin" / "python"), "-m", "pip", "install", "-q", "sceptre"]
        subprocess.run(pip, check=True)  # noqa: S603 - pip from the venv just made
    return sceptre


def sceptre_version(sceptre: Path) -> str:
    result = subprocess.run(  # noqa: S603 - the sceptre found above
        [str(sceptre), "--version"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def stage_stacks(aws: harness.LocalAws) -> list[harness.DeployedStack]:
    """The stage's four stacks, shared first, each as ours deployed it."""
    stacks = [harness.deployed_stack(aws, naming.shared_stack(STAGE), project.shared_template())]
    for service in naming.SERVICES:
        template = catalog.service(service).template
        stacks.append(harness.deployed_stack(aws, naming.service_stack(service, STAGE), template))
    return stacks


def artifacts_export() -> str:
    return naming.export("artifacts-bucket", STAGE)


def function_zips(
    aws: harness.LocalAws, stacks: Sequence[harness.DeployedStack]
) -> dict[str, bytes]:
    """The function zips the service stacks run, by their keys in the artifacts bucket."""
    exports = aws.client("cloudformation").list_exports()["Exports"]
    bucket = next(e["Value"] for e in exports if e["Name"] == artifacts_export())
    keys = {s.parameters["ArtifactKey"] for s in stacks if "ArtifactKey" in s.parameters}
    s3 = aws.client("s3")
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def write_project(
    folder: Path, stacks: Sequence[harness.DeployedStack], zips: dict[str, bytes], python: Path
) -> Path:
    """A Sceptre project deploying ``stacks`` (the first one the others depend on)."""
    (folder / "config" / GROUP).mkdir(parents=True)
    (folder / "templates").mkdir()
    for key, body in zips.items():
        (folder / "zips" / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / "zips" / key).write_bytes(body)
    (folder / "upload_zips.py").write_text(UPLOAD_SCRIPT, encoding="utf-8")
    top = {"project_code": "ppdeploy-bench", "region": harness.REGION,
           "template_bucket_name": TEMPLATES_BUCKET}  # fmt: skip
    (folder / "config" / "config.yaml").write_text(yaml.safe_dump(top), encoding="utf-8")
    configs = []
    for number, stack in enumerate(stacks):
        template = f"{number}-{stack.template.name}"
        shutil.copyfile(stack.template, folder / "templates" / template)
        config: dict[str, object] = {
            "template": {"type": "file", "path": template},
            "stack_name": stack.name,
            "parameters": dict(sorted(stack.parameters.items())),
            "stack_tags": dict(sorted(stack.tags.items())),
        }
        if number == 0:
            upload = f"{python} {folder / 'upload_zips.py'} {artifacts_export()} {folder / 'zips'}"
            config["hooks"] = {"after_create": [_Cmd(upload)]}
        else:
            config["dependencies"] = [configs[0]]
        name = f"{GROUP}/{number}-{stack.name}.yaml"
        configs.append(name)
        (folder / "config" / name).write_text(yaml.dump(config, Dumper=_Dumper), encoding="utf-8")
    return folder


class _Cmd(str):
    """A Sceptre ``!cmd`` hook in the stack's YAML."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Cmd, lambda dumper, value: dumper.represent_scalar("!cmd", str(value)))


def sceptre_env(aws: harness.LocalAws) -> dict[str, str]:
    """Sceptre pointed at the local AWS (botocore reads AWS_ENDPOINT_URL), fake keys."""
    env = harness.sam_env(aws)
    return {k: v for k, v in env.items() if not k.startswith("SAM_")}


def launch_command(sceptre: Path, folder: Path) -> list[str]:
    return [str(sceptre), "--dir", str(folder), "--no-colour", "launch", "--yes", GROUP]


@dataclass(frozen=True)
class Figures:
    cold: list[float]  # wall seconds of each cold launch
    noop: list[float]  # wall seconds of each no-op launch
    version: str


def cold_and_noop(aws: harness.LocalAws, repeats: int, *, cold_runs: int = 1) -> Figures:
    """Sceptre's cold launches (the local AWS emptied before each) and no-op launches.

    The local AWS must hold the stage as ours deployed it (the project is made from it);
    it is left holding Sceptre's stacks.
    """
    sceptre = sceptre_executable()
    stacks = stage_stacks(aws)
    zips = function_zips(aws, stacks)
    env = sceptre_env(aws)
    with tempfile.TemporaryDirectory(prefix="ppdeploy-bench-sceptre-") as scratch:
        folder = write_project(Path(scratch), stacks, zips, sceptre.parent / "python")
        command = launch_command(sceptre, folder)
        cold = []
        for _ in range(cold_runs):
            aws.reset()
            cold.append(harness.timed(command, env, folder))
        noop = [harness.timed(command, env, folder) for _ in range(repeats)]
    return Figures(cold, noop, sceptre_version(sceptre))


def print_noop(aws: harness.LocalAws, repeats: int, ours_noop: Sequence[float]) -> None:
    """The no-op comparison (``noop_deploy.py --against-sceptre``)."""
    found = cold_and_noop(aws, repeats)
    noop, cold = found.noop, found.cold
    harness.print_table(
        f"Sceptre peer: no-op launch of stage {STAGE}, wall seconds, median of {repeats}",
        [
            (f"sceptre launch --yes {GROUP} ({found.version})", harness.spread(noop)),
            ("ours: invoke deploy --all (no-op)", harness.spread(ours_noop)),
            ("ratio sceptre / ours", f"{harness.median(noop) / harness.median(ours_noop):.1f}x"),
            ("set-up: sceptre launch, cold", f"{cold[0]:.2f} s"),
        ],
    )


def print_cold(aws: harness.LocalAws, repeats: int, ours_cold: Sequence[float]) -> None:
    """The cold comparison (``cold_deploy.py --against-sceptre``)."""
    found = cold_and_noop(aws, 0, cold_runs=repeats)
    cold = found.cold
    harness.print_table(
        f"Sceptre peer: cold launch of stage {STAGE} (4 stacks), wall seconds, median of {repeats}",
        [
            (f"sceptre launch --yes {GROUP} ({found.version})", harness.spread(cold)),
            ("ours: invoke deploy --all, cold (default concurrency)", harness.spread(ours_cold)),
            ("ratio sceptre / ours", f"{harness.median(cold) / harness.median(ours_cold):.1f}x"),
        ],
    )
