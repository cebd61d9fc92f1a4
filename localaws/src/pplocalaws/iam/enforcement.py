"""The request hook: a WSGI layer in front of moto that authorises role-session calls.

A request signed with a role session's access key (one that STS issued by AssumeRole,
as Lambda gives each function its execution role's) is checked: session token, expiry,
then the role's policies on the call's action and resources (pplocalaws.iam.authorizer).
Requests signed with any other key (the task runner's administrator credentials, the
engine's and tests' fixed test keys) pass untouched, as an administrator's would.

On by default; ``PPLOCALAWS_IAM=off`` in the server's environment (or ``pplocalaws
--iam off``) turns enforcement off, for comparison (bench/iam_cost.py) and debugging.
"""

from __future__ import annotations

import io
import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.utils import utcnow

from pplocalaws.iam import authorizer, calls, errors, lookups

log = logging.getLogger(__name__)

SWITCH = "PPLOCALAWS_IAM"
# Temporary (STS) access key ids start with ASIA ("Understanding unique ID prefixes",
# IAM User Guide); only those can be role sessions.
SESSION_KEY_PREFIX = "ASIA"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def enabled_by_default() -> bool:
    value = os.environ.get(SWITCH, "on").strip().lower()
    if value not in ("on", "off", "1", "0", "true", "false"):
        raise ValueError(f"{SWITCH}={value!r} is not on or off: set {SWITCH}=on (default) or off")
    return value in ("on", "1", "true")


def _signature(environ: dict[str, Any]) -> tuple[str, str, str] | None:
    """(access key id, region, signing service) from the SigV4 header or presigned query."""
    found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1), found.group(2), found.group(3)
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    credential = (query.get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    if len(parts) == 5:
        return parts[0], parts[2], parts[3]
    return None


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    body = (
        stream.read(length)
        if length
        else (stream.read() if environ.get("wsgi.input_terminated") else b"")
    )
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


def _session_token(environ: dict[str, Any]) -> str:
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
    if token:
        return str(token)
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    return str((query.get("X-Amz-Security-Token") or [""])[0])


def _request(
    environ: dict[str, Any], body: bytes, region: str, service: str, account: str
) -> calls.Request:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    return calls.Request(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=str(environ.get("PATH_INFO", "/")),
        query=query,
        headers=headers,
        body=body,
        signing_service=service,
        region=region,
        account=account,
    )


class IamEnforcer:
    """WSGI middleware: authorise role-session requests, pass the others to moto."""

    def __init__(self, app: WsgiApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not self.enabled:
            return self.app(environ, start_response)
        signature = _signature(environ)
        if signature is None or not signature[0].startswith(SESSION_KEY_PREFIX):
            return self.app(environ, start_response)
        refusal = self._refusal(environ, *signature)
        if refusal is None:
            return self.app(environ, start_response)
        start_response(
            refusal.status, [*refusal.headers, ("Content-Length", str(len(refusal.body)))]
        )
        return [refusal.body]

    def _refusal(
        self, environ: dict[str, Any], key_id: str, region: str, service: str
    ) -> errors.Response | None:
        session = lookups.session(key_id)
        body = _read_body(environ)
        account = session.account if session else ""
        call = calls.describe(_request(environ, body, region, service, account))
        family = errors.credential_family(call.protocol)
        # "Common Errors" of each API reference: an unknown or mismatched token is
        # invalid; a session past its expiration is expired.
        if session is None or _session_token(environ) != session.session_token:
            log.warning("IAM: refused %s: unknown session credentials", call.operation)
            return errors.refusal(
                call.protocol, call.service, errors.INVALID[family],
                "The security token included in the request is invalid.",
            )  # fmt: skip
        if session.expiration <= utcnow():
            log.warning(
                "IAM: refused %s: %s's credentials expired", call.operation, session.session_arn
            )
            return errors.refusal(
                call.protocol, call.service, errors.EXPIRED[family],
                "The security token included in the request is expired",
            )  # fmt: skip
        denial = authorizer.authorize(session, call, region)
        if denial is None:
            return None
        message = denial.message(session.session_arn)
        if denial.via_service.startswith("secretsmanager."):
            # Secrets Manager's own wording for a refused KMS use ("Troubleshoot AWS
            # Secrets Manager": "Access to KMS is not allowed"), then the local detail.
            message = f"Access to KMS is not allowed ({message})"
        log.warning("IAM: denied: %s", message)
        if denial.via_service.startswith("sns."):
            # SNS API Reference, Publish "Errors": KMSAccessDenied, HTTP 400.
            return errors.refusal(
                call.protocol, call.service, "KMSAccessDenied", message, status=400
            )
        return errors.refusal(
            call.protocol,
            call.service,
            errors.access_denied_code(call.protocol, call.service),
            message,
        )
