"""Traction lists page (limit, cursor) and cursors stay in the caller's tenant and list,
in-process against moto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ppcommon.aws import resource_table
from ppcommon.paging import encode_cursor
from pptesting.events import HttpResult, LambdaContext, http_event, load_event
from traction import store
from traction.app import lambda_handler

EVENTS = Path(__file__).parent / "events"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = "tenant-1"  # the ``token`` fixture's
CURSOR_REFUSED = "field 'cursor' is not a cursor this list gave"


def request(method: str, target: str, *, token: str, body: Any = None) -> HttpResult:
    """The handler called as API Gateway would (``target`` may carry a query string)."""
    event = http_event(
        load_event(EVENTS / "http_api_v2.json"), method, target, token=token, body=body
    )
    return HttpResult.from_response(lambda_handler(event, LambdaContext()))


def walk(token: str, path: str, limit: int) -> list[list[dict[str, Any]]]:
    """Every page of a list, following nextCursor until it is null."""
    pages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        result = request("GET", path + query, token=token)
        assert result.status == 200, result.body
        assert set(result.body) == {"items", "nextCursor"}
        pages.append(result.body["items"])
        cursor = result.body["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the list does not end"


def seed_goals(count: int, tenant_id: str = TENANT) -> list[str]:
    """``count`` goals a second apart, oldest first: their ids."""
    return [
        store.create_goal(tenant_id, {"title": f"goal {n}"}, START + timedelta(seconds=n))["goalId"]
        for n in range(count)
    ]


def seed_kpis(goal_id: str, count: int, tenant_id: str = TENANT) -> list[str]:
    return [
        store.create_kpi(
            tenant_id, goal_id, f"kpi {n}", "u", Decimal(n), START + timedelta(seconds=n)
        )["kpiId"]
        for n in range(count)
    ]


def seed_readings(kpi_id: str, count: int, tenant_id: str = TENANT) -> list[Decimal]:
    values = [Decimal(n) for n in range(count)]
    for n, value in enumerate(values):
        store.add_reading(tenant_id, kpi_id, value, START + timedelta(minutes=n))
    return values


def test_goals_walk_newest_first_in_three_pages(token: str) -> None:
    created = seed_goals(120)

    pages = walk(token, "/goals", limit=50)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [item["goalId"] for page in pages for item in page] == created[::-1]


def test_kpis_walk_oldest_first_and_only_the_goals(token: str) -> None:
    goal_id, other_goal = seed_goals(2)
    created = seed_kpis(goal_id, 120)
    seed_kpis(other_goal, 3)

    pages = walk(token, f"/goals/{goal_id}/kpis", limit=50)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [item["kpiId"] for page in pages for item in page] == created


def test_readings_walk_in_time_order(token: str) -> None:
    kpi_id = seed_kpis(seed_goals(1)[0], 1)[0]
    values = seed_readings(kpi_id, 120)

    pages = walk(token, f"/kpis/{kpi_id}/readings", limit=50)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [Decimal(item["value"]) for page in pages for item in page] == values


def test_the_default_page_is_50(token: str) -> None:
    seed_goals(51)

    result = request("GET", "/goals", token=token)

    assert (len(result.body["items"]), result.body["nextCursor"] is None) == (50, False)


def test_goals_and_kpis_from_before_paging_keep_working(token: str) -> None:
    # Stored before lists paged: uuid4 ids, sort keys GOAL#<id> and GOALKPI#<goal>#<kpi>.
    table = resource_table("traction")
    pk = store.tenant_pk(TENANT)
    old_goals = [store.new_id() for _ in range(4)]
    old_kpis = [store.new_id() for _ in range(4)]
    for goal_id in old_goals:
        table.put_item(
            Item={
                "pk": pk,
                "sk": f"GOAL#{goal_id}",
                "goalId": goal_id,
                "title": "old",
                "status": "open",
                "createdAt": "2026-01-01T00:00:00.000Z",
                "createdSort": "20260101T000000000000Z",
                "updatedAt": "2026-01-01T00:00:00.000Z",
            }
        )
    for kpi_id in old_kpis:
        kpi = {"kpiId": kpi_id, "goalId": old_goals[0], "name": "old", "unit": "u", "target": 1}
        table.put_item(Item={"pk": pk, "sk": f"KPI#{kpi_id}", **kpi})
        table.put_item(Item={"pk": pk, "sk": f"GOALKPI#{old_goals[0]}#{kpi_id}", **kpi})
    new_goals = seed_goals(2)
    new_kpis = seed_kpis(old_goals[0], 2)

    goals = [item["goalId"] for page in walk(token, "/goals", 3) for item in page]
    kpis = [
        item["kpiId"] for page in walk(token, f"/goals/{old_goals[0]}/kpis", 3) for item in page
    ]

    assert goals == new_goals[::-1] + sorted(old_goals, reverse=True)
    assert kpis == sorted(old_kpis) + new_kpis
    updated = request("PUT", f"/goals/{old_goals[1]}", token=token, body={"status": "done"})
    assert (updated.status, updated.body["status"]) == (200, "done")
    assert request("DELETE", f"/goals/{old_goals[0]}", token=token).status == 204
    assert request("GET", f"/goals/{old_goals[0]}/kpis", token=token).status == 404
    remaining = {item["sk"] for item in table.scan()["Items"]}
    assert not any(old_goals[0] in sk or any(k in sk for k in old_kpis) for sk in remaining)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "x", "2.0", "", "5&limit=6"])
@pytest.mark.parametrize("path", ["/goals", "/goals/{goal}/kpis", "/kpis/{kpi}/readings"])
def test_a_limit_out_of_bounds_is_400_naming_limit(token: str, path: str, limit: str) -> None:
    goal_id = seed_goals(1)[0]
    kpi_id = seed_kpis(goal_id, 1)[0]

    result = request("GET", path.format(goal=goal_id, kpi=kpi_id) + f"?limit={limit}", token=token)

    assert result.status == 400
    assert result.body["error"]["message"] == "field 'limit' must be an integer from 1 to 100"


def test_a_cursor_from_another_tenant_is_refused(token: str, token_for: Callable[..., str]) -> None:
    seed_goals(3)
    seed_goals(3, tenant_id="tenant-2")
    theirs = request("GET", "/goals?limit=1", token=token_for("user-9", "tenant-2"))
    their_cursor = theirs.body["nextCursor"]
    assert their_cursor

    result = request("GET", f"/goals?cursor={their_cursor}", token=token)

    assert (result.status, result.body["error"]["message"]) == (400, CURSOR_REFUSED)


def test_a_cursor_serves_only_the_list_that_gave_it(token: str) -> None:
    goal_a, goal_b = seed_goals(2)
    kpi_a = seed_kpis(goal_a, 2)[0]
    kpi_b = seed_kpis(goal_b, 2)[0]
    seed_readings(kpi_a, 2)
    seed_readings(kpi_b, 2)
    cursors = {
        "goals": request("GET", "/goals?limit=1", token=token).body["nextCursor"],
        "kpis of a": request("GET", f"/goals/{goal_a}/kpis?limit=1", token=token).body[
            "nextCursor"
        ],
        "readings of a": request("GET", f"/kpis/{kpi_a}/readings?limit=1", token=token).body[
            "nextCursor"
        ],
    }
    wrong = [
        ("/goals", cursors["kpis of a"]),
        ("/goals", cursors["readings of a"]),
        (f"/goals/{goal_b}/kpis", cursors["kpis of a"]),
        (f"/goals/{goal_a}/kpis", cursors["goals"]),
        (f"/kpis/{kpi_b}/readings", cursors["readings of a"]),
        (f"/kpis/{kpi_a}/readings", cursors["kpis of a"]),
    ]

    for path, cursor in wrong:
        result = request("GET", f"{path}?cursor={cursor}", token=token)
        assert (result.status, result.body["error"]["message"]) == (400, CURSOR_REFUSED), path
    own = request("GET", f"/goals/{goal_a}/kpis?cursor={cursors['kpis of a']}", token=token)
    assert own.status == 200


def test_a_forged_cursor_naming_another_tenant_is_refused(token: str) -> None:
    victim_goal = seed_goals(1, tenant_id="tenant-2")[0]
    victim_kpi = seed_kpis(victim_goal, 1, tenant_id="tenant-2")[0]
    own_kpi = seed_kpis(seed_goals(1)[0], 1)[0]
    forged = [
        ("/goals", {"pk": "TENANT#tenant-2", "sk": "GOAL#"}),
        ("/goals", {"pk": "TENANT#tenant-1#KPI#x", "sk": "GOAL#"}),
        (
            f"/kpis/{own_kpi}/readings",
            {"pk": store.readings_pk("tenant-2", victim_kpi), "sk": "READING#"},
        ),
    ]

    for path, key in forged:
        result = request("GET", f"{path}?cursor={encode_cursor(key)}", token=token)
        assert (result.status, result.body["error"]["message"]) == (400, CURSOR_REFUSED), key


@pytest.mark.parametrize("path", ["/goals", "/goals/{goal}/kpis", "/kpis/{kpi}/readings"])
def test_a_page_is_one_query_of_limit_items(
    token: str, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    goal_id = seed_goals(30)[-1]
    kpi_id = seed_kpis(goal_id, 30)[-1]
    seed_readings(kpi_id, 30)
    table, queries = resource_table("traction"), []

    class Recording:
        def query(self, **arguments: Any) -> Any:
            queries.append(arguments)
            return table.query(**arguments)

        def __getattr__(self, name: str) -> Any:
            return getattr(table, name)

    monkeypatch.setattr(store, "_table", Recording)

    result = request("GET", path.format(goal=goal_id, kpi=kpi_id) + "?limit=7", token=token)

    assert len(result.body["items"]) == 7
    assert [query["Limit"] for query in queries] == [7]
