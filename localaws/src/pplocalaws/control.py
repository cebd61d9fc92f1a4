"""The local AWS's control surface: start, stop and ask after the server and its gateway.

This is the one module other programs import. The local AWS (``python -m pplocalaws.server``)
and the local gateway (``python -m pplocalaws.gateway``) each run as a background process
on 127.0.0.1, their pid, port and log kept in the caller's ``state_dir``; the gateway's
workers are its children, so stopping it stops them. Setting ``PPDEPLOY_LOCAL_ENDPOINT``
points ``status`` at a local AWS started some other way.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from pplocalaws.background import HOST, BackgroundServer, Status, answers
from pplocalaws.gateway.settings import DEFAULT_PORT as GATEWAY_PORT
from pplocalaws.gateway.settings import DEFAULT_REGION, STATUS_PATH
from pplocalaws.problems import BadOption, LocalAwsProblem, Unavailable

DEFAULT_PORT = 4566
ENDPOINT_VARIABLE = "PPDEPLOY_LOCAL_ENDPOINT"

_SERVER = BackgroundServer(
    name="localaws", title="local AWS", module="pplocalaws.server", probe_path="/moto-api/"
)
_GATEWAY = BackgroundServer(
    name="gateway",
    title="local gateway",
    module="pplocalaws.gateway",
    probe_path=STATUS_PATH,
    start_timeout=30.0,
)

# The local AWS's own endpoint for Lambda's asynchronous invocations (local only).
ASYNC_INVOCATIONS_PATH = "/_localaws/lambda/async"
# The local AWS's SES control endpoints (local only; see pplocalaws.ses_endpoints).
SES_OUTBOX_PATH = "/_localaws/ses/outbox"
SES_VERIFY_IDENTITY_PATH = "/_localaws/ses/verify-identity"
SES_PRODUCTION_ACCESS_PATH = "/_localaws/ses/production-access"

__all__ = [
    "ASYNC_INVOCATIONS_PATH",
    "DEFAULT_PORT",
    "GATEWAY_PORT",
    "HOST",
    "SES_OUTBOX_PATH",
    "SES_PRODUCTION_ACCESS_PATH",
    "SES_VERIFY_IDENTITY_PATH",
    "BadOption",
    "LocalAwsProblem",
    "Status",
    "Unavailable",
    "async_invocations",
    "endpoint",
    "gateway_status",
    "ses_grant_production_access",
    "ses_outbox",
    "ses_verify_identity",
    "start",
    "start_gateway",
    "status",
    "stop",
    "stop_gateway",
]


def status(state_dir: Path) -> Status:
    """Whether the local AWS answers: the one started into ``state_dir``, or the override."""
    override = os.environ.get(ENDPOINT_VARIABLE)
    if override:
        return Status(running=answers(f"{override}/moto-api/"), url=override)
    return _SERVER.status(state_dir)


def endpoint(state_dir: Path) -> str | None:
    """The running local AWS's endpoint, or None when it is not running."""
    current = status(state_dir)
    return current.url if current.running else None


def start(state_dir: Path, port: int = DEFAULT_PORT) -> Status:
    """Start the local AWS in the background; a running one is left as it is."""
    return _SERVER.start(state_dir, port, ["--host", HOST, "--port", str(port)])


def stop(state_dir: Path) -> bool:
    """Stop the local AWS started into ``state_dir``; True when one was running."""
    return _SERVER.stop(state_dir)


def gateway_status(state_dir: Path) -> Status:
    return _GATEWAY.status(state_dir)


def start_gateway(
    state_dir: Path,
    endpoint: str,
    port: int = GATEWAY_PORT,
    region: str = DEFAULT_REGION,
    domain: str | None = None,
) -> Status:
    """Start the gateway for the local AWS at ``endpoint``; a running one is left as it is.

    ``domain`` is the custom domain served when a request's Host header names none.
    """
    arguments = ["--port", str(port), "--endpoint", endpoint, "--region", region]
    if domain:
        arguments += ["--domain", domain]
    return _GATEWAY.start(state_dir, port, arguments, {"endpoint": endpoint, "region": region})


def stop_gateway(state_dir: Path) -> bool:
    """Stop the gateway and its workers; True when one was running."""
    return _GATEWAY.stop(state_dir)


def async_invocations(url: str, wait_seconds: float = 0.0) -> dict[str, Any]:
    """Lambda's asynchronous invocations in the local AWS at ``url`` (SNS deliveries,
    Invoke Event), after waiting up to ``wait_seconds`` for every queued one to finish.

    ``"idle"`` says whether they all did; ``queued``, ``running``, ``succeeded``,
    ``deadLettered``, ``dropped`` count them, ``recent`` lists the last outcomes. Local
    only: AWS has no such view (tests and ``invoke verify`` use it to wait for a purge).
    """
    address = f"{url.rstrip('/')}{ASYNC_INVOCATIONS_PATH}?wait={max(0.0, wait_seconds):g}"
    try:
        with urllib.request.urlopen(address, timeout=wait_seconds + 30) as answer:  # noqa: S310 - the local AWS's loopback http URL
            found: dict[str, Any] = json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Unavailable(
            f"cannot read the asynchronous invocations of the local AWS at {url}",
            cause=str(error),
            fix="start it (`pplocalaws`, or `invoke local.start`) and retry",
        ) from error
    return found


def _ses_call(url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One SES control call to the local AWS at ``url``; its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - the local AWS's loopback http URL
        f"{url.rstrip('/')}{path}",
        data=data,
        headers={"Content-Type": "application/json"} if data is not None else {},
        method="GET" if data is None else "POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - same
            found: dict[str, Any] = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            reason = str(json.loads(error.read()).get("message", ""))
        except (ValueError, AttributeError):
            reason = ""
        raise LocalAwsProblem(
            f"the local AWS refused {path}",
            cause=reason or f"HTTP {error.code}",
            fix="see the cause; the local AWS's log says more",
        ) from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Unavailable(
            f"cannot reach the SES control endpoint {path} of the local AWS at {url}",
            cause=str(error),
            fix="start it (`pplocalaws`, or `invoke local.start`) and retry",
        ) from error
    return found


def ses_outbox(url: str, limit: int = 20, to: str | None = None) -> list[dict[str, Any]]:
    """The newest ``limit`` messages SES accepted in the local AWS at ``url`` (to ``to``).

    Each: ``messageId``, ``from``, ``to`` (list), ``subject``, ``text``, ``links`` (the
    http/https URLs of the text), ``sentAt`` (ISO 8601 UTC); newest first. Local only: on
    AWS the mail is in the recipients' inboxes.
    """
    query = urllib.parse.urlencode({"limit": limit, **({"to": to} if to else {})})
    messages: list[dict[str, Any]] = _ses_call(url, f"{SES_OUTBOX_PATH}?{query}")["messages"]
    return messages


def ses_verify_identity(url: str, identity: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
    """Follow the verification link of the email address identity ``identity`` (local only).

    Answers ``{"identity", "verificationStatus": "SUCCESS"}``. A domain identity is refused:
    it verifies when its DKIM CNAME records exist in the local Route53.
    """
    return _ses_call(url, SES_VERIFY_IDENTITY_PATH, {"identity": identity, "region": region})


def ses_grant_production_access(url: str, region: str = DEFAULT_REGION) -> dict[str, Any]:
    """Take the local account out of the SES sandbox in ``region`` (local only; on AWS a
    person at AWS grants it after a request). Answers ``{"account", "region",
    "productionAccessEnabled": true}``."""
    return _ses_call(url, SES_PRODUCTION_ACCESS_PATH, {"region": region})
