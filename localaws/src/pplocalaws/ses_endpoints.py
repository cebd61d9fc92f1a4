"""The local AWS's SES control endpoints, under ``/_localaws/ses/`` (local only: AWS has none).

- ``GET /_localaws/ses/outbox?limit=N&to=ADDR``: the messages SES accepted (and its own
  verification mail), newest first: ``{"messages": [{"messageId", "from", "to": [...],
  "subject", "text", "links": [...], "sentAt"}]}`` (``cc``/``bcc`` too when a message had
  them). ``limit`` 1..1000, default 20; ``to`` keeps the messages with that recipient
  (any of to, cc, bcc; case-insensitive). 400 for a bad limit.
- ``GET /_localaws/ses/verify-identity?identity=I&account=A&region=R&token=T``: the link of
  an email address identity's verification mail (what a person follows). 200
  ``{"identity", "verificationStatus": "SUCCESS"}``; 400 when the token is not the mail's
  latest or the link expired; 404 for an unknown identity.
- ``POST /_localaws/ses/verify-identity`` ``{"identity": I, "region"?: R, "account"?: A}``:
  follow the identity's latest verification link for its owner (what ``invoke up --local``
  does for the sender address). 200 as above; 400 for a domain identity (domains verify
  through their DKIM records in the local Route53) or a missing ``identity``; 404 unknown.
- ``POST /_localaws/ses/production-access`` ``{"region"?: R, "account"?: A, "enabled"?:
  true}``: take the account out of the SES sandbox in that region (``enabled: false``
  puts it back). 200 ``{"account", "region", "productionAccessEnabled"}``.

``account`` defaults to moto's default account (123456789012), ``region`` to us-east-1.
Answers are JSON; refusals are ``{"message": ...}`` like the other local endpoints.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from pplocalaws.resources import ses_identities, ses_sending
from pplocalaws.resources.ses_outbox import DEFAULT_LIMIT, MAX_LIMIT, outbox

PREFIX = "/_localaws/ses"
OUTBOX_PATH = f"{PREFIX}/outbox"
VERIFY_PATH = f"{PREFIX}/verify-identity"
PRODUCTION_ACCESS_PATH = f"{PREFIX}/production-access"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

Answer = tuple[str, Any]


def _query(environ: dict[str, Any]) -> dict[str, str]:
    pairs = urllib.parse.parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
    return dict(pairs)


def json_object_body(environ: dict[str, Any]) -> dict[str, Any] | None:
    """The request body as a JSON object; None when it is not one (the caller answers 400)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def account_and_region(fields: dict[str, Any]) -> tuple[str, str]:
    """The account and region a local endpoint acts in (the local defaults when absent)."""
    account = str(fields.get("account") or DEFAULT_ACCOUNT)
    return account, str(fields.get("region") or DEFAULT_REGION)


def _outbox(environ: dict[str, Any]) -> Answer:
    query = _query(environ)
    raw_limit = query.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        return "400 Bad Request", {
            "message": f"limit {raw_limit!r} is not a whole number from 1 to {MAX_LIMIT}"
        }
    found = outbox().messages(limit, query.get("to") or None)
    return "200 OK", {"messages": [message.as_json() for message in found]}


def _verified(state: ses_identities.Verification) -> Answer:
    status = "SUCCESS" if state.verified else "PENDING"
    return "200 OK", {"identity": state.name, "verificationStatus": status}


def _follow_link(environ: dict[str, Any]) -> Answer:
    query = _query(environ)
    account, region = account_and_region(query)
    identity = query.get("identity", "")
    try:
        return _verified(
            ses_identities.verify_by_link(account, region, identity, query.get("token", ""))
        )
    except LookupError as error:
        return "404 Not Found", {"message": str(error)}
    except (PermissionError, TimeoutError) as error:
        return "400 Bad Request", {"message": str(error)}


def _verify(environ: dict[str, Any]) -> Answer:
    body = json_object_body(environ)
    if body is None or not isinstance(body.get("identity"), str) or not body["identity"]:
        return "400 Bad Request", {
            "message": 'the body must be a JSON object {"identity": "<email address>"}'
        }
    account, region = account_and_region(body)
    try:
        return _verified(ses_identities.verify_address(account, region, body["identity"]))
    except LookupError as error:
        return "404 Not Found", {
            "message": f"{error}; create it first (AWS::SES::EmailIdentity or CreateEmailIdentity)"
        }
    except (ValueError, PermissionError, TimeoutError) as error:
        return "400 Bad Request", {"message": str(error)}


def _production_access(environ: dict[str, Any]) -> Answer:
    body = json_object_body(environ)
    if body is None or not isinstance(body.get("enabled", True), bool):
        return "400 Bad Request", {
            "message": 'the body must be a JSON object {"region"?: str, "enabled"?: bool}'
        }
    account, region = account_and_region(body)
    ses_sending.set_production_access(account, region, bool(body.get("enabled", True)))
    return "200 OK", {
        "account": account,
        "region": region,
        "productionAccessEnabled": ses_sending.production_access(account, region),
    }


ROUTES: dict[tuple[str, str], Callable[[dict[str, Any]], Answer]] = {
    ("GET", OUTBOX_PATH): _outbox,
    ("GET", VERIFY_PATH): _follow_link,
    ("POST", VERIFY_PATH): _verify,
    ("POST", PRODUCTION_ACCESS_PATH): _production_access,
}
