"""The traction purge function against moto: a deleted tenant's goals, KPIs and readings go,
other tenants' stay, ``user.deleted`` deletes nothing (traction data is the tenant's), a
second delivery deletes nothing, a malformed event raises before anything is deleted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ppcommon.account_events import MalformedAccountEvent
from ppcommon.aws import resource_table
from pptesting.events import LambdaContext, load_event
from traction import purge, store

EVENTS = Path(__file__).resolve().parent / "events"
PAGE = 7  # items per query page in the paging test: many pages from few items


def sns_event(fixture: str, **changes: Any) -> dict[str, Any]:
    """The fixture SNS event with fields of its message changed (None removes one)."""
    event = load_event(EVENTS / fixture)
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    for name, value in changes.items():
        if value is None:
            message.pop(name, None)
        else:
            message[name] = value
    sns["Message"] = json.dumps(message)
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return purge.lambda_handler(event, LambdaContext())


def seed(tenant_id: str, goals: int, kpis: int, readings: int) -> int:
    """Goals with ``kpis`` KPIs each and ``readings`` readings per KPI; items written."""
    written = 0
    with resource_table("traction").batch_writer() as batch:
        for g in range(goals):
            goal_id = f"g{g:03d}"
            batch.put_item(
                Item={
                    "pk": f"TENANT#{tenant_id}",
                    "sk": f"GOAL#{goal_id}",
                    "goalId": goal_id,
                    "title": "t",
                    "createdSort": f"{g:06d}",
                }
            )
            written += 1
            for k in range(kpis):
                kpi_id = f"{goal_id}k{k:03d}"
                for sk in (f"KPI#{kpi_id}", f"GOALKPI#{goal_id}#{kpi_id}"):
                    batch.put_item(
                        Item={"pk": f"TENANT#{tenant_id}", "sk": sk, "kpiId": kpi_id, "name": "n"}
                    )
                for r in range(readings):
                    batch.put_item(
                        Item={
                            "pk": f"TENANT#{tenant_id}#KPI#{kpi_id}",
                            "sk": f"READING#{r:06d}#r{r}",
                            "value": r,
                        }
                    )
                written += 2 + readings
    return written


def items() -> list[tuple[str, str]]:
    table = resource_table("traction")
    found, arguments = [], {}
    while True:
        page = table.scan(**arguments)
        found += [(item["pk"], item["sk"]) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(found)
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def of_tenant(tenant_id: str) -> list[tuple[str, str]]:
    pk = f"TENANT#{tenant_id}"
    return [key for key in items() if key[0] == pk or key[0].startswith(pk + "#")]


def test_tenant_deleted_removes_every_goal_kpi_and_reading_of_that_tenant_only() -> None:
    written = seed("tenant-1", goals=2, kpis=2, readings=30)  # >25: several batches
    seed("tenant-10", goals=1, kpis=1, readings=2)  # a prefix of tenant-1's key
    seed("tenant-2", goals=1, kpis=1, readings=2)
    mine = set(of_tenant("tenant-1"))
    assert len(mine) == written
    others = [key for key in items() if key not in mine]

    result = invoke(sns_event("sns_tenant_deleted.json"))

    assert result == {
        "purged": [{"eventId": "8b7e3f0c-1a2d-4c5e-9f60-7a8b9c0d1e2f", "itemsDeleted": written}]
    }
    assert of_tenant("tenant-1") == []
    assert items() == others


def test_a_second_delivery_deletes_nothing_and_succeeds() -> None:
    seed("tenant-1", goals=1, kpis=1, readings=3)
    event = sns_event("sns_tenant_deleted.json")
    invoke(event)

    assert invoke(event)["purged"][0]["itemsDeleted"] == 0


def test_the_purge_finishes_what_a_goal_deletion_left_half_done() -> None:
    # A goal deletion that failed after its KPI item went: the membership still names it.
    seed("tenant-1", goals=1, kpis=1, readings=3)
    resource_table("traction").delete_item(Key={"pk": "TENANT#tenant-1", "sk": "KPI#g000k000"})

    invoke(sns_event("sns_tenant_deleted.json"))

    assert of_tenant("tenant-1") == []


def test_user_deleted_keeps_the_tenants_traction_data() -> None:
    seed("tenant-1", goals=1, kpis=1, readings=2)
    before = items()

    result = invoke(sns_event("sns_user_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == 0
    assert items() == before


def test_the_purge_pages_through_more_than_one_page(monkeypatch: pytest.MonkeyPatch) -> None:
    table, pages = resource_table("traction"), []

    class SmallPages:
        def query(self, **arguments: Any) -> Any:
            pages.append(arguments["ExpressionAttributeValues"][":pk"])
            return table.query(Limit=PAGE, **arguments)

        def __getattr__(self, name: str) -> Any:
            return getattr(table, name)

    monkeypatch.setattr(store, "_table", SmallPages)
    written = seed("tenant-1", goals=10, kpis=1, readings=20)

    assert invoke(sns_event("sns_tenant_deleted.json"))["purged"][0]["itemsDeleted"] == written
    assert of_tenant("tenant-1") == []
    assert pages.count("TENANT#tenant-1") > 30 // PAGE  # 30 tenant items, 7 a page


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type": "tenant.renamed"}, "unknown"),
        ({"tenantId": "tenant-1#KPI"}, "'tenantId'"),
        ({"tenantId": None}, "missing \\['tenantId'\\]"),
        ({"userId": "user-1"}, "unexpected \\['userId'\\]"),
    ],
)
def test_a_malformed_event_raises_before_anything_is_deleted(
    changes: dict[str, Any], reason: str
) -> None:
    seed("tenant-1", goals=1, kpis=1, readings=1)
    before = items()

    with pytest.raises(MalformedAccountEvent, match=reason):
        invoke(sns_event("sns_tenant_deleted.json", **changes))

    assert items() == before


def test_an_event_that_is_not_from_sns_is_refused() -> None:
    with pytest.raises(MalformedAccountEvent, match="no Records"):
        invoke({"detail-type": "user.deleted", "detail": {}})


@pytest.mark.usefixtures("small_pages_traction")
def test_the_purge_deletes_items_under_time_ordered_keys() -> None:
    # Goals and KPIs made since lists page sit under GOAL#v7#... and GOALKPI#<g>#v7#...
    now = datetime(2026, 12, 3, tzinfo=UTC)
    for n in range(3):
        goal_id = store.create_goal("tenant-1", {"title": "g"}, now)["goalId"]
        kpi_id = store.create_kpi("tenant-1", goal_id, "k", "u", Decimal(n), now)["kpiId"]
        for r in range(4):
            store.add_reading("tenant-1", kpi_id, Decimal(r), now + timedelta(seconds=r))
    written = len(of_tenant("tenant-1"))
    assert written == 3 * (1 + 2 + 4)
    assert any("#v7#" in sk for _, sk in of_tenant("tenant-1"))

    result = invoke(sns_event("sns_tenant_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == written
    assert of_tenant("tenant-1") == []


@pytest.fixture
def small_pages_traction(monkeypatch: pytest.MonkeyPatch) -> None:
    """The traction table answering at most PAGE items per query: the purge must page."""
    table = resource_table("traction")

    class SmallPages:
        def query(self, **arguments: Any) -> Any:
            return table.query(**{"Limit": PAGE, **arguments})

        def __getattr__(self, name: str) -> Any:
            return getattr(table, name)

    pager = SmallPages()
    monkeypatch.setattr(store, "_table", lambda: pager)
