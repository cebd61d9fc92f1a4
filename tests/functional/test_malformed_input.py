"""Every malformed input of the front-door issue, against the real account, coaching and
traction Lambda handlers in-process (moto, the test signing key): each answers a 4xx in
the shared error shape, never a 500, and nothing logs a stack trace.

These inputs used to answer 500 with a traceback in the log: a lone surrogate in a
password, email or topic; a body that is not UTF-8; JSON nested 100,000 deep; traction
targets of 1e-200, 1e200 or a 41-digit integer; recordedAt 0001-01-01T00:00:00+01:00.
The front door also refuses text/plain bodies (415) and bodies over 64 KiB (413).
"""

from __future__ import annotations

import base64
import importlib
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pptesting import tokens
from pptesting.aws import service_aws
from pptesting.events import HttpResult, LambdaContext, http_event, load_event

# Powertools warns on every invocation that publishes only the cold-start metric.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

SERVICES = Path(__file__).resolve().parents[2] / "services"
TABLES = {
    "account": ("users", "tokens", "tenants", "sessions"),
    "coaching": ("coaching",),
    "traction": ("traction",),
}
# Each service's own base event (API Gateway HTTP API, payload 2.0).
EVENTS = {
    "account": SERVICES / "account" / "tests" / "events" / "http-api-v2-base.json",
    "coaching": SERVICES / "coaching" / "tests" / "events" / "http_api_v2.json",
    "traction": SERVICES / "traction" / "tests" / "events" / "http_api_v2.json",
}
# The case: 200,000 bytes, so the size cap refuses it before anything reads it.
NESTED_100_000 = '{"topic":' + "[" * 100_000 + "]" * 100_000 + "}"
# Deep nesting within the size cap: the depth check must refuse it without recursion.
NESTED_30_000 = '{"topic":' + "[" * 30_000 + "]" * 30_000 + "}"
OVERSIZE = '{"topic":"' + "x" * 70_000 + '"}'
LONE_SURROGATE = "\\ud800"  # a JSON escape: valid JSON text, not a Unicode character


@dataclass
class Service:
    """One service's real handler, called as API Gateway would, and what it logged."""

    name: str
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    template: dict[str, Any]
    token: str
    log: io.StringIO

    def __call__(
        self,
        method: str,
        path: str,
        body: str | None = None,
        *,
        content_type: str | None = "application/json",
        base64_encoded: bool = False,
        authorised: bool = True,
    ) -> HttpResult:
        event = http_event(self.template, method, path, token=self.token if authorised else None)
        if body is not None:
            event["body"] = body
            if content_type is not None:
                event["headers"]["content-type"] = content_type
        event["isBase64Encoded"] = base64_encoded
        return HttpResult.from_response(self.handler(event, LambdaContext()))


