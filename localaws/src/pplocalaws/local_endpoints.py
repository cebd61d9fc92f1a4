"""Local-only endpoints of the local AWS server, under ``/_localaws/`` (no AWS API has them).

``/_localaws/lambda/async`` is Lambda's asynchronous invocation queue
(``resources.lambda_async``), which the local gateway's workers serve:

- ``POST /_localaws/lambda/async/claim`` ``{"wait": seconds}``: the next due invocation,
  leased to the caller (200 ``{"leaseId", "requestId", "functionName", "qualifier",
  "event", "attempt"}``), or 204 when none came due within the wait (at most 20 s);
- ``POST /_localaws/lambda/async/report`` ``{"leaseId", "outcome": "succeeded" |
  "functionError" | "throttled", "errorType", "errorMessage"}``: what it came to (404 for
  a lease that is unknown or has lapsed);
- ``GET /_localaws/lambda/async?wait=seconds``: waits (at most 600 s) until nothing is
  queued or running, then answers the counts and the recent outcomes with ``"idle"``
  true, or false when the wait ran out. Tests and ``invoke verify`` use it to know that
  every event was handled; AWS offers nothing like it.

``/_localaws/ses/`` is SES's outbox, identity verification and sandbox
(``pplocalaws.ses_endpoints``); ``/_localaws/cloudwatch/service-metrics`` records AWS
services' own metrics (``pplocalaws.cloudwatch_endpoints``); ``/_localaws/state/snapshots/``
saves and restores the whole state by name (``pplocalaws.state_endpoints``).

The requests are unsigned, so the IAM layer passes them through; the server listens on
loopback only.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from pplocalaws import cloudwatch_endpoints, ses_endpoints, state_endpoints
from pplocalaws.resources.lambda_async import FunctionError, Report, Succeeded, Throttled
from pplocalaws.resources.lambda_async_moto import queue

PREFIX = "/_localaws/"
ASYNC_PATH = "/_localaws/lambda/async"
MAX_CLAIM_WAIT_SECONDS = 20.0
MAX_IDLE_WAIT_SECONDS = 600.0

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _seconds(value: Any, limit: float) -> float:
    try:
        return max(0.0, min(float(value), limit))
    except (TypeError, ValueError):
        return 0.0


def _report_of(body: dict[str, Any]) -> Report | None:
    outcome = body.get("outcome")
    if outcome == "succeeded":
        return Succeeded()
    if outcome == "functionError":
        return FunctionError(str(body.get("errorType", "")), str(body.get("errorMessage", "")))
    if outcome == "throttled":
        return Throttled(str(body.get("errorMessage", "")))
    return None


def _answer(start_response: Callable[..., Any], status: str, body: Any = None) -> Iterable[bytes]:
    payload = b"" if body is None else json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    start_response(status, headers)
    return [payload]


class LocalEndpoints:
    """WSGI middleware: serve ``/_localaws/...``, pass everything else to ``app``."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        route = {
            ("GET", ASYNC_PATH): _status,
            ("POST", f"{ASYNC_PATH}/claim"): _claim,
            ("POST", f"{ASYNC_PATH}/report"): _report,
            **ses_endpoints.ROUTES,  # /_localaws/ses/: outbox, verification, sandbox
            **cloudwatch_endpoints.ROUTES,  # AWS services' own metrics (the gateway's)
        }.get((method, path.rstrip("/")))
        if route is None and path.startswith(state_endpoints.PREFIX):
            status, body = state_endpoints.answer(method, path)  # save / restore the state
        elif route is None:
            status, body = "404 Not Found", {"message": f"no local endpoint {method} {path}"}
        else:
            status, body = route(environ)
        return _answer(start_response, status, body)


Answer = tuple[str, Any]


def _status(environ: dict[str, Any]) -> Answer:
    query = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")))
    wait = _seconds((query.get("wait") or ["0"])[0], MAX_IDLE_WAIT_SECONDS)
    idle = queue().wait_idle(wait)
    return "200 OK", {"idle": idle, **queue().status()}


def _claim(environ: dict[str, Any]) -> Answer:
    wait = _seconds(_json_body(environ).get("wait", 0), MAX_CLAIM_WAIT_SECONDS)
    claimed = queue().claim(wait)
    if claimed is None:
        return "204 No Content", None
    return "200 OK", {"leaseId": claimed.lease, "event": claimed.event, **claimed.describe()}


def _report(environ: dict[str, Any]) -> Answer:
    body = _json_body(environ)
    report = _report_of(body)
    if report is None:
        return "400 Bad Request", {
            "message": "outcome must be succeeded, functionError or throttled"
        }
    if not queue().report(str(body.get("leaseId", "")), report):
        return "404 Not Found", {"message": "unknown or lapsed lease"}
    return "200 OK", {"recorded": True}


def install(server: Any) -> None:
    """Put the local endpoints in front of moto, behind the IAM layer, on an
    ``iam.serving.EnforcingServer`` (its ``app`` is the IamEnforcer, whose ``app`` is
    moto's): they are unsigned, so the IAM layer passes them through either way."""
    enforcer = server.app
    if not isinstance(enforcer.app, LocalEndpoints):
        enforcer.app = LocalEndpoints(enforcer.app)
