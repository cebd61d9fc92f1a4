"""SES v1 (query) and v2 (REST JSON) calls in IAM's terms.

"Actions, resources, and condition keys for Amazon SES"
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonses.html):
sending (``ses:SendEmail``, ``ses:SendRawEmail``, ``ses:SendTemplatedEmail``,
``ses:SendBulkTemplatedEmail``) is authorised on the sending identity,
``arn:aws:ses:REGION:ACCOUNT:identity/NAME``, with the condition keys ``ses:FromAddress``
(the sender's address), ``ses:FromDisplayName`` (its display name), ``ses:Recipients`` (every
To, Cc and Bcc address: multivalued) and ``ses:ApiVersion`` ("1" or "2"). The sending
identity is the most specific verified identity covering the address: the address, its
domain, or a parent domain ("Creating and verifying identities in Amazon SES": a verified
domain lets its subdomains and addresses send); with none, the address's identity if it
has one, else its domain (SES itself then refuses the unverified sender).
"""

from __future__ import annotations

import email.utils
import re
import urllib.parse

from pplocalaws.iam.request import Call, Need, Request
from pplocalaws.resources import ses_identities

_V1_SENDS = ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail")
_V1_ANY_RESOURCE = (
    "ListIdentities",
    "GetSendQuota",
    "GetSendStatistics",
    "GetIdentityVerificationAttributes",
    "GetIdentityDkimAttributes",
)
_V1_IDENTITY_CREATES = {"VerifyEmailIdentity": "EmailAddress", "VerifyDomainIdentity": "Domain"}
_V2 = "/v2/email"
_RAW_DESTINATION = re.compile(r"Destinations\.member\.\d+")


def sending_identity(account: str, region: str, address: str) -> str:
    """The identity a send from ``address`` is authorised on (see the module docstring)."""
    verified = ses_identities.verified_identity(account, region, address)
    if verified is not None:
        return verified
    existing = {
        name.lower(): name for name in ses_identities.backend(account, region).email_identities
    }
    lowered = address.strip().lower()
    return existing.get(lowered, lowered.rsplit("@", 1)[-1])


def identity_arn(request: Request, name: str) -> str:
    return f"arn:aws:ses:{request.region}:{request.account}:identity/{name}"


def _send_need(
    request: Request, action: str, source: str, recipients: list[str], version: str
) -> Need:
    display, address = email.utils.parseaddr(source)
    address = address or source.strip()
    identity = sending_identity(request.account, request.region, address)
    context = {
        "ses:fromaddress": (address,),
        "ses:fromdisplayname": (display,) if display else (),
        "ses:recipients": tuple(dict.fromkeys(r for r in recipients if r)),
        "ses:apiversion": (version,),
    }
    return Need(action, identity_arn(request, identity), {k: v for k, v in context.items() if v})


def _v1_recipients(form: dict[str, str]) -> list[str]:
    # Query encoding: Destination.ToAddresses.member.N (also Cc/Bcc), Destinations.member.N
    # for SendRawEmail, Destinations.member.N.Destination.ToAddresses.member.M for bulk.
    return [
        email.utils.parseaddr(value)[1]
        for key, value in form.items()
        if "Addresses.member." in key
        or (key.startswith("Destinations.member.") and "." not in key[20:])
    ]


def ses_query(request: Request, operation: str) -> Call:
    form = request.form()
    if operation in _V1_SENDS:
        source = form.get("Source", "")
        if not source:
            # SendRawEmail may leave Source out (the From header decides): not modelled.
            return Call("ses", "query", operation, unmodelled=f"SES {operation} without Source")
        need = _send_need(request, f"ses:{operation}", source, _v1_recipients(form), "1")
        return Call("ses", "query", operation, (need,))
    if operation in _V1_ANY_RESOURCE:
        return Call("ses", "query", operation, (Need(f"ses:{operation}", "*"),))
    if operation in _V1_IDENTITY_CREATES:
        name = form.get("EmailAddress") or form.get("Domain") or ""
        need = Need(f"ses:{operation}", identity_arn(request, name))
        return Call("ses", "query", operation, (need,))
    return Call("ses", "query", operation, unmodelled=f"SES {operation}")


def _v2_send(request: Request) -> Call:
    body = request.json_body()
    source = str(body.get("FromEmailAddress", ""))
    if not source:
        return Call(
            "ses", "rest-json", "SendEmail", unmodelled="SES v2 SendEmail without FromEmailAddress"
        )
    destination = body.get("Destination") or {}
    recipients = [
        email.utils.parseaddr(str(address))[1]
        for field in ("ToAddresses", "CcAddresses", "BccAddresses")
        for address in destination.get(field) or []
    ]
    need = _send_need(request, "ses:SendEmail", source, recipients, "2")
    return Call("ses", "rest-json", "SendEmail", (need,))


def ses_v2(request: Request) -> Call:
    method, path = request.method.upper(), request.path.rstrip("/")
    if method == "POST" and path == f"{_V2}/outbound-emails":
        return _v2_send(request)
    if method == "GET" and path == f"{_V2}/account":
        return Call("ses", "rest-json", "GetAccount", (Need("ses:GetAccount", "*"),))
    if method == "GET" and path == f"{_V2}/identities":
        return Call(
            "ses", "rest-json", "ListEmailIdentities", (Need("ses:ListEmailIdentities", "*"),)
        )
    if method == "POST" and path == f"{_V2}/identities":
        name = str(request.json_body().get("EmailIdentity", ""))
        need = Need("ses:CreateEmailIdentity", identity_arn(request, name))
        return Call("ses", "rest-json", "CreateEmailIdentity", (need,))
    if path.startswith(f"{_V2}/identities/") and path.count("/") == 4:
        name = urllib.parse.unquote(path.rsplit("/", 1)[-1])
        operation = {"GET": "GetEmailIdentity", "DELETE": "DeleteEmailIdentity"}.get(method)
        if operation:
            need = Need(f"ses:{operation}", identity_arn(request, name))
            return Call("ses", "rest-json", operation, (need,))
    return Call("ses", "rest-json", path, unmodelled=f"SES v2 {request.method} {request.path}")
