"""Token attacks and tenant isolation on the traction API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ppcommon.aws import resource_table
from pptesting import tokens
from pptesting.events import ApiClient


@pytest.fixture
def owned(api: ApiClient, token: str) -> dict[str, str]:
    goal = api("POST", "/goals", token=token, body={"title": "secret plan"}).body
    kpi = api(
        "POST",
        f"/goals/{goal['goalId']}/kpis",
        token=token,
        body={"name": "n", "unit": "u", "target": 1},
    ).body
    api("POST", f"/kpis/{kpi['kpiId']}/readings", token=token, body={"value": 5})
    return {"goal": goal["goalId"], "kpi": kpi["kpiId"]}


ID_ROUTES = [
    ("GET", "/goals/{goal}"),
    ("PUT", "/goals/{goal}"),
    ("DELETE", "/goals/{goal}"),
    ("POST", "/goals/{goal}/kpis"),
    ("GET", "/goals/{goal}/kpis"),
    ("POST", "/kpis/{kpi}/readings"),
    ("GET", "/kpis/{kpi}/readings"),
]


@pytest.mark.parametrize("attack", list(tokens.attacks()))
def test_token_attacks_are_401_with_challenge(api: ApiClient, attack: str) -> None:
    result = api("GET", "/goals", token=tokens.attacks()[attack])

    assert result.status == 401
    assert result.headers["www-authenticate"] == "Bearer"
    assert result.body["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), [("GET", "/goals"), ("POST", "/goals"), *ID_ROUTES])
def test_every_protected_route_refuses_a_missing_token(
    api: ApiClient, owned: dict[str, str], method: str, path: str
) -> None:
    result = api(method, path.format(**owned), body={"title": "x", "value": 1})

    assert (result.status, result.headers["www-authenticate"]) == (401, "Bearer")


@pytest.mark.parametrize(("method", "path"), ID_ROUTES)
def test_another_tenant_gets_404_never_data(
    api: ApiClient, token_for: Callable[..., str], owned: dict[str, str], method: str, path: str
) -> None:
    intruder = token_for("user-1", "tenant-2")  # even the same user id in another tenant
    body = (
        {"title": "hijack"}
        if method == "PUT"
        else {"name": "n", "unit": "u", "target": 1, "value": 9}
    )

    result = api(method, path.format(**owned), token=intruder, body=body)

    assert result.status == 404
    assert "secret plan" not in str(result.body)


def test_another_tenant_changes_nothing(
    api: ApiClient, token: str, token_for: Callable[..., str], owned: dict[str, str]
) -> None:
    intruder = token_for("user-9", "tenant-2")
    api("DELETE", f"/goals/{owned['goal']}", token=intruder)
    api("PUT", f"/goals/{owned['goal']}", token=intruder, body={"title": "hijack"})

    assert api("GET", "/goals", token=intruder).body == {"items": [], "nextCursor": None}
    assert api("GET", f"/goals/{owned['goal']}", token=token).body["title"] == "secret plan"
    assert len(api("GET", f"/kpis/{owned['kpi']}/readings", token=token).body["items"]) == 1


def test_same_tenant_other_user_shares_the_tenants_goals(
    api: ApiClient, token_for: Callable[..., str], owned: dict[str, str]
) -> None:
    colleague = token_for("user-2", "tenant-1")  # traction data belongs to the tenant

    assert api("GET", f"/goals/{owned['goal']}", token=colleague).status == 200


def test_every_stored_key_begins_with_the_tokens_tenant(
    api: ApiClient, owned: dict[str, str]
) -> None:
    items = resource_table("traction").scan()["Items"]

    assert len(items) == 4
    assert all(item["pk"].startswith("TENANT#tenant-1") for item in items)


@pytest.mark.parametrize("revoked_by", ["jti", "sid", "user", "tenant"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_revoked_token_is_401_on_reads_and_writes(
    api: ApiClient, revoked_by: str, method: str
) -> None:
    document = tokens.claims()
    token = tokens.sign(document)
    assert api("GET", "/goals", token=token).status == 200
    tokens.revoke(document, revoked_by)

    result = api(method, "/goals", token=token, body={"title": "x"})

    assert result.status == 401
    assert result.body["error"]["message"] == "access token has been revoked"
