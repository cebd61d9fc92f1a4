"""The local AWS's outbox: every message SES accepted, kept so people and tests can read it.

On AWS an accepted message goes to the recipients' mail servers; the local AWS has none,
so it keeps each message here instead (``GET /_localaws/ses/outbox``, served by
``pplocalaws.ses_endpoints``). SES's own mail (the verification message of an email
address identity, from ``no-reply-aws@amazon.com``) lands here too. The outbox lives as
long as the server process, like the asynchronous invocation queue; it keeps the newest
:data:`KEEP` messages.

A message's ``text`` is its text body (for a raw MIME message, its first ``text/plain``
part); ``links`` are the ``http``/``https`` URLs in that text, in order.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import email.utils
import re
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

KEEP = 1000
MAX_LIMIT = KEEP
DEFAULT_LIMIT = 20
# A URL runs to the first whitespace, quote or angle bracket; trailing sentence
# punctuation is not part of it.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"


def links_in(text: str) -> list[str]:
    """The http and https URLs in ``text``, in order, duplicates kept once."""
    found = [match.group(0).rstrip(_TRAILING) for match in _URL.finditer(text or "")]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class OutboxMessage:
    message_id: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str
    text: str
    sent_at: str  # ISO 8601, UTC

    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.bcc

    def as_json(self) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "messageId": self.message_id,
            "from": self.sender,
            "to": list(self.to),
            "subject": self.subject,
            "text": self.text,
            "links": links_in(self.text),
            "sentAt": self.sent_at,
        }
        if self.cc:
            shown["cc"] = list(self.cc)
        if self.bcc:
            shown["bcc"] = list(self.bcc)
        return shown


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds")


def _address(value: str) -> str:
    return str(email.utils.parseaddr(value)[1]).lower()


class Outbox:
    """Thread-safe, newest last; read newest first."""

    def __init__(self) -> None:
        self._messages: deque[OutboxMessage] = deque(maxlen=KEEP)
        self._lock = threading.Lock()

    def record(
        self,
        message_id: str,
        sender: str,
        subject: str,
        text: str,
        to: Iterable[str] = (),
        cc: Iterable[str] = (),
        bcc: Iterable[str] = (),
    ) -> OutboxMessage:
        kept = OutboxMessage(
            message_id, sender, tuple(to), tuple(cc), tuple(bcc), subject, text or "", _now()
        )
        with self._lock:
            self._messages.append(kept)
        return kept

    def record_raw(self, message_id: str, sender: str, raw: str, recipients: list[str]) -> None:
        """A raw MIME message: subject and first text/plain part from the MIME itself."""
        parsed = email.message_from_string(raw, policy=email.policy.default)
        text = ""
        for part in parsed.walk():
            if part.get_content_type() == "text/plain":
                text = str(part.get_content())
                break
        self.record(
            message_id,
            sender or str(parsed.get("From", "")),
            str(parsed.get("Subject", "")),
            text,
            to=recipients,
        )

    def messages(self, limit: int = DEFAULT_LIMIT, to: str | None = None) -> list[OutboxMessage]:
        """The newest ``limit`` messages, to ``to`` (any recipient field) when given."""
        wanted = _address(to) if to else None
        with self._lock:
            newest_first = list(reversed(self._messages))
        if wanted is not None:
            newest_first = [
                m for m in newest_first if wanted in (_address(r) for r in m.recipients())
            ]
        return newest_first[:limit]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


_outbox = Outbox()


def outbox() -> Outbox:
    """The server process's outbox."""
    return _outbox
