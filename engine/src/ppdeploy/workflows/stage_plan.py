"""``invoke plan``: the waves of a stage and what a deploy would do to each stack.

Services are built (not uploaded, not tested) so their specs are the ones a deploy would
send; each stack is previewed by ``decide.plan``, which changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from ppdeploy import catalog, naming
from ppdeploy.decide import graph
from ppdeploy.decide.plan import StackPlan, preview
from ppdeploy.model import StackSpec
from ppdeploy.workflows.service_deploy import prepare_service, service_spec
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stage_deploy import stage_graph


def plan_stage(session: StageSession, service: str | None = None) -> list[StackPlan]:
    """The plan for every stack of the stage, or for one service (and the shared stack)."""
    if service is not None:
        catalog.service(service)  # an unknown service is refused by name
    stage_stacks, sources = stage_graph(session)
    shared_name = naming.shared_stack(session.stage.name)
    wanted = set(stage_stacks.specs)
    if service is not None:
        wanted = {shared_name, naming.service_stack(service, session.stage.name)}
        sources = {name: src for name, src in sources.items() if name in wanted}
    bucket_exported = naming.export("artifacts-bucket", session.stage.name) in session.exports()

    def spec_for(name: str) -> StackSpec:
        if name not in sources or not bucket_exported:
            return stage_stacks.specs[name]
        prepared = prepare_service(sources[name], session.reporter, skip_tests=True)
        return service_spec(session, prepared, upload=False)

    return plan_graph(session, stage_stacks, spec_for, only=wanted)


def plan_graph(
    session: StageSession,
    stage_stacks: graph.StackGraph,
    spec_for: Callable[[str], StackSpec] | None = None,
    *,
    only: Collection[str] | None = None,
) -> list[StackPlan]:
    """The plan of each stack of ``stage_stacks`` (or of those in ``only``), wave by wave."""
    find = spec_for or stage_stacks.specs.__getitem__
    return [
        # Previewed with the operated parameters a deploy would carry, as it would deploy.
        preview(
            session.cfn,
            session.with_operated_parameters(find(name)),
            number,
            force=session.force,
            exports_now=session.exports,
        )
        for number, wave in enumerate(stage_stacks.waves(), start=1)
        for name in wave
        if only is None or name in only
    ]
