"""The fuzz harness, in-process: schemathesis against a fake coaching app, the token flow
against a fake account service and outbox (no network: WSGI calls and a fake ``http``).

The real session (``nox -s fuzz``) needs the whole local system; these prove that the
documents load, that generated requests reach an app, and that the tally counts 5xx and
conformance failures, so a green session means what it says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fuzz import harness

SESSION = {
    "sessionId": "0" * 32,
    "topic": "focus",
    "status": "active",
    "createdAt": "2026-12-03T17:00:00.000Z",
}
TOKEN = "token-1"

Start = Callable[[str, list[tuple[str, str]]], Any]


def _answer(start: Start, status: int, document: Any = None) -> Iterable[bytes]:
    body = b"" if document is None else json.dumps(document).encode()
    headers = [("Content-Type", "application/json")] if document is not None else []
    start(f"{status} X", headers)
    return [body]


def _error(start: Start, status: int, code: str) -> Iterable[bytes]:
    return _answer(start, status, {"error": {"code": code, "message": code}})


def fake_coaching(*, broken_list: bool = False) -> Callable[[dict[str, Any], Start], Any]:
    """What the coaching contract says, for a caller with no sessions."""

    def app(environ: dict[str, Any], start: Start) -> Iterable[bytes]:  # noqa: PLR0911 - one answer per rule of the contract
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"].removeprefix("/coaching")
        if (method, path) == ("GET", "/health"):
            return _answer(start, 200, {"status": "ok", "service": "coaching", "runtime": "python"})
        if environ.get("HTTP_AUTHORIZATION") != f"Bearer {TOKEN}":
            return _error(start, 401, "unauthorized")
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        if raw and not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return _error(start, 415, "unsupported_media_type")
        if path != "/sessions":
            return _error(start, 404, "not_found")
        if method == "POST":
            try:
                body = json.loads(raw)
                ok = isinstance(body, dict) and isinstance(body.get("topic"), str)
            except ValueError:
                ok = False
            if not ok or not 1 <= len(body["topic"].strip()) <= 200:
                return _error(start, 400, "bad_request")
            return _answer(start, 201, {**SESSION, "topic": body["topic"].strip()})
        if broken_list:
            return _error(start, 500, "internal_error")
        limit = parse_qs(environ.get("QUERY_STRING", "")).get("limit", ["50"])
        if len(limit) != 1 or not limit[0].isdigit() or not 1 <= int(limit[0]) <= 100:
            return _error(start, 400, "bad_request")
        return _answer(start, 200, {"items": [], "nextCursor": None})

    return app


def _fuzz(app: Any) -> harness.Tally:
    return harness.fuzz(
        "coaching",
        "http://localhost/coaching",
        lambda: TOKEN,
        max_examples=5,
        seed=13,
        transport={"app": app},
    )


@pytest.fixture(scope="module")
def conforming() -> harness.Tally:
    """One fuzz run of the conforming app (a run costs seconds: two tests read this one)."""
    return _fuzz(fake_coaching())


def test_a_conforming_app_passes_with_every_operation_fuzzed(conforming: harness.Tally) -> None:
    tally = conforming

    assert tally.failures == {}
    assert tally.server_errors == 0
    assert tally.requests >= 5 * 2  # at least a few examples per operation and mode
    assert {200, 201, 400, 404} <= set(tally.statuses)
    assert tally.line().startswith("coaching: ")
    assert " 0 5xx" in tally.line()


def test_a_5xx_is_counted_and_fails_the_operation() -> None:
    tally = _fuzz(fake_coaching(broken_list=True))

    assert tally.server_errors > 0
    assert set(tally.failures) == {"GET /sessions (positive)", "GET /sessions (negative)"}
    failure = tally.failures["GET /sessions (positive)"]
    assert "Server error" in failure
    assert "curl -X GET" in failure  # how to reproduce it
    assert TOKEN not in failure


def test_the_same_seed_sends_the_same_requests(conforming: harness.Tally) -> None:
    # The module's first run against a run of its own, made after the other tests' runs.
    first, second = conforming, _fuzz(fake_coaching())

    assert (first.requests, first.statuses) == (second.requests, second.statuses)


class FakeSystem:
    """The account service and the outbox as the contract says they answer."""

    def __init__(self, *, register_status: int = 202, limited_logins: int = 0) -> None:
        self.register_status = register_status
        self.limited_logins = limited_logins
        self.verified = False
        self.calls: list[str] = []

    def __call__(  # noqa: PLR0911 - one answer per route of the fake
        self, method: str, url: str, body: dict[str, Any] | None, headers: Mapping[str, str]
    ) -> harness.Answer:
        parts = urlsplit(url)
        self.calls.append(f"{method} {parts.netloc}{parts.path}")
        if parts.path == "/_localaws/ses/outbox":
            link = "https://api.dev.purposepath.app/account/auth/verify-email?token=T0K"
            to = parse_qs(parts.query)["to"]
            return 200, {}, {"messages": [{"to": to, "links": [link]}]}
        if parts.path == "/account/auth/register":
            return self.register_status, {}, {"status": "verification_sent", "message": "m"}
        if parts.path == "/account/auth/verify-email" and parts.query == "token=T0K":
            self.verified = True
            return 200, {}, {"status": "verified"}
        if parts.path == "/account/auth/login":
            if self.limited_logins:
                self.limited_logins -= 1
                return 429, {"Retry-After": "2"}, {"error": {"code": "too_many_requests"}}
            if not self.verified:
                return 403, {}, {"error": {"code": "email_not_verified"}}
            return 200, {}, {"accessToken": TOKEN}
        return 404, {}, None


def _account(system: FakeSystem, waits: list[float]) -> harness.Account:
    return harness.Account("http://gw/account", "http://aws", http=system, sleep=waits.append)


def test_the_token_comes_through_register_outbox_link_and_login() -> None:
    system, waits = FakeSystem(limited_logins=1), []
    account = _account(system, waits)

    account.create()
    token = account.login()

    assert token == TOKEN
    assert system.calls == [
        "POST gw/account/auth/register",
        "GET aws/_localaws/ses/outbox",
        # The link's path from /auth/ on, against our own account URL (not the public one).
        "GET gw/account/auth/verify-email",
        "POST gw/account/auth/login",
        "POST gw/account/auth/login",
    ]
    assert waits == [2]  # the 429's Retry-After, waited out once


def test_a_flow_step_that_breaks_the_contract_is_named() -> None:
    account = _account(FakeSystem(register_status=201), [])

    with pytest.raises(harness.FlowError, match=r"POST /auth/register answered 201, not 202"):
        account.create()
