"""A gradual deploy on the local AWS, timed: a prod-like canary and an all-at-once, compressed.

One local AWS of the bench's own, its clock compressed by PPLOCALAWS_TIME_COMPRESSION
(``--compression``, default 60: CodeDeployDefault.LambdaCanary10Percent5Minutes takes 5 s).
Set-up: a cold `invoke deploy --all --local --yes` of each stage timed (dev: AllAtOnce,
prod: Canary10Percent5Minutes, from stages.toml). Then, per stage, ``--repeats`` updates of
the coaching service with a changed artifact (a new version each time), through the
engine's own deploy_stack with CodeDeploy followed: the wall time of each update, and when
the traffic shift was first seen and when it ended. Last, the no-op `invoke deploy --all`
of each stage as a person runs it (every stack skipped on its fingerprint): gradual deploys
must leave it where bench/noop_deploy.py has it (0.5 s target), since nothing on that path
reads CodeDeploy.

Needs the local AWS's CodeDeploy (AWS::CodeDeploy::* and CodeDeployLambdaAliasUpdate).

    python bench/canary_deploy.py [--repeats N] [--compression F]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import deploy_harness as harness

from ppdeploy import build, catalog, config
from ppdeploy.aws.codedeploy import CodeDeploy
from ppdeploy.events import ProgressEvent, Recorder, TrafficShift
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.workflows.service_deploy import PreparedService, prepare_service, service_spec
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stack_deploy import deploy_stack

STAGES = ("dev", "prod")
COMPRESSION_VARIABLE = "PPLOCALAWS_TIME_COMPRESSION"


@dataclass(frozen=True)
class Update:
    """One timed update of the coaching stack."""

    seconds: float
    shift_seen: float | None  # seconds from the start until the first shift event
    outcome: str
    last_status: str


def changed_artifact(original: build.Artifact, folder: Path, number: int) -> build.Artifact:
    """The same code plus a marker file: a new content hash, so a new version."""
    path = folder / f"coaching-{number}.zip"
    shutil.copy(original.path, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("bench-marker.txt", f"update {number}")
    data = path.read_bytes()
    return build.Artifact(
        "coaching", "python", path, hashlib.sha256(data).hexdigest(), len(data), reused=False
    )


class TimedRecorder(Recorder):
    """A Recorder noting when the first traffic shift was seen."""

    def __init__(self) -> None:
        super().__init__()
        self.first_shift: float | None = None

    def emit(self, event: ProgressEvent) -> None:
        if isinstance(event, TrafficShift) and self.first_shift is None:
            self.first_shift = time.monotonic()
        super().emit(event)


def timed_updates(stage: str, repeats: int, folder: Path) -> list[Update]:
    session = StageSession.open(
        config.stage(stage), PlainLog(io.StringIO()), use_local=True, assume_yes=True, force=False
    )
    source = catalog.service("coaching")
    built = prepare_service(source, session.reporter, skip_tests=True)
    reader = CodeDeploy(session.target.client)
    updates = []
    for number in range(repeats):
        prepared = PreparedService(source, changed_artifact(built.artifact, folder, number))
        spec = service_spec(session, prepared)
        recorder = TimedRecorder()
        started = time.monotonic()
        result = deploy_stack(
            session.cfn,
            spec,
            recorder,
            approve=lambda *_: True,
            exports_now=session.exports,
            traffic=reader,
        )
        seconds = time.monotonic() - started
        shifts = recorder.of_type(TrafficShift)
        updates.append(
            Update(
                seconds=seconds,
                shift_seen=None if recorder.first_shift is None else recorder.first_shift - started,
                outcome=result.outcome,
                last_status=shifts[-1].status if shifts else "no shift seen",
            )
        )
    return updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument(
        "--compression", type=float, default=60.0, help="the local AWS's time compression"
    )
    options = parser.parse_args()
    os.environ[COMPRESSION_VARIABLE] = f"{options.compression:g}"
    rows: list[tuple[str, str]] = []
    with harness.local_aws() as aws, tempfile.TemporaryDirectory() as folder:
        for stage in STAGES:
            preference = config.stage(stage).deployment_preference
            deploy_all = harness.invoke(
                "deploy", "--all", "--stage", stage, "--local", "--yes", "--skip-tests"
            )
            cold = harness.timed(deploy_all, aws.env)
            updates = timed_updates(stage, options.repeats, Path(folder))
            # The updates left coaching on the bench's artifact: one deploy puts back what
            # the repository builds (a canary of its own), then the no-op runs are timed.
            harness.timed(deploy_all, aws.env)
            noop = [harness.timed(deploy_all, aws.env) for _ in range(options.repeats)]
            seen = [u.shift_seen for u in updates if u.shift_seen is not None]
            rows += [
                (f"{stage} ({preference}): cold deploy --all (set-up)", f"{cold:.2f} s"),
                (
                    f"{stage}: coaching update with its shift",
                    harness.spread([u.seconds for u in updates]),
                ),
                (
                    f"{stage}: first shift event after",
                    harness.spread(seen) if seen else "no shift seen",
                ),
                (
                    f"{stage}: outcomes / last shift status",
                    ", ".join(f"{u.outcome}/{u.last_status}" for u in updates),
                ),
                (f"{stage}: no-op deploy --all", harness.spread(noop)),
            ]
    harness.print_table(
        f"gradual deploys on the local AWS, compression {options.compression:g}x, "
        f"wall seconds, median of {options.repeats}",
        rows,
    )


if __name__ == "__main__":
    main()
