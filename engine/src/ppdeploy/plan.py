"""``invoke plan``: what a deploy would do to each stack, changing nothing.

An update is previewed with a real change set that is deleted straight after; a stack that
does not exist yet is listed with the resources its template declares.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from ppdeploy import catalog, fingerprint, guard, naming, workflows
from ppdeploy.cloudformation import ResourceChange
from ppdeploy.deploy import stamp
from ppdeploy.model import StackSpec


@dataclass(frozen=True)
class StackPlan:
    stack: str
    wave: int
    action: str  # create | update | unchanged
    changes: tuple[ResourceChange, ...] = ()
    dangers: tuple[guard.Danger, ...] = ()  # what the stateful guard would refuse


def preview(session: workflows.StageSession, spec: StackSpec, wave: int) -> StackPlan:
    """What deploying ``spec`` would do; leaves no change set behind."""
    spec = stamp(session.cfn, spec)
    state = session.cfn.describe(spec.name)
    if state is None or state.status == "REVIEW_IN_PROGRESS":
        resources = tuple(
            ResourceChange("Add", logical_id, str(resource.get("Type", "")))
            for logical_id, resource in sorted(spec.template.resources.items())
        )
        return StackPlan(spec.name, wave, "create", resources)
    if fingerprint.unchanged(state, spec.tags[fingerprint.TAG]) and not session.force:
        return StackPlan(spec.name, wave, "unchanged")
    change_set = session.cfn.create_change_set(
        stack_name=spec.name,
        change_set_name=f"ppdeploy-plan-{uuid.uuid4().hex[:12]}",
        change_set_type="UPDATE",
        template_body=spec.template.body_for_upload(),
        parameters=spec.parameters,
        tags=spec.tags,
        token=f"ppdeploy-plan-{uuid.uuid4().hex}",
    )
    session.cfn.delete_change_set(change_set.change_set_id)
    if change_set.empty:
        return StackPlan(spec.name, wave, "unchanged")
    return StackPlan(
        spec.name, wave, "update", change_set.changes, tuple(guard.dangers(change_set))
    )


def plan_stage(session: workflows.StageSession, service: str | None = None) -> list[StackPlan]:
    """The plan for every stack of the stage, or for one service (and the shared stack)."""
    if service is not None:
        catalog.service(service)  # an unknown service is refused by name
    stage_stacks, sources = workflows.stage_graph(session)
    shared_name = naming.shared_stack(session.stage.name)
    wanted = set(stage_stacks.specs)
    if service is not None:
        wanted = {shared_name, naming.service_stack(service, session.stage.name)}
        sources = {name: src for name, src in sources.items() if name in wanted}
    bucket_exported = naming.export("artifacts-bucket", session.stage.name) in session.exports()
    plans = []
    for number, wave in enumerate(stage_stacks.waves(), start=1):
        for name in (n for n in wave if n in wanted):
            spec = stage_stacks.specs[name]
            if name in sources and bucket_exported:
                prepared = workflows.prepare_service(
                    sources[name], session.reporter, skip_tests=True
                )
                spec = workflows.service_spec(session, prepared, upload=False)
            plans.append(preview(session, spec, number))
    return plans
