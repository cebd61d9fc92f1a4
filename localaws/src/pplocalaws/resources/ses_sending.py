"""Sending through SES as SES allows it: verified senders, the sandbox, and the outbox.

Every send of SES v1 (SendEmail, SendRawEmail, SendTemplatedEmail,
SendBulkTemplatedEmail) and v2 (SendEmail, which moto runs on the v1 backend) is checked
before moto's own send, and every accepted message is kept in the outbox
(``resources.ses_outbox``):

- The sender must be a verified identity: the address itself, or its domain
  (``resources.ses_identities``). Otherwise MessageRejected "Email address is not
  verified. The following identities failed the check in region REGION: ...". SES
  Developer Guide, "Verified identities in Amazon SES"
  (https://docs.aws.amazon.com/ses/latest/dg/verify-addresses-and-domains.html): "you must
  verify each identity that you use as a From, Source, Sender, or Return-Path address";
  SES API v2 Reference, SendEmail, "Errors": MessageRejected.
- An account starts in the SES sandbox, in each Region: there it may send only to
  verified identities and to the mailbox simulator; a message to any other recipient is
  refused the same way, naming the recipients. SES Developer Guide, "Request production
  access (Moving out of the Amazon SES sandbox)"
  (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html): "You can
  only send mail to verified email addresses and domains, or to the Amazon SES mailbox
  simulator", and the sandbox applies per AWS Region. Production access is granted by a
  person at AWS after a request; locally by ``POST /_localaws/ses/production-access``.
  The sandbox's sending quotas (200 messages a day, 1 a second) are not modelled.
- SES v2 GetAccount answers ProductionAccessEnabled, SendingEnabled and SendQuota (moto
  5.2.5 has no GetAccount). SES API v2 Reference, GetAccount.
"""

from __future__ import annotations

import contextvars
import email
import email.utils
import json
from collections.abc import Iterable, Mapping
from typing import Any

from moto.ses.exceptions import MessageRejectedError
from moto.ses.models import SESBackend

from pplocalaws import seams
from pplocalaws.resources import ses_identities
from pplocalaws.resources.ses_outbox import outbox

MAILBOX_SIMULATOR_DOMAIN = "simulator.amazonses.com"
_ACCOUNT = "ses_account"
# The quotas GetAccount shows (not enforced): the sandbox's, from "Request production
# access", and a new production account's usual starting quota.
_SANDBOX_QUOTA = {"Max24HourSend": 200.0, "MaxSendRate": 1.0}
_PRODUCTION_QUOTA = {"Max24HourSend": 50000.0, "MaxSendRate": 14.0}


def _account_state(backend: SESBackend) -> dict[str, Any]:
    state = seams.backend_local_state(backend, _ACCOUNT)
    state.setdefault("production", False)
    state.setdefault("sent", 0)
    return state


def production_access(account: str, region: str) -> bool:
    return bool(_account_state(ses_identities.backend(account, region))["production"])


def set_production_access(account: str, region: str, enabled: bool = True) -> None:
    """Leave (or, with False, go back into) the SES sandbox in ``region``."""
    _account_state(ses_identities.backend(account, region))["production"] = enabled


def _address(value: str) -> str:
    return email.utils.parseaddr(value or "")[1]


def _refusal(backend: SESBackend, source: str, recipients: Iterable[str]) -> str | None:
    """Why SES refuses this send (sender or sandbox recipients), else None."""
    account, region = backend.account_id, backend.region_name
    failed: list[str] = []
    sender = _address(source)
    if not sender or not ses_identities.address_is_verified(account, region, sender):
        failed.append(sender or source or "(no sender)")
    if not production_access(account, region):
        for recipient in dict.fromkeys(_address(r) for r in recipients):
            if recipient.lower().endswith("@" + MAILBOX_SIMULATOR_DOMAIN):
                continue
            if not ses_identities.address_is_verified(account, region, recipient):
                failed.append(recipient)
    if not failed:
        return None
    return (
        "Email address is not verified. The following identities failed the check in region "
        f"{region.upper()}: {', '.join(failed)}"
    )


# Set while moto's own send runs after _check passed: moto's sender check (the address or
# its exact domain an identity) would refuse a subdomain SES accepts, so it defers to ours.
_checked: contextvars.ContextVar[bool] = contextvars.ContextVar("ses_checked", default=False)


def _check(backend: SESBackend, source: str, recipients: Iterable[str]) -> None:
    reason = _refusal(backend, source, list(recipients))
    if reason:
        backend.rejected_messages_count += 1
        raise MessageRejectedError(reason)


