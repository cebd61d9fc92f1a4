"""The local AWS's SES control endpoints: the outbox of sent mail, and the two steps an
operator takes by hand on AWS (following an identity's verification mail, leaving the sandbox).

AWS has none of these: real mail goes to real inboxes. The local AWS keeps every message
SES would have sent and serves them, newest first, at ``GET /_localaws/ses/outbox``; the
engine reads them over plain HTTP (no SDK has these routes), so this module needs only the
local AWS's endpoint (``local_aws.endpoint()``), not its package.

Routes (the local AWS's, under ``/_localaws/ses/``):
- ``GET outbox?limit=N&to=ADDR`` -> ``{"messages": [{"messageId", "from", "to": [...],
  "subject", "text", "links": [...], "sentAt"}]}``
- ``POST verify-identity {"identity": NAME}``: follows the verification mail of an
  email-address identity.
- ``POST production-access``: takes the local account out of the SES sandbox.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ppdeploy.errors import InputError, TargetError

OUTBOX_PATH = "/_localaws/ses/outbox"
VERIFY_IDENTITY_PATH = "/_localaws/ses/verify-identity"
PRODUCTION_ACCESS_PATH = "/_localaws/ses/production-access"
MAX_LIMIT = 100  # a person reads a few; the journey asks for 10
TIMEOUT_SECONDS = 30.0

# method, URL, JSON body or None -> status, raw body. The default speaks HTTP; unit tests
# pass their own.
Transport = Callable[[str, str, bytes | None], tuple[int, bytes]]


def http_transport(method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - the local AWS's loopback http URL
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - same
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _message(raw: bytes) -> str:
    """The local AWS's refusal (``{"message": ...}``), or the raw answer."""
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if isinstance(found, dict) and isinstance(found.get("message"), str):
        return str(found["message"])[:500]
    return raw.decode(errors="replace")[:500]


@dataclass(frozen=True)
class Mail:
    """One message the local SES accepted (what a recipient would find in their inbox)."""

    message_id: str
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str
    links: tuple[str, ...]
    sent_at: str  # as the local AWS wrote it (ISO 8601, or epoch seconds)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Mail:
        to = raw.get("to") or []
        return cls(
            message_id=str(raw.get("messageId", "")),
            sender=str(raw.get("from", "")),
            to=tuple(str(a) for a in (to if isinstance(to, list) else [to])),
            subject=str(raw.get("subject", "")),
            text=str(raw.get("text", "")),
            links=tuple(str(link) for link in raw.get("links") or []),
            sent_at=str(raw.get("sentAt", "")),
        )

    def to_json(self) -> dict[str, Any]:
        """The local AWS's own shape, so ``invoke outbox --json`` reads like the endpoint."""
        return {
            "messageId": self.message_id,
            "from": self.sender,
            "to": list(self.to),
            "subject": self.subject,
            "text": self.text,
            "links": list(self.links),
            "sentAt": self.sent_at,
        }

    def sent_epoch(self) -> float | None:
        """``sent_at`` as epoch seconds, or None when it is neither a number nor ISO 8601."""
        try:
            return float(self.sent_at)
        except ValueError:
            pass
        try:
            sent = datetime.fromisoformat(self.sent_at.replace("Z", "+00:00"))
        except ValueError:
            return None
        # An instant without an offset is UTC (the local AWS stamps as AWS does), never the
        # machine's local time.
        return (sent if sent.tzinfo else sent.replace(tzinfo=UTC)).timestamp()


@dataclass(frozen=True)
class LocalOutbox:
    """The SES control endpoints of the local AWS at ``endpoint`` (``http://127.0.0.1:4566``)."""

    endpoint: str
    transport: Transport = http_transport

    def messages(self, *, to: str | None = None, limit: int = 10) -> list[Mail]:
        """The latest ``limit`` messages, newest first, only those to ``to`` when given."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InputError(
                f"--limit {limit} is out of range",
                cause=f"the outbox lists 1 to {MAX_LIMIT} messages at a time",
                fix=f"pass --limit between 1 and {MAX_LIMIT}",
            )
        query = {"limit": str(limit), **({"to": to} if to else {})}
        answer = self._call("GET", f"{OUTBOX_PATH}?{urllib.parse.urlencode(query)}", None)
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if not isinstance(messages, list):
            raise self._unexpected(OUTBOX_PATH, answer)
        return [Mail.from_json(m) for m in messages if isinstance(m, dict)]

    def verify_identity(self, identity: str, region: str) -> None:
        """Follow the verification mail SES sent for the email-address ``identity``."""
        body = {"identity": identity, "region": region}
        self._call("POST", VERIFY_IDENTITY_PATH, json.dumps(body).encode())

    def grant_production_access(self, region: str) -> None:
        """Take the local account out of the SES sandbox in ``region``."""
        self._call("POST", PRODUCTION_ACCESS_PATH, json.dumps({"region": region}).encode())

    def _call(self, method: str, path: str, body: bytes | None) -> Any:
        url = f"{self.endpoint.rstrip('/')}{path}"
        route = path.split("?", maxsplit=1)[0]
        try:
            status, raw = self.transport(method, url, body)
        except (urllib.error.URLError, OSError) as error:
            raise TargetError(
                f"the local AWS at {self.endpoint} did not answer {method} {route}",
                cause=str(getattr(error, "reason", error)),
                fix="start the system with `invoke up` (or the local AWS with "
                "`invoke local.start`) and retry",
            ) from error
        if status >= 300:
            raise TargetError(
                f"the local AWS refused {method} {route} ({status})",
                cause=_message(raw),
                fix="a 404 for the route itself means the local AWS predates the SES outbox: "
                "reinstall the checkout (`python -m pip install -e .`), then `invoke down` and "
                "`invoke up`; otherwise the cause says what to change",
            )
        try:
            return json.loads(raw) if raw else None
        except ValueError as error:
            raise self._unexpected(route, raw[:200]) from error

    def _unexpected(self, path: str, answer: object) -> TargetError:
        return TargetError(
            f"the local AWS answered {path} in a shape the engine does not read",
            cause=f"expected {{'messages': [...]}}, got {str(answer)[:200]}",
            fix="the engine and the local AWS come from different checkouts: reinstall with "
            "`python -m pip install -e .` at the repository root",
        )
