"""`invoke drift`: has anyone changed the stage's stacks behind CloudFormation's back?

As in every task module, the engine loads inside the task body: loading ``tasks.py`` for
one command must not load what another command needs.
"""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "stage": "stage (declared in stages.toml; default dev)",
        "stack": "check only this stack of the stage (default: every stack)",
        "local": "check the embedded local AWS",
    }
)
@at_edge
def drift(c: Context, stage: str = "dev", stack: str | None = None, local: bool = False) -> None:
    """Drift detection on every stack of the stage: each drifted resource and its properties.

    Exits 8 when any resource differs from its template, 0 when none does.
    """
    from ppdeploy import config  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws import target as targets  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws.cloudformation import CloudFormation  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws.drift_detection import DriftDetection  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.decide.drift_verdict import StackCheck, verdict  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.ui import drift_view  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.workflows.stage_drift import stage_drift  # noqa: PLC0415 - tasks load the engine when they run

    target = targets.for_stage(config.stage(stage), use_local=local)
    client = target.client("cloudformation")
    cfn = CloudFormation(client, poll_seconds=target.poll_seconds)
    detection = DriftDetection(client, poll_seconds=target.poll_seconds)

    def show(check: StackCheck) -> None:
        for line in drift_view.lines(check):
            print(line, flush=True)

    checks = stage_drift(cfn, detection, stage, stack=stack, on_check=show)
    print(verdict(stage, checks), flush=True)