@contextmanager
def service_log(service: str) -> Iterator[io.StringIO]:
    """What the service's Powertools logger writes: it keeps the stream it was made with,
    so pytest's capture does not see it; every handler is pointed at one buffer."""
    buffer = io.StringIO()
    handlers = [
        handler
        for handler in logging.getLogger(service).handlers
        if isinstance(handler, logging.StreamHandler)
    ]
    previous = [handler.setStream(buffer) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def open_service(name: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    with service_aws(monkeypatch, name, *TABLES[name]):
        handler = importlib.import_module(f"{name}.app").lambda_handler
        template = load_event(EVENTS[name])
        token = tokens.sign(tokens.claims("user-1", "tenant-1"))
        service = Service(name, handler, template, token, io.StringIO())
        # The first call creates the service's logger; capture it from then on.
        assert service("GET", "/health", authorised=False).status == 200
        with service_log(name) as logged:
            service.log = logged
            yield service


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    from account import passwords  # noqa: PLC0415 - service code, imported with its service

    # Hash strings carry their own count: a cheap one keeps each login a millisecond.
    monkeypatch.setattr(passwords, "ITERATIONS", 1_000)
    yield from open_service("account", monkeypatch)


@pytest.fixture
def coaching(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from open_service("coaching", monkeypatch)


@pytest.fixture
def traction(monkeypatch: pytest.MonkeyPatch) -> Iterator[Service]:
    yield from open_service("traction", monkeypatch)


def assert_refused(
    service: Service,
    result: HttpResult,
    status: int,
    *words: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 4xx in the shared error shape naming the problem, and no stack trace anywhere."""
    assert result.status == status, result.body
    assert set(result.body) == {"error"}
    assert set(result.body["error"]) == {"code", "message"}
    for word in words:
        assert word in result.body["error"]["message"], result.body
    captured = capsys.readouterr()
    for text in (service.log.getvalue(), captured.out, captured.err, caplog.text):
        assert "Traceback" not in text
        assert "unhandled error" not in text
        assert "internal_error" not in text


# --- account ----------------------------------------------------------------------------


def register_body(**fields: str) -> str:
    document = {
        "email": "someone@example.com",
        "password": "a long enough password",
        "name": "Someone",
        "tenantName": "Acme",
    }
    document.update(fields)
    # Hand-written JSON: the lone surrogate must stay an escape in the text.
    return "{" + ",".join(f'"{key}":"{value}"' for key, value in document.items()) + "}"


@pytest.mark.parametrize("route", ["/auth/register", "/auth/login"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("password", f"a long enough password{LONE_SURROGATE}"), ("email", f"a{LONE_SURROGATE}@b.io")],
)
def test_lone_surrogate_in_password_or_email_is_400(
    account: Service, route: str, field: str, value: str, capsys: Any, caplog: Any
) -> None:
    result = account("POST", route, register_body(**{field: value}))
    assert_refused(
        account, result, 400, f"field '{field}'", "surrogate", capsys=capsys, caplog=caplog
    )


def test_a_well_formed_login_still_reaches_the_route(
    account: Service, capsys: Any, caplog: Any
) -> None:
    # The control: the same body without the surrogate is judged by the login itself.
    result = account("POST", "/auth/login", register_body())
    assert_refused(account, result, 401, capsys=capsys, caplog=caplog)


def test_account_body_not_utf8_is_400(account: Service, capsys: Any, caplog: Any) -> None:
    raw = b'{"email":"a@b.io","password":"caf\xe9 caf\xe9 caf\xe9"}'
    result = account("POST", "/auth/login", base64.b64encode(raw).decode(), base64_encoded=True)
    assert_refused(account, result, 400, "not UTF-8", capsys=capsys, caplog=caplog)


@pytest.mark.parametrize(("body", "status"), [(NESTED_100_000, 413), (NESTED_30_000, 400)])
def test_account_deeply_nested_json_is_refused(
    account: Service, body: str, status: int, capsys: Any, caplog: Any
) -> None:
    result = account("POST", "/auth/register", body)
    assert_refused(account, result, status, capsys=capsys, caplog=caplog)


def test_account_text_plain_is_415(account: Service, capsys: Any, caplog: Any) -> None:
    result = account("POST", "/auth/login", register_body(), content_type="text/plain")
    assert_refused(account, result, 415, "application/json", capsys=capsys, caplog=caplog)


def test_account_oversize_body_is_413(account: Service, capsys: Any, caplog: Any) -> None:
    result = account("POST", "/auth/register", OVERSIZE)
    assert_refused(account, result, 413, "65536", capsys=capsys, caplog=caplog)


def _delete_me_reads_ppcommon_body() -> bool:
    auth_routes = importlib.import_module("account.routes.auth")
    return hasattr(auth_routes, "optional_json_body")


@pytest.mark.skipif(
    not _delete_me_reads_ppcommon_body(),
    reason="DELETE /auth/me still reads its body with its own _optional_json_body; it must "
    "call ppcommon.http.optional_json_body (owner: account) for a text/plain body to be 415",
)
def test_delete_me_with_a_text_plain_body_is_415(
    account: Service, capsys: Any, caplog: Any
) -> None:
    result = account("DELETE", "/auth/me", '{"password":"x"}', content_type="text/plain")
    assert_refused(account, result, 415, capsys=capsys, caplog=caplog)


# --- coaching ---------------------------------------------------------------------------


def test_lone_surrogate_in_topic_is_400(coaching: Service, capsys: Any, caplog: Any) -> None:
    result = coaching("POST", "/sessions", f'{{"topic":"goals {LONE_SURROGATE}"}}')
    assert_refused(
        coaching, result, 400, "field 'topic'", "surrogate", capsys=capsys, caplog=caplog
    )


def test_coaching_body_not_utf8_is_400(coaching: Service, capsys: Any, caplog: Any) -> None:
    raw = base64.b64encode(b'{"topic":"\xff\xfe"}').decode()
    result = coaching("POST", "/sessions", raw, base64_encoded=True)
    assert_refused(coaching, result, 400, "not UTF-8", capsys=capsys, caplog=caplog)


@pytest.mark.parametrize(("body", "status"), [(NESTED_100_000, 413), (NESTED_30_000, 400)])
def test_coaching_deeply_nested_json_is_refused(
    coaching: Service, body: str, status: int, capsys: Any, caplog: Any
) -> None:
    result = coaching("POST", "/sessions", body)
    assert_refused(coaching, result, status, capsys=capsys, caplog=caplog)


def test_coaching_text_plain_is_415(coaching: Service, capsys: Any, caplog: Any) -> None:
    result = coaching("POST", "/sessions", '{"topic":"goals"}', content_type="text/plain")
    assert_refused(coaching, result, 415, capsys=capsys, caplog=caplog)


def test_coaching_oversize_body_is_413(coaching: Service, capsys: Any, caplog: Any) -> None:
    result = coaching("POST", "/sessions", OVERSIZE)
    assert_refused(coaching, result, 413, capsys=capsys, caplog=caplog)


def test_coaching_well_formed_topic_is_created(coaching: Service) -> None:
    assert coaching("POST", "/sessions", '{"topic":"goals"}').status == 201


# --- traction ---------------------------------------------------------------------------


@pytest.fixture
def goal_id(traction: Service) -> str:
    created = traction("POST", "/goals", '{"title":"ship"}')
    assert created.status == 201, created.body
    goal: str = created.body["goalId"]
    return goal


@pytest.fixture
def kpi_id(traction: Service, goal_id: str) -> str:
    created = traction(
        "POST", f"/goals/{goal_id}/kpis", '{"name":"deploys","unit":"n","target":10}'
    )
    assert created.status == 201, created.body
    kpi: str = created.body["kpiId"]
    return kpi


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("1e-200", ["outside"]),
        ("1e200", ["outside"]),
        ("12345678901234567890123456789012345678901", ["38 significant digits"]),
    ],
)
def test_traction_target_dynamodb_cannot_hold_is_400(
    traction: Service, goal_id: str, target: str, words: list[str], capsys: Any, caplog: Any
) -> None:
    body = f'{{"name":"deploys","unit":"n","target":{target}}}'
    result = traction("POST", f"/goals/{goal_id}/kpis", body)
    assert_refused(traction, result, 400, "field 'target'", *words, capsys=capsys, caplog=caplog)


@pytest.mark.parametrize(
    ("target", "stored"),
    [("0.1", 0.1), ("1E-130", 1e-130), ("12345678901234567890123456789012345678", None)],
)
def test_traction_targets_at_the_limits_are_kept_exactly(
    traction: Service, goal_id: str, target: str, stored: float | None
) -> None:
    body = f'{{"name":"deploys","unit":"n","target":{target}}}'
    created = traction("POST", f"/goals/{goal_id}/kpis", body)
    assert created.status == 201, created.body
    listed = traction("GET", f"/goals/{goal_id}/kpis").body["items"]
    expected = int(target) if stored is None else stored
    assert [kpi["target"] for kpi in listed] == [expected]


def test_traction_recorded_at_year_0_in_utc_is_400(
    traction: Service, kpi_id: str, capsys: Any, caplog: Any
) -> None:
    body = '{"value":3,"recordedAt":"0001-01-01T00:00:00+01:00"}'
    result = traction("POST", f"/kpis/{kpi_id}/readings", body)
    assert_refused(traction, result, 400, "field 'recordedAt'", capsys=capsys, caplog=caplog)


def test_traction_reading_value_out_of_range_is_400(
    traction: Service, kpi_id: str, capsys: Any, caplog: Any
) -> None:
    result = traction("POST", f"/kpis/{kpi_id}/readings", '{"value":1e200}')
    assert_refused(traction, result, 400, "field 'value'", capsys=capsys, caplog=caplog)


def test_traction_body_not_utf8_is_400(traction: Service, capsys: Any, caplog: Any) -> None:
    raw = base64.b64encode(b'{"title":"\xc0\xaf"}').decode()
    result = traction("POST", "/goals", raw, base64_encoded=True)
    assert_refused(traction, result, 400, "not UTF-8", capsys=capsys, caplog=caplog)


@pytest.mark.parametrize(("body", "status"), [(NESTED_100_000, 413), (NESTED_30_000, 400)])
def test_traction_deeply_nested_json_is_refused(
    traction: Service, body: str, status: int, capsys: Any, caplog: Any
) -> None:
    result = traction("POST", "/goals", body)
    assert_refused(traction, result, status, capsys=capsys, caplog=caplog)


def test_traction_text_plain_is_415(traction: Service, capsys: Any, caplog: Any) -> None:
    result = traction("POST", "/goals", '{"title":"ship"}', content_type="text/plain")
    assert_refused(traction, result, 415, capsys=capsys, caplog=caplog)


def test_traction_oversize_body_is_413(traction: Service, capsys: Any, caplog: Any) -> None:
    result = traction("POST", "/goals", OVERSIZE)
    assert_refused(traction, result, 413, capsys=capsys, caplog=caplog)