def _after_check(send: Any, *args: Any) -> Any:
    token = _checked.set(True)
    try:
        return send(*args)
    finally:
        _checked.reset(token)


def _sender_checked_here(is_verified: Any) -> Any:
    def is_verified_address(self: SESBackend, source: str) -> bool:
        return _checked.get() or bool(is_verified(self, source))

    return is_verified_address


def _listed(destinations: Mapping[str, list[str]]) -> tuple[list[str], list[str], list[str]]:
    return (
        list(destinations.get("ToAddresses") or []),
        list(destinations.get("CcAddresses") or []),
        list(destinations.get("BccAddresses") or []),
    )


def _counted(backend: SESBackend, recipients: int) -> None:
    _account_state(backend)["sent"] += recipients


# --- the patches on moto's SES backend (through pplocalaws.seams) ---------------------
def _send_email(send: Any) -> Any:
    def send_email(
        self: SESBackend, source: str, subject: str, body: str, destinations: dict[str, Any]
    ) -> Any:
        to, cc, bcc = _listed(destinations)
        _check(self, source, to + cc + bcc)
        message = _after_check(send, self, source, subject, body, destinations)
        outbox().record(message.id, source, subject, body, to=to, cc=cc, bcc=bcc)
        _counted(self, len(to + cc + bcc))
        return message

    return send_email


def _send_raw_email(send: Any) -> Any:
    def send_raw_email(
        self: SESBackend, source: str | None, destinations: list[str], raw_data: str
    ) -> Any:
        parsed = email.message_from_string(raw_data)
        sender = source or str(parsed.get("From") or "")
        headers = [str(parsed[h]) for h in ("To", "Cc", "Bcc") if parsed[h]]
        recipients = list(destinations) + [a for _, a in email.utils.getaddresses(headers) if a]
        _check(self, sender, recipients)
        message = _after_check(send, self, source, destinations, raw_data)
        outbox().record_raw(message.id, sender, raw_data, recipients)
        _counted(self, len(recipients))
        return message

    return send_raw_email


def _send_templated_email(send: Any) -> Any:
    def send_templated_email(
        self: SESBackend,
        source: str,
        template: str,
        template_data: str,
        destinations: dict[str, Any],
    ) -> Any:
        to, cc, bcc = _listed(destinations)
        _check(self, source, to + cc + bcc)
        message = _after_check(send, self, source, template, template_data, destinations)
        outbox().record(
            message.id, source, f"(template {template})", template_data, to=to, cc=cc, bcc=bcc
        )
        _counted(self, len(to + cc + bcc))
        return message

    return send_templated_email


def _send_bulk_templated_email(send: Any) -> Any:
    def send_bulk_templated_email(
        self: SESBackend,
        source: str,
        template: str,
        template_data: str,
        destinations: list[dict[str, Any]],
    ) -> Any:
        every = [
            address
            for entry in destinations
            for listed in _listed(entry.get("Destination") or {})
            for address in listed
        ]
        _check(self, source, every)
        message = _after_check(send, self, source, template, template_data, destinations)
        outbox().record(message.id, source, f"(template {template})", template_data, to=every)
        _counted(self, len(every))
        return message

    return send_bulk_templated_email


def get_account(response: Any) -> str:
    """SES v2 GetAccount (added to moto's SESV2Response)."""
    backend: SESBackend = response.sesv2_backend.core_backend
    production = production_access(backend.account_id, backend.region_name)
    quota = _PRODUCTION_QUOTA if production else _SANDBOX_QUOTA
    return json.dumps(
        {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": production,
            "SendingEnabled": True,
            "SendQuota": {**quota, "SentLast24Hours": float(_account_state(backend)["sent"])},
            "SuppressionAttributes": {"SuppressedReasons": []},
        }
    )


def install() -> None:
    """Apply the patches (idempotent; importing this module does it)."""
    seams.wrap_ses_method(SESBackend, "_is_verified_address", _sender_checked_here)
    seams.wrap_ses_method(SESBackend, "send_email", _send_email)
    seams.wrap_ses_method(SESBackend, "send_raw_email", _send_raw_email)
    seams.wrap_ses_method(SESBackend, "send_templated_email", _send_templated_email)
    seams.wrap_ses_method(SESBackend, "send_bulk_templated_email", _send_bulk_templated_email)
    seams.add_sesv2_actions(get_account, url_paths=("{0}/v2/email/account$",))


install()
