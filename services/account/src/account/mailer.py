"""The account's mail: verification links, reset links and "you already have an account".

Sent with SESv2 ``SendEmail`` (boto3 ``sesv2``) from ``EMAIL_FROM``, ``Content.Simple``
with a UTF-8 subject and text body and no HTML (SES API v2 reference, ``SendEmail`` and
``Message``). A link is ``PUBLIC_BASE_URL`` + the route + ``?token=``, alone on its own line
so a person and a script can both pick it out.

Links go back the way the request came: ``https://`` + its ``requestContext.domainName``
(set by API Gateway: the custom domain, or the API's execute-api host; never the client's
choice) + the path in front of ``/auth/`` (the custom domain's mapping key, ``/account``,
or nothing on the ``$default`` stage). So the function depends neither on its own API (a
circular dependency) nor on the stack's DomainName. ``PUBLIC_BASE_URL``, when set,
overrides it (a front such as CloudFront that API Gateway cannot see).

A send that fails answers 503 ``email_unavailable``: the caller may try again, and the
log says which kind of mail failed and the SES error code, never the address, the token
or the link.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import quote

from aws_lambda_powertools import Logger

from ppcommon import aws
from ppcommon.errors import ApiError

logger = Logger(service="account", child=True)

VERIFY_PATH = "/auth/verify-email"
RESET_PATH = "/auth/password-reset"

# The base URL the request being served came through (set by the routes that send mail).
_request_base: ContextVar[str] = ContextVar("request_base", default="")
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)*")


def serve_request_from(domain_name: str | None, raw_path: str | None) -> None:
    """Remember how this request reached the service (its API host and the path before
    ``/auth/``), so its links come back the same way."""
    path = raw_path or ""
    prefix = path[: path.find("/auth/")] if "/auth/" in path else ""
    valid = _HOST.fullmatch(domain_name or "") and _PREFIX.fullmatch(prefix)
    _request_base.set(f"https://{domain_name}{prefix}" if valid else "")


class EmailUnavailable(ApiError):
    """503 ``email_unavailable``: the mail could not be handed to SES."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "email_unavailable",
            "the email could not be sent just now; try again in a few minutes",
        )


@dataclass(frozen=True)
class Mail:
    kind: str  # verify | reset | existing_account (logged; names no person)
    subject: str
    text: str


def verification(token: str) -> Mail:
    return Mail(
        "verify",
        "Verify your PurposePath email",
        "Hello,\n\n"
        "Confirm that this address is yours by opening this link within 24 hours:\n\n"
        f"{link(VERIFY_PATH, token)}\n\n"
        "If you did not create a PurposePath account, ignore this message.\n",
    )


def password_reset(token: str) -> Mail:
    return Mail(
        "reset",
        "Reset your PurposePath password",
        "Hello,\n\n"
        "Someone asked to reset the password of the PurposePath account of this address. "
        "To choose a new password, open this link within 1 hour:\n\n"
        f"{link(RESET_PATH, token)}\n\n"
        "If it was not you, ignore this message: your password is unchanged.\n",
    )


def existing_account() -> Mail:
    return Mail(
        "existing_account",
        "Someone tried to register with your email",
        "Hello,\n\n"
        "Someone, perhaps you, tried to create a PurposePath account with this address, "
        "which already has one.\n\n"
        "If it was you, sign in, or reset your password if you have forgotten it.\n"
        "If it was not you, ignore this message: your account is unchanged.\n",
    )


def link(path: str, token: str) -> str:
    return f"{_base_url()}{path}?token={quote(token, safe='')}"


def send(to: str, mail: Mail) -> None:
    """Hand ``mail`` to SES for ``to`` (a canonical address); ``EmailUnavailable`` on failure."""
    sender = os.environ.get("EMAIL_FROM", "")
    if not sender:
        logger.error(
            "EMAIL_FROM is not set: the account function has no sender address; set the "
            "stack's EmailFrom parameter (the account template passes it as EMAIL_FROM)",
            extra={"mail_kind": mail.kind},
        )
        raise EmailUnavailable
    try:
        aws.client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": mail.text, "Charset": "UTF-8"}},
                }
            },
        )
    except Exception as error:
        response = getattr(error, "response", None)
        code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
        # The error text may quote the address; only its code and type are logged.
        logger.error(
            "email not sent",
            extra={"mail_kind": mail.kind, "error_code": code, "error_type": type(error).__name__},
        )
        raise EmailUnavailable from None


def _base_url() -> str:
    base = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/") or _request_base.get()
    if not base.startswith(("https://", "http://")):
        logger.error(
            "PUBLIC_BASE_URL is not an http(s) URL: links in mail would not work; set it to "
            "the account API's public base, e.g. https://api.dev.purposepath.app/account"
        )
        raise EmailUnavailable
    return base
