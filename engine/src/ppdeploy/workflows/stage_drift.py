"""`invoke drift`: run CloudFormation drift detection on the stacks of a stage, one by one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ppdeploy.aws.cloudformation import StackState
from ppdeploy.aws.drift_detection import DriftDetection
from ppdeploy.decide import drift_verdict as decide
from ppdeploy.errors import InputError


class Stacks(Protocol):
    """What the workflow needs of the CloudFormation adapter: a stack's state, or None."""

    def describe(self, name: str) -> StackState | None: ...


def stage_drift(
    cfn: Stacks,
    detection: DriftDetection,
    stage: str,
    *,
    stack: str | None = None,
    on_check: Callable[[decide.StackCheck], None] = lambda check: None,
) -> list[decide.StackCheck]:
    """Check every stack of the stage (or only ``stack``); ``on_check`` sees each as it ends."""
    names = decide.stage_stacks(stage)
    if stack is not None:
        if stack not in names:
            raise InputError(
                f"stack {stack} is not a stack of stage {stage}",
                fix=f"use one of: {', '.join(names)}",
            )
        names = [stack]
    checks = []
    for name in names:
        state = cfn.describe(name)
        if stack is not None and state is None:
            raise InputError(
                f"stack {name} does not exist",
                fix=f"`invoke status --stage {stage}` lists the stage's stacks",
            )
        reason = decide.skip_reason(state.status if state else None)
        check = (
            decide.StackCheck(name, skipped=reason)
            if reason
            else decide.StackCheck(name, drift=detection.detect(name))
        )
        on_check(check)
        checks.append(check)
    return checks
