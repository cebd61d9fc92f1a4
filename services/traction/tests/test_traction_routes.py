"""Every traction route and its errors, in-process against moto."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ppcommon.aws import resource_table
from pptesting.events import ApiClient, HttpResult, LambdaContext, load_event
from traction.app import lambda_handler

EVENTS = Path(__file__).parent / "events"
ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def fixture_call(name: str, token: str, **replace: str) -> HttpResult:
    event = load_event(EVENTS / name)
    for placeholder, value in replace.items():
        event["rawPath"] = event["rawPath"].replace(placeholder, value)
    event["headers"]["authorization"] = f"Bearer {token}"
    return HttpResult.from_response(lambda_handler(event, LambdaContext()))


def new_goal(api: ApiClient, token: str, **fields: Any) -> dict[str, Any]:
    result = api("POST", "/goals", token=token, body={"title": "Grow", **fields})
    assert result.status == 201, result.body
    return result.body


def new_kpi(api: ApiClient, token: str, goal_id: str, target: object = 10) -> dict[str, Any]:
    body = {"name": "Customers", "unit": "count", "target": target}
    result = api("POST", f"/goals/{goal_id}/kpis", token=token, body=body)
    assert result.status == 201, result.body
    return result.body


def test_health(api: ApiClient) -> None:
    assert api("GET", "/health").body == {
        "status": "ok",
        "service": "traction",
        "runtime": "python",
    }
    assert fixture_call("health_via_domain.json", "unused").status == 200


def test_create_goal_from_fixture(token: str) -> None:
    result = fixture_call("create_goal.json", token)

    assert result.status == 201
    goal = result.body
    assert set(goal) == {
        "goalId",
        "title",
        "description",
        "dueDate",
        "status",
        "createdAt",
        "updatedAt",
    }
    assert (goal["title"], goal["dueDate"], goal["status"]) == (
        "Reach 100 paying customers",
        "2027-03-31",
        "open",
    )
    assert ISO_Z.fullmatch(goal["createdAt"])
    assert goal["createdAt"] == goal["updatedAt"]


def test_optional_goal_fields_are_null(api: ApiClient, token: str) -> None:
    goal = new_goal(api, token)

    assert (goal["description"], goal["dueDate"]) == (None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'title' is required"),
        ({"title": " "}, "'title' must be 1 to 200"),
        ({"title": "t" * 201}, "'title' must be 1 to 200"),
        ({"title": "t", "description": 3}, "'description' must be a string"),
        ({"title": "t", "description": "d" * 2001}, "'description' must be 0 to 2000"),
        ({"title": "t", "dueDate": "2026-02-30"}, "'dueDate' must be a date"),
        ({"title": "t", "dueDate": "31/03/2027"}, "'dueDate' must be a date"),
        ({"title": "t", "dueDate": 20270331}, "'dueDate' must be a date"),
        ("[]", "must be a JSON object"),
    ],
)
def test_create_goal_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    result = api("POST", "/goals", token=token, body=body)

    assert result.status == 400
    assert message in result.body["error"]["message"]


def test_get_and_list_goals(api: ApiClient, token: str) -> None:
    first = new_goal(api, token, title="First")
    second = new_goal(api, token, title="Second")

    assert api("GET", f"/goals/{first['goalId']}", token=token).body == first
    listed = api("GET", "/goals", token=token).body["items"]
    assert [goal["goalId"] for goal in listed] == [second["goalId"], first["goalId"]]


def test_update_goal(api: ApiClient, token: str) -> None:
    goal = new_goal(api, token, description="old", dueDate="2027-01-01")

    result = api(
        "PUT",
        f"/goals/{goal['goalId']}",
        token=token,
        body={"title": "Renamed", "status": "done", "description": None},
    )

    assert result.status == 200
    updated = result.body
    assert (updated["title"], updated["status"], updated["description"], updated["dueDate"]) == (
        "Renamed",
        "done",
        None,
        "2027-01-01",
    )
    assert updated["createdAt"] == goal["createdAt"]
    assert updated["updatedAt"] >= goal["updatedAt"]
    assert api("GET", f"/goals/{goal['goalId']}", token=token).body == updated


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "at least one of"),
        ({"status": "closed"}, "'status' must be 'open' or 'done'"),
        ({"title": None}, "'title' is required"),
        ({"goalId": "x"}, "'goalId' cannot be updated"),
        ({"dueDate": "soon"}, "'dueDate' must be a date"),
    ],
)
def test_update_goal_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    goal = new_goal(api, token)

    result = api("PUT", f"/goals/{goal['goalId']}", token=token, body=body)

    assert result.status == 400
    assert message in result.body["error"]["message"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_goal_is_404(api: ApiClient, token: str, method: str) -> None:
    for goal_id in ("f" * 32, "nope"):
        result = api(method, f"/goals/{goal_id}", token=token, body={"title": "x"})
        assert (result.status, result.body["error"]["code"]) == (404, "not_found")


def test_kpis_from_fixture_and_listing(api: ApiClient, token: str) -> None:
    goal_id = new_goal(api, token)["goalId"]

    created = fixture_call("create_kpi.json", token, GOAL_ID=goal_id)
    listed = api("GET", f"/goals/{goal_id}/kpis", token=token)

    assert created.status == 201
    kpi = created.body
    assert set(kpi) == {"kpiId", "goalId", "name", "unit", "target", "createdAt"}
    assert (kpi["goalId"], kpi["name"], kpi["unit"], kpi["target"]) == (
        goal_id,
        "Paying customers",
        "count",
        100,
    )
    assert listed.body == {"items": [kpi], "nextCursor": None}


def test_kpi_target_keeps_decimals(api: ApiClient, token: str) -> None:
    goal_id = new_goal(api, token)["goalId"]

    kpi = new_kpi(api, token, goal_id, target=0.1)

    assert kpi["target"] == 0.1
    assert api("GET", f"/goals/{goal_id}/kpis", token=token).body["items"][0]["target"] == 0.1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"unit": "u", "target": 1}, "'name' is required"),
        ({"name": "n", "target": 1}, "'unit' is required"),
        ({"name": "n", "unit": "u"}, "'target' is required"),
        ({"name": "n", "unit": "u", "target": "10"}, "'target' must be a number"),
        ({"name": "n", "unit": "u", "target": False}, "'target' must be a number"),
        ('{"name": "n", "unit": "u", "target": NaN}', "'target' must be a finite number"),
        ({"name": "n" * 101, "unit": "u", "target": 1}, "'name' must be 1 to 100"),
    ],
)
def test_create_kpi_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    goal_id = new_goal(api, token)["goalId"]

    result = api("POST", f"/goals/{goal_id}/kpis", token=token, body=body)

    assert result.status == 400
    assert message in result.body["error"]["message"]


def test_kpis_of_unknown_goal_are_404(api: ApiClient, token: str) -> None:
    body = {"name": "n", "unit": "u", "target": 1}
    assert api("POST", f"/goals/{'e' * 32}/kpis", token=token, body=body).status == 404
    assert api("GET", f"/goals/{'e' * 32}/kpis", token=token).status == 404


def test_readings_in_time_order(api: ApiClient, token: str) -> None:
    kpi_id = new_kpi(api, token, new_goal(api, token)["goalId"])["kpiId"]
    late = fixture_call("add_reading.json", token, KPI_ID=kpi_id)
    early = api(
        "POST",
        f"/kpis/{kpi_id}/readings",
        token=token,
        body={"value": 7, "recordedAt": "2026-11-19T10:00:00+01:00"},
    )
    now = api("POST", f"/kpis/{kpi_id}/readings", token=token, body={"value": -1})

    listed = api("GET", f"/kpis/{kpi_id}/readings", token=token).body["items"]

    assert (late.status, early.status, now.status) == (201, 201, 201)
    assert set(late.body) == {"readingId", "kpiId", "value", "recordedAt"}
    assert (late.body["value"], late.body["recordedAt"]) == (42.5, "2026-11-20T09:30:00.000Z")
    assert early.body["recordedAt"] == "2026-11-19T09:00:00.000Z"
    assert ISO_Z.fullmatch(now.body["recordedAt"])
    assert [item["value"] for item in listed] == [7, 42.5, -1]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'value' is required"),
        ({"value": "1"}, "'value' must be a number"),
        ({"value": 1, "recordedAt": "yesterday"}, "'recordedAt' must be an ISO 8601"),
        ({"value": 1, "recordedAt": "2026-11-20T09:30:00"}, "'recordedAt' must be an ISO 8601"),
        ({"value": 1, "recordedAt": 1700000000}, "'recordedAt' must be an ISO 8601"),
    ],
)
def test_add_reading_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    kpi_id = new_kpi(api, token, new_goal(api, token)["goalId"])["kpiId"]

    result = api("POST", f"/kpis/{kpi_id}/readings", token=token, body=body)

    assert result.status == 400
    assert message in result.body["error"]["message"]


def test_readings_of_unknown_kpi_are_404(api: ApiClient, token: str) -> None:
    assert api("POST", f"/kpis/{'d' * 32}/readings", token=token, body={"value": 1}).status == 404
    assert api("GET", f"/kpis/{'d' * 32}/readings", token=token).status == 404


def test_delete_goal_removes_kpis_and_readings(api: ApiClient, token: str) -> None:
    keep = new_goal(api, token, title="Keep")
    keep_kpi = new_kpi(api, token, keep["goalId"])
    api("POST", f"/kpis/{keep_kpi['kpiId']}/readings", token=token, body={"value": 1})
    goal_id = new_goal(api, token)["goalId"]
    kpi_id = new_kpi(api, token, goal_id)["kpiId"]
    api("POST", f"/kpis/{kpi_id}/readings", token=token, body={"value": 1})

    result = api("DELETE", f"/goals/{goal_id}", token=token)

    assert (result.status, result.body) == (204, None)
    assert api("GET", f"/goals/{goal_id}", token=token).status == 404
    assert api("GET", f"/kpis/{kpi_id}/readings", token=token).status == 404
    assert api("POST", f"/kpis/{kpi_id}/readings", token=token, body={"value": 2}).status == 404
    remaining = {item["sk"].split("#")[0] for item in resource_table("traction").scan()["Items"]}
    assert remaining == {"GOAL", "KPI", "GOALKPI", "READING"}  # only the kept goal's items
    assert len(resource_table("traction").scan()["Items"]) == 4
