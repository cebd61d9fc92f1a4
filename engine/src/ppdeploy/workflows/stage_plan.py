"""``invoke plan``: the waves of a stage and what a deploy would do to each stack.

Services are built (not uploaded, not tested) so their specs are the ones a deploy would
send; each stack is previewed by ``decide.plan``, which changes nothing. The stacks of a
wave are previewed side by side, as a deploy deploys them: a preview of a changed stack is
a change set CloudFormation computes, seconds each on AWS. Each plan carries
the idle monthly cost difference the deploy would make (``decide.cost_change``), from the
deployed template and parameters against the proposed ones, priced offline.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

from ppdeploy import catalog, naming, pricing, templates
from ppdeploy.decide import graph
from ppdeploy.decide.cost_change import CostChange, change
from ppdeploy.decide.plan import StackPlan, preview
from ppdeploy.errors import InputError
from ppdeploy.events import Message
from ppdeploy.model import StackSpec
from ppdeploy.workflows.service_deploy import prepare_services, service_spec
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.stage_deploy import stage_graph
from ppdeploy.workflows.waves import DEFAULT_CONCURRENCY


@dataclass(frozen=True)
class PricedPlan(StackPlan):
    """A stack's plan with the monthly cost difference (None: could not be priced)."""

    monthly: CostChange | None = None
    priced_as_of: str = ""  # the price table's date ("" when there was none to read)


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
    # Built all at once before any preview (prepare_services keeps two builds from writing
    # one dependency folder together), so the previews of a wave can run side by side.
    built = (
        dict(
            zip(
                sources,
                prepare_services(sources.values(), session.reporter, skip_tests=True),
                strict=True,
            )
        )
        if bucket_exported
        else {}
    )

    def spec_for(name: str) -> StackSpec:
        if name not in built:
            return stage_stacks.specs[name]
        return service_spec(session, built[name], upload=False)

    return plan_graph(session, stage_stacks, spec_for, only=wanted)


def plan_graph(
    session: StageSession,
    stage_stacks: graph.StackGraph,
    spec_for: Callable[[str], StackSpec] | None = None,
    *,
    only: Collection[str] | None = None,
) -> list[StackPlan]:
    """The plan of each stack of ``stage_stacks`` (or of those in ``only``), wave by wave;
    the stacks of a wave previewed side by side, the plans in the waves' order."""
    find = spec_for or stage_stacks.specs.__getitem__
    prices = _prices(session)

    def plan_one(number: int, name: str) -> StackPlan:
        # Previewed with the operated parameters a deploy would carry, as it would deploy.
        spec = session.with_operated_parameters(find(name))
        plan = preview(
            session.cfn,
            spec,
            number,
            force=session.force,
            exports_now=session.exports,
            state_now=session.stack_state,
        )
        return priced(session, plan, spec, prices)

    plans: list[StackPlan] = []
    for number, wave in enumerate(stage_stacks.waves(), start=1):
        names = [name for name in wave if only is None or name in only]
        if not names:
            continue
        with ThreadPoolExecutor(max_workers=min(DEFAULT_CONCURRENCY, len(names))) as pool:
            plans += pool.map(lambda name, n=number: plan_one(n, name), names)
    return plans


def _prices(session: StageSession) -> pricing.PriceTable | None:
    try:
        return pricing.load(session.stage.region)
    except InputError as error:
        session.reporter.emit(Message(f"plan shows no cost difference: {error}", "warn"))
        return None


def priced(
    session: StageSession, plan: StackPlan, spec: StackSpec, prices: pricing.PriceTable | None
) -> StackPlan:
    copied = {field.name: getattr(plan, field.name) for field in fields(StackPlan)}
    if prices is None:
        return PricedPlan(**copied)
    as_of = f"{prices.compiled}, {prices.region}"
    try:
        if plan.action == "unchanged":
            monthly = None
        elif plan.action == "create":
            monthly = change(plan.stack, None, {}, spec.template.document, spec.parameters, prices)
        else:
            deployed = session.cfn.describe(plan.stack)
            body = session.cfn.template_body(plan.stack)
            document = (
                templates.parse(body, Path(f"deployed template of {plan.stack}")) if body else None
            )
            monthly = change(
                plan.stack,
                document,
                deployed.parameters if deployed else {},
                spec.template.document,
                spec.parameters,
                prices,
            )
    except InputError as error:
        session.reporter.emit(Message(f"{plan.stack}: no cost difference shown: {error}", "warn"))
        monthly = None
    return PricedPlan(**copied, monthly=monthly, priced_as_of=as_of)
