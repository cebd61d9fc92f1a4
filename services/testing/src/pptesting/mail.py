"""Mail sent through SES inside ``moto.mock_aws`` (in-process tests): the sender identity
the code needs, and what it sent.

Like Amazon SES, moto refuses ``SendEmail`` from an address or domain that is not a
verified identity (``MessageRejected``), so a test verifies its sender first with
:func:`verify_sender`. Sent messages are read from the SES backend's ``sent_messages``,
the list moto documents for inspecting sent mail (its SES models say so): SESv2
``SendEmail`` stores there too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from pptesting.aws import _session


@dataclass(frozen=True)
class SentMail:
    sender: str
    to: tuple[str, ...]
    subject: str
    text: str

    @property
    def links(self) -> list[str]:
        """Every line of the text that is a link on its own (how the account sends them)."""
        return [
            line.strip()
            for line in self.text.splitlines()
            if line.strip().startswith(("https://", "http://")) and " " not in line.strip()
        ]


def verify_sender(address: str, *, region: str) -> None:
    """Make ``address`` a verified SES identity (moto treats a created identity as one)."""
    _session().client("sesv2", region_name=region).create_email_identity(EmailIdentity=address)


def sent_mail(*, region: str, account_id: str = DEFAULT_ACCOUNT_ID) -> list[SentMail]:
    """Every message sent so far in this mock, oldest first."""
    messages: list[Any] = ses_backends[account_id][region].sent_messages
    return [
        SentMail(
            sender=str(message.source),
            to=tuple(message.destinations.get("ToAddresses", [])),
            subject=str(message.subject),
            text=str(message.body),
        )
        for message in messages
        if hasattr(message, "destinations")  # raw and templated messages have no fields
    ]


def mail_to(address: str, *, region: str) -> list[SentMail]:
    """The messages sent to ``address``, oldest first."""
    return [mail for mail in sent_mail(region=region) if address in mail.to]
