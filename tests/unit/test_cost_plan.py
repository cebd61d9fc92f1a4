"""`invoke plan`'s monthly column: the idle cost a deploy would add or remove, per stack.

create -> from $0 to the proposed template's cost; update -> the deployed template with its
deployed parameters against the proposed ones; unchanged -> $0.00 without reading anything;
a deployed template the estimate cannot price -> "n/a" and a warning, the plan goes on.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from ppdeploy import pricing, templates
from ppdeploy.decide.plan import StackPlan
from ppdeploy.events import Message, Recorder
from ppdeploy.model import StackSpec
from ppdeploy.ui import plan_view
from ppdeploy.workflows.stage_plan import PricedPlan, priced
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

STACK = "purposepath-shared-infrastructure-dev"
BODY = """
Parameters:
  Egress: {Type: String, Default: single-nat}
Conditions:
  PerAz: !Equals [!Ref Egress, nat-per-az]
Resources:
  NatA: {Type: AWS::EC2::NatGateway, Properties: {}}
  NatB: {Type: AWS::EC2::NatGateway, Condition: PerAz, Properties: {}}
"""
PRICES = pricing.load("us-east-1")


def spec(egress: str) -> StackSpec:
    template = templates.Template(Path("t.yaml"), BODY, templates.parse(BODY, Path("t.yaml")))
    return StackSpec(STACK, template, {"Egress": egress})


def session(cfn: FakeCloudFormation) -> SimpleNamespace:
    return SimpleNamespace(cfn=cfn, reporter=Recorder())


def test_an_update_is_priced_from_the_deployed_template_and_parameters() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, parameters={"Egress": "single-nat"})
    cfn.templates[STACK] = BODY

    plan = priced(session(cfn), StackPlan(STACK, 1, "update"), spec("nat-per-az"), PRICES)  # type: ignore[arg-type]

    assert isinstance(plan, PricedPlan)
    assert plan.monthly is not None
    assert (plan.monthly.before, plan.monthly.after) == (Decimal("32.850"), Decimal("65.700"))
    assert plan_view.monthly(plan) == "+$32.85 ($32.85 -> $65.70)"


def test_a_change_that_removes_cost_shows_a_negative_difference() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, parameters={"Egress": "nat-per-az"})
    cfn.templates[STACK] = BODY

    plan = priced(session(cfn), StackPlan(STACK, 1, "update"), spec("single-nat"), PRICES)  # type: ignore[arg-type]

    assert plan_view.monthly(plan) == "-$32.85 ($65.70 -> $32.85)"


def test_a_new_stack_costs_its_whole_template_and_an_unchanged_one_nothing() -> None:
    cfn = FakeCloudFormation()

    created = priced(session(cfn), StackPlan(STACK, 1, "create"), spec("single-nat"), PRICES)  # type: ignore[arg-type]
    unchanged = priced(session(cfn), StackPlan(STACK, 1, "unchanged"), spec("x"), PRICES)  # type: ignore[arg-type]

    assert plan_view.monthly(created) == "+$32.85 ($0.00 -> $32.85)"
    assert plan_view.monthly(unchanged) == "$0.00"
    assert cfn.calls == []


def test_a_deployed_template_the_estimate_cannot_price_shows_n_a_and_warns() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK)
    cfn.templates[STACK] = (
        "Resources:\n  G: {Type: AWS::ElastiCache::CacheCluster, "
        "Properties: {CacheNodeType: cache.x9.huge}}\n"
    )
    reporting = session(cfn)

    plan = priced(reporting, StackPlan(STACK, 1, "update"), spec("single-nat"), PRICES)  # type: ignore[arg-type]

    assert plan_view.monthly(plan) == "n/a"
    warnings = [e for e in reporting.reporter.events if isinstance(e, Message)]
    assert "cache.x9.huge" in warnings[0].text
    assert warnings[0].level == "warn"


def test_the_plan_table_has_the_monthly_column() -> None:
    cfn = FakeCloudFormation()
    plan = priced(session(cfn), StackPlan(STACK, 2, "create"), spec("single-nat"), PRICES)  # type: ignore[arg-type]

    assert plan_view.rows([plan]) == [("2", STACK, "create", "", "+$32.85 ($0.00 -> $32.85)")]
