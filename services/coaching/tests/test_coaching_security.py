"""Token attacks and tenant/user isolation on the coaching API."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ppcommon.aws import resource_table
from pptesting import tokens
from pptesting.events import ApiClient

PROTECTED = [
    ("GET", "/sessions"),
    ("POST", "/sessions"),
    ("GET", "/sessions/{id}"),
    ("POST", "/sessions/{id}/messages"),
    ("GET", "/sessions/{id}/messages"),
    ("POST", "/sessions/{id}/complete"),
    ("DELETE", "/sessions/{id}"),
]


@pytest.fixture
def session_id(api: ApiClient, token: str) -> str:
    result = api("POST", "/sessions", token=token, body={"topic": "mine"})
    session: str = result.body["sessionId"]
    return session


@pytest.mark.parametrize("attack", list(tokens.attacks()))
def test_token_attacks_are_401_with_challenge(api: ApiClient, attack: str) -> None:
    forged = tokens.attacks()[attack]

    result = api("POST", "/sessions", token=forged, body={"topic": "x"})

    assert result.status == 401
    assert result.headers["www-authenticate"] == "Bearer"
    assert result.body["error"]["code"] == "unauthorized"
    assert set(result.body) == {"error"}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_protected_route_refuses_a_missing_token(
    api: ApiClient, session_id: str, method: str, path: str
) -> None:
    result = api(method, path.format(id=session_id), body={"topic": "x", "text": "x"})

    assert result.status == 401
    assert result.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("user_id", "tenant_id"),
    [("user-1", "tenant-2"), ("user-2", "tenant-1"), ("user-2", "tenant-2")],
    ids=["same user id in another tenant", "another user in the tenant", "another both"],
)
@pytest.mark.parametrize(("method", "path"), [p for p in PROTECTED if "{id}" in p[1]])
def test_another_tenant_or_user_gets_404_never_data(
    api: ApiClient,
    token_for: Callable[..., str],
    session_id: str,
    user_id: str,
    tenant_id: str,
    method: str,
    path: str,
) -> None:
    intruder = token_for(user_id, tenant_id)

    result = api(method, path.format(id=session_id), token=intruder, body={"text": "x"})

    assert result.status == 404
    assert set(result.body) == {"error"}
    assert "mine" not in str(result.body)


def test_another_users_list_is_empty_and_nothing_changed(
    api: ApiClient, token: str, token_for: Callable[..., str], session_id: str
) -> None:
    intruder = token_for("user-2", "tenant-1")
    api("DELETE", f"/sessions/{session_id}", token=intruder)
    api("POST", f"/sessions/{session_id}/complete", token=intruder)

    assert api("GET", "/sessions", token=intruder).body == {"items": [], "nextCursor": None}
    owner_view = api("GET", f"/sessions/{session_id}", token=token)
    assert (owner_view.status, owner_view.body["status"]) == (200, "active")


def test_every_stored_key_begins_with_the_tokens_tenant(
    api: ApiClient, token_for: Callable[..., str]
) -> None:
    for tenant in ("tenant-a", "tenant-b"):
        token = token_for("user-1", tenant)
        sid = api("POST", "/sessions", token=token, body={"topic": "t"}).body["sessionId"]
        api("POST", f"/sessions/{sid}/messages", token=token, body={"text": "hello there"})

    items = resource_table("coaching").scan()["Items"]

    assert len(items) == 6
    assert all(item["pk"].startswith(("TENANT#tenant-a#", "TENANT#tenant-b#")) for item in items)


@pytest.mark.parametrize("revoked_by", ["jti", "sid", "user", "tenant"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_revoked_token_is_401_on_reads_and_writes(
    api: ApiClient, revoked_by: str, method: str
) -> None:
    document = tokens.claims()
    token = tokens.sign(document)
    assert api("GET", "/sessions", token=token).status == 200
    tokens.revoke(document, revoked_by)

    result = api(method, "/sessions", token=token, body={"topic": "x"})

    assert result.status == 401
    assert result.body["error"]["message"] == "access token has been revoked"
