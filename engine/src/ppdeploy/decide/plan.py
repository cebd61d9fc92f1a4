"""What a deploy would do to one stack, changing nothing (``invoke plan``).

An update is previewed with a real change set that is deleted straight after: only
CloudFormation knows which properties force a replacement. A stack that does not exist
yet is listed with the resources its template declares, and one whose fingerprint matches
is unchanged without a change set, as a deploy would skip it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ppdeploy.aws.cloudformation import CloudFormation, ResourceChange, StackState
from ppdeploy.decide import fingerprint, guard
from ppdeploy.model import StackSpec


@dataclass(frozen=True)
class StackPlan:
    stack: str
    wave: int
    action: str  # create | update | unchanged
    changes: tuple[ResourceChange, ...] = ()
    dangers: tuple[guard.Danger, ...] = ()  # what the stateful guard would refuse


def preview(
    cfn: CloudFormation,
    spec: StackSpec,
    wave: int,
    *,
    force: bool = False,
    exports_now: Callable[[], Mapping[str, str]] | None = None,
    state_now: Callable[[str], StackState | None] | None = None,
) -> StackPlan:
    """What deploying ``spec`` would do; leaves no change set behind.

    ``exports_now`` and ``state_now`` read the exports and the stack's state (a caller may
    share one reading of each across stacks).
    """
    spec = fingerprint.stamp(cfn, spec, exports_now)
    state = (state_now or cfn.describe)(spec.name)
    if state is None or state.status == "REVIEW_IN_PROGRESS":
        resources = tuple(
            ResourceChange("Add", logical_id, str(resource.get("Type", "")))
            for logical_id, resource in sorted(spec.template.resources.items())
        )
        return StackPlan(spec.name, wave, "create", resources)
    if fingerprint.unchanged(state, spec.tags[fingerprint.TAG]) and not force:
        return StackPlan(spec.name, wave, "unchanged")
    change_set = cfn.create_change_set(
        stack_name=spec.name,
        change_set_name=f"ppdeploy-plan-{uuid.uuid4().hex[:12]}",
        change_set_type="UPDATE",
        template_body=spec.template.body_for_upload(),
        parameters=spec.parameters,
        tags=spec.tags,
        token=f"ppdeploy-plan-{uuid.uuid4().hex}",
    )
    cfn.delete_change_set(change_set.change_set_id)
    if change_set.empty:
        return StackPlan(spec.name, wave, "unchanged")
    return StackPlan(
        spec.name, wave, "update", change_set.changes, tuple(guard.dangers(change_set))
    )
