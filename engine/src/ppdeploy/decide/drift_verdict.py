"""What `invoke drift` checks and what its result means: pure decisions, no AWS calls.

Exit codes (``ppdeploy.errors``): 0 no drift; 8 drift found (``DriftFound``), a code of
its own so CI tells "someone changed the stack by hand" from a usage error (2), an
unreachable target (3), a failed deploy (4), a refusal (5) or a failed or incomplete
verify (6, 7). A resource CloudFormation
could not check is printed with its reason and is not drift.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ppdeploy import naming
from ppdeploy.aws.drift_detection import StackDrift
from ppdeploy.errors import PPDeployError

# Statuses in which CloudFormation runs drift detection ("Detect drift on an entire
# CloudFormation stack"); any other stack is reported, not checked.
DETECTABLE_STATUSES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)


class DriftFound(PPDeployError):
    """A stack's resources differ from its template: changed behind CloudFormation's back."""

    exit_code = 8


@dataclass(frozen=True)
class StackCheck:
    """One stack of the stage: its detection, or why it was not checked."""

    stack: str
    drift: StackDrift | None = None
    skipped: str = ""  # "not deployed", "UPDATE_IN_PROGRESS: ...", ...


def stage_stacks(stage: str) -> list[str]:
    """Every stack of a stage, in deploy order."""
    return [
        naming.bootstrap_stack(stage),
        naming.shared_stack(stage),
        *(naming.service_stack(service, stage) for service in naming.SERVICES),
    ]


def skip_reason(status: str | None) -> str:
    """Why a stack in ``status`` is not checked ("" when it is checked)."""
    if status is None:
        return "not deployed"
    if status in DETECTABLE_STATUSES:
        return ""
    return (
        f"{status}: drift detection runs on a stack at rest "
        f"({', '.join(sorted(DETECTABLE_STATUSES))})"
    )


def verdict(stage: str, checks: Sequence[StackCheck]) -> str:
    """The closing line when nothing drifted; raises DriftFound naming the drifted stacks."""
    drifted = {c.stack: len(c.drift.drifted) for c in checks if c.drift and c.drift.drifted}
    if drifted:
        resources = sum(drifted.values())
        raise DriftFound(
            f"drift in stage {stage}: {resources} resource(s) in "
            f"{', '.join(sorted(drifted))} differ from their templates",
            cause="someone changed them outside CloudFormation (console, CLI, SDK)",
            fix="redeploy the stage to put the template's settings back, or put the change "
            "in the template and deploy it",
        )
    checked = sum(1 for c in checks if c.drift is not None)
    return f"no drift in stage {stage} ({checked} stack(s) checked)"
