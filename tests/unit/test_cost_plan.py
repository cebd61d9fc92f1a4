"""`invoke plan`'s cost table: the idle monthly cost a deploy would add or remove, per stack.

create -> from $0 to the proposed template's cost; update -> the deployed template with its
deployed parameters against the proposed ones; unchanged -> $0.00 without reading anything;
a deployed template the estimate cannot price -> "n/a" and a warning, the plan goes on.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
    assert plan_view.cost_row(plan) == (STACK, "update", "$32.85", "$65.70", "+$32.85")


def test_a_change_that_removes_cost_shows_a_negative_difference() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, parameters={"Egress": "nat-per-az"})
    cfn.templates[STACK] = BODY

    plan = priced(session(cfn), StackPlan(STACK, 1, "update"), spec("single-nat"), PRICES)  # type: ignore[arg-type]

    assert plan_view.cost_row(plan) == (STACK, "update", "$65.70", "$32.85", "-$32.85")


def test_a_new_stack_costs_its_whole_template_and_an_unchanged_one_nothing() -> None:
    cfn = FakeCloudFormation()

    created = priced(session(cfn), StackPlan(STACK, 1, "create"), spec("single-nat"), PRICES)  # type: ignore[arg-type]
    unchanged = priced(session(cfn), StackPlan(STACK, 1, "unchanged"), spec("x"), PRICES)  # type: ignore[arg-type]

    assert plan_view.cost_row(created) == (STACK, "create", "$0.00", "$32.85", "+$32.85")
    assert plan_view.cost_row(unchanged) == (STACK, "unchanged", "-", "-", "$0.00")
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

    assert plan_view.cost_row(plan)[2:] == ("n/a", "n/a", "n/a")
    assert plan_view.cost_rows([plan])[-1] == ("total", "", "", "", "n/a")
    warnings = [e for e in reporting.reporter.events if isinstance(e, Message)]
    assert "cache.x9.huge" in warnings[0].text
    assert warnings[0].level == "warn"


class Tables(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, tuple[str, ...], list[tuple[object, ...]]]] = []

    def table(self, title: str, columns: Any, rows: Any) -> None:
        self.tables.append((title, tuple(columns), [tuple(row) for row in rows]))


def test_plan_keeps_its_four_columns_and_adds_a_cost_table_with_a_total() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, parameters={"Egress": "single-nat"})
    cfn.templates[STACK] = BODY
    reporting = session(cfn)
    other = "purposepath-coaching-api-dev"
    plans = [
        priced(reporting, StackPlan(STACK, 1, "update"), spec("nat-per-az"), PRICES),  # type: ignore[arg-type]
        priced(reporting, StackPlan(other, 2, "unchanged"), spec("x"), PRICES),  # type: ignore[arg-type]
    ]
    view = Tables()

    plan_view.show(view, "dev", plans)  # type: ignore[arg-type]

    (title, columns, rows), (cost_title, cost_columns, cost_rows) = view.tables
    assert (title, columns) == ("plan for stage dev", ("wave", "stack", "action", "changes"))
    assert rows == [("1", STACK, "update", ""), ("2", other, "unchanged", "")]
    assert cost_title.startswith(
        "monthly cost per stack, idle (list prices of 2026-12-03, us-east-1"
    )
    assert cost_columns == plan_view.COST_COLUMNS
    assert cost_rows[-1] == ("total", "", "", "", "+$32.85")


def test_without_a_price_table_the_plan_shows_no_cost_table() -> None:
    cfn = FakeCloudFormation()
    plan = priced(session(cfn), StackPlan(STACK, 1, "create"), spec("x"), None)  # type: ignore[arg-type]
    view = Tables()

    plan_view.show(view, "dev", [plan])  # type: ignore[arg-type]

    assert [title for title, _, _ in view.tables] == ["plan for stage dev"]
