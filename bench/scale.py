"""How a no-op `deploy --all` and a `plan` grow with the number of stacks: 4 to 40.

A stage is generated with one base stack (like the shared stack: it exports a value) and
N-1 service-like stacks that each import it and export one value of their own, so the
graph has two waves as the repository's stage does. The stacks hold small resources (an
SSM parameter each) so the cold deploy that sets the bench up stays short; a no-op deploy
or plan does the same work per stack whatever the stack holds: describe it, fingerprint
its template, parameters and imports, and skip it.

On one local AWS of the bench's own, for each size: the cold deploy (set-up), then the
timed no-op deploys and plans, each a whole `invoke` process (bench/scale_tasks.py, the
engine's stage deploy and plan over the generated templates). The baseline
`python -c "import boto3"` is timed in the same run, so each figure also reads as a ratio.

Targets (issue 14): at 40 stacks, no-op deploy at most 1.0 s and plan at most 3 s.

Python writes the checkout's bytecode on a command's first run and reads it afterwards;
a shell with PYTHONDONTWRITEBYTECODE set (as some CI and sandboxed sessions have) compiles
every engine module again on every run, some 0.1-0.2 s here. The timed commands run as a
developer's shell runs them, without it: the set-up run writes the bytecode. (Invoke itself
turns bytecode writing off before it loads the tasks; the engine's task package turns it
back to the interpreter's own setting, so this holds for `invoke` commands too.)

    python bench/scale.py [--sizes 4,10,20,40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import deploy_harness as harness

STAGE = "dev"
TARGET_DEPLOY_SECONDS = 1.0
TARGET_PLAN_SECONDS = 3.0
BASE = f"purposepath-scale-base-{STAGE}"

BASE_TEMPLATE = """\
Parameters:
  Stage: {Type: String}
Resources:
  Marker:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/purposepath/scale/base/${Stage}"
      Type: String
      Value: base
Outputs:
  Base:
    Value: !Ref Stage
    Export: {Name: !Sub "purposepath-scale-base-${Stage}"}
"""

SERVICE_TEMPLATE = """\
Parameters:
  Stage: {{Type: String}}
Resources:
  Setting:
    Type: AWS::SSM::Parameter
    Properties:
      Name: !Sub "/purposepath/scale/{number}/${{Stage}}"
      Type: String
      Value: !ImportValue {{"Fn::Sub": "purposepath-scale-base-${{Stage}}"}}
Outputs:
  Setting:
    Value: !Ref Setting
    Export: {{Name: !Sub "purposepath-scale-{number}-${{Stage}}"}}
"""


def generate(folder: Path, stacks: int) -> Path:
    """A folder of ``stacks`` templates: the base and ``stacks - 1`` importing it."""
    folder.mkdir(parents=True)
    (folder / f"{BASE}.yaml").write_text(BASE_TEMPLATE, encoding="utf-8")
    for number in range(1, stacks):
        name = f"purposepath-scale-{number:02d}-{STAGE}"
        (folder / f"{name}.yaml").write_text(
            SERVICE_TEMPLATE.format(number=f"{number:02d}"), encoding="utf-8"
        )
    return folder


def tasks(action: str, folder: Path) -> list[str]:
    here = str(Path(__file__).resolve().parent)
    return [
        sys.executable, "-m", "invoke", "--search-root", here, "-c", "scale_tasks",
        action, "--templates", str(folder), "--stage", STAGE,
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4,10,20,40", help="stack counts, comma-separated")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (median)")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]

    rows: list[tuple[str, str]] = []
    medians: dict[int, tuple[float, float]] = {}
    with harness.local_aws() as aws, tempfile.TemporaryDirectory() as scratch:
        env = developer_env(aws.env)
        baseline = [
            harness.timed([sys.executable, "-c", "import boto3"], env)
            for _ in range(options.repeats)
        ]
        for size in sizes:
            aws.reset()
            folder = generate(Path(scratch) / f"stage-{size}", size)
            cold = harness.timed(tasks("deploy", folder), env)
            deploys = [harness.timed(tasks("deploy", folder), env) for _ in range(options.repeats)]
            plans = [harness.timed(tasks("plan", folder), env) for _ in range(options.repeats)]
            medians[size] = (harness.median(deploys), harness.median(plans))
            rows += [
                (f"{size} stacks: cold deploy (set-up)", f"{cold:.2f} s"),
                (f"{size} stacks: no-op deploy", harness.spread(deploys)),
                (f"{size} stacks: plan", harness.spread(plans)),
            ]
    base = harness.median(baseline)
    rows.append(('baseline: python -c "import boto3"', harness.spread(baseline)))
    smallest, largest = min(medians), max(medians)
    for label, index in (("no-op deploy", 0), ("plan", 1)):
        small, large = medians[smallest][index], medians[largest][index]
        per_stack = (large - small) / max(1, largest - smallest)
        rows.append(
            (
                f"growth {smallest} -> {largest} stacks: {label}",
                f"x{large / small:.2f} ({per_stack * 1000:.0f} ms per added stack; "
                f"{large / base:.1f}x the boto3 import at {largest})",
            )
        )
    if largest >= 40:
        deploy_40, plan_40 = medians[largest]
        rows.append(
            (
                f"target: no-op deploy <= {TARGET_DEPLOY_SECONDS} s",
                verdict(deploy_40 <= TARGET_DEPLOY_SECONDS),
            )
        )
        rows.append(
            (f"target: plan <= {TARGET_PLAN_SECONDS} s", verdict(plan_40 <= TARGET_PLAN_SECONDS))
        )
    harness.print_table(f"scale: wall seconds, median of {options.repeats}", rows)


def developer_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a developer's shell has it: Python keeps the bytecode it compiles."""
    return {key: value for key, value in env.items() if key != "PYTHONDONTWRITEBYTECODE"}


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


if __name__ == "__main__":
    main()
