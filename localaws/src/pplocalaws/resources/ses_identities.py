"""SES identities verified as SES verifies them (moto 5.2.5 marks every identity verified).

moto keeps the identities (``SESBackend.email_identities``, shared by SES v1 and v2); this
module keeps what SES's verification adds, on the same backend (``seams.backend_local_state``,
so moto's reset forgets both together), and writes the result onto moto's identity
(``verification_status``, ``verified_for_sending_status``, ``dkim_attributes``), which is
what GetEmailIdentity and ListEmailIdentities answer:

- A **domain** identity gets three Easy DKIM tokens when it is created. It is verified
  (VerificationStatus and DKIM Status SUCCESS) once the three CNAME records
  ``<token>._domainkey.<domain>`` -> ``<token>.dkim.amazonses.com`` exist in a public
  hosted zone of the local Route53, or (an identity made with SES v1
  VerifyDomainIdentity) the TXT record ``_amazonses.<domain>`` holds its verification
  token. SES Developer Guide, "Easy DKIM in Amazon SES"
  (https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html) and
  "Creating and verifying identities in Amazon SES", "Verifying a DKIM domain identity with
  your DNS provider" (https://docs.aws.amazon.com/ses/latest/dg/creating-identities.html);
  AWS::SES::EmailIdentity ("Your domain is verified when Amazon SES detects these records
  in the DNS configuration for your domain"). The records are looked for whenever the
  identity is read or used (GetEmailIdentity, ListEmailIdentities, a send). Simplified: a
  verified domain stays verified if its records are removed later (SES would notice within
  72 hours and fail it).
- An **email address** identity is PENDING until the link in its verification message is
  followed. The message goes to the outbox (from ``no-reply-aws@amazon.com``); its link is
  the local AWS's ``GET /_localaws/ses/verify-identity?...&token=...``. The link expires
  24 hours after it was sent. "Creating an email address identity" (same page): "Your email
  address is verified as soon as you follow the link in the verification email" and "The
  link in the verification message expires after 24 hours".

An identity's verification does not depend on IAM or the sandbox; sending does
(``resources.ses_sending``).
"""

from __future__ import annotations

import email.utils
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.route53.models import route53_backends
from moto.ses.models import SESBackend, ses_backends
from moto.ses.utils import get_random_message_id
from moto.sesv2.models import SESV2Backend

from pplocalaws import seams
from pplocalaws.resources.ses_outbox import outbox

VERIFICATION_SENDER = "no-reply-aws@amazon.com"
LINK_LIFETIME_SECONDS = 24 * 3600
DKIM_TARGET_SUFFIX = "dkim.amazonses.com"
# The VerificationToken moto's SES v1 VerifyDomainIdentity answers (a constant there): the
# value the caller is told to publish in the _amazonses TXT record.
LEGACY_TXT_TOKEN = "QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0="  # noqa: S105 - a public DNS value, not a secret
# Easy DKIM tokens as SES shows them: 32 lower-case base32 characters.
_TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # noqa: S105 - an alphabet, not a secret
_STATE = "ses_identities"
_link_base = ["http://127.0.0.1:4566"]
_lock = threading.RLock()


def set_link_base(url: str) -> None:
    """Where verification links point: the running server's own URL (set at start)."""
    _link_base[0] = url.rstrip("/")


@dataclass
class Verification:
    """What SES keeps to verify one identity."""

    name: str
    is_domain: bool
    dkim_tokens: tuple[str, ...] = ()
    verified: bool = False
    link_token: str = ""
    link_expires: float = 0.0


def _dkim_token() -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(32))


def dkim_record(domain: str, token: str) -> tuple[str, str]:
    """The CNAME (name, value) Easy DKIM asks for, for one token."""
    return f"{token}._domainkey.{domain}", f"{token}.{DKIM_TARGET_SUFFIX}"


def _states(backend: SESBackend) -> dict[str, Verification]:
    return seams.backend_local_state(backend, _STATE)


def backend(account: str, region: str) -> SESBackend:
    found: SESBackend = ses_backends[account][region]
    return found


def verification(account: str, region: str, name: str) -> Verification | None:
    """The identity's verification, looked for in DNS again; None when no such identity."""
    return _current(backend(account, region), name)


def _current(ses: SESBackend, name: str) -> Verification | None:
    identity = ses.email_identities.get(name)
    if identity is None:
        return None
    with _lock:
        state = _states(ses).get(name)
        if state is None:  # made before these patches were installed: SES would not know it
            state = _start(ses, name, mail=False)
        if state.is_domain and not state.verified and _dns_proves(ses, state):
            state.verified = True
        _show(identity, state)
    return state


def is_verified(account: str, region: str, name: str) -> bool:
    state = verification(account, region, name)
    return bool(state and state.verified)


def candidates(address: str) -> list[str]:
    """The identities that may verify ``address``, most specific first: the address, its
    domain, then each parent domain. "Creating and verifying identities in Amazon SES":
    "when you verify a domain identity, you can send email from any subdomain or email
    address of the verified domain without having to verify each one individually"."""
    lowered = address.strip().lower()
    labels = lowered.rsplit("@", 1)[-1].split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels))]
    return ([lowered] if "@" in lowered else []) + domains


def verified_identity(account: str, region: str, address: str) -> str | None:
    """The most specific verified identity covering ``address`` (see candidates), or None."""
    ses = backend(account, region)
    names = {name.lower(): name for name in ses.email_identities}
    for candidate in candidates(address):
        name = names.get(candidate)
        if name is not None and (state := _current(ses, name)) is not None and state.verified:
            return name
    return None


def address_is_verified(account: str, region: str, address: str) -> bool:
    """An address may be used as sender (or sandbox recipient): it, or a domain above it, is
    a verified identity."""
    return verified_identity(account, region, address) is not None


def verify_by_link(account: str, region: str, name: str, token: str) -> Verification:
    """Follow the link of an email address identity's verification message."""
    state = verification(account, region, name)
    if state is None or state.is_domain:
        raise LookupError(f"no email address identity {name!r} in {account}/{region}")
    with _lock:
        if not state.verified:
            if not token or not secrets.compare_digest(token, state.link_token):
                raise PermissionError(
                    "this is not the link of the identity's latest verification mail"
                )
            if time.time() > state.link_expires:
                raise TimeoutError(
                    "the verification link expired (24 hours); ask for a new one "
                    "(SES v1 VerifyEmailIdentity, or create the identity again)"
                )
            state.verified = True
            _show(backend(account, region).email_identities[name], state)
    return state


def verify_address(account: str, region: str, name: str) -> Verification:
    """Follow the latest verification link of an email address identity, as its owner would."""
    state = verification(account, region, name)
    if state is None:
        raise LookupError(f"no identity {name!r} in {account}/{region}")
    if state.is_domain:
        raise ValueError(
            f"{name} is a domain identity: it verifies when its DKIM CNAME records exist in "
            "the local Route53 (deploy the records), not by a link"
        )
    return verify_by_link(account, region, name, state.link_token)


def _start(ses: SESBackend, name: str, *, mail: bool) -> Verification:
    is_domain = "@" not in name
    state = Verification(name, is_domain)
    if is_domain:
        state.dkim_tokens = tuple(_dkim_token() for _ in range(3))
        ses.dkim_tokens[name] = list(state.dkim_tokens)  # SES v1 GetIdentityDkimAttributes
    else:
        state.link_token = secrets.token_urlsafe(24)
        state.link_expires = time.time() + LINK_LIFETIME_SECONDS
        if mail:
            _mail_verification(ses, state)
    _states(ses)[name] = state
    return state


def _mail_verification(ses: SESBackend, state: Verification) -> None:
    query = urllib.parse.urlencode(
        {
            "identity": state.name,
            "account": ses.account_id,
            "region": ses.region_name,
            "token": state.link_token,
        }
    )
    link = f"{_link_base[0]}/_localaws/ses/verify-identity?{query}"
    text = (
        "Dear Amazon Web Services Customer,\n\n"
        "We have received a request to authorize this email address for use with Amazon SES "
        f"in region {ses.region_name}. If you requested this verification, please go to the "
        "following URL to confirm that you are authorized to use this email address:\n\n"
        f"{link}\n\n"
        "Your request will not be processed unless you confirm the address using this URL. "
        "This link expires 24 hours after your original verification request.\n\n"
        "(Sent by the local AWS: this message is kept in its outbox, not delivered.)\n"
    )
    outbox().record(
        get_random_message_id(),
        VERIFICATION_SENDER,
        f"Amazon Web Services - Email Address Verification Request in region {ses.region_name}",
        text,
        to=[state.name],
    )


def _show(identity: Any, state: Verification) -> None:
    """Write the verification onto moto's identity, which is what SES's reads answer."""
    status = "SUCCESS" if state.verified else "PENDING"
    identity.verification_status = status
    identity.verified_for_sending_status = state.verified
    if state.is_domain:
        identity.dkim_attributes = {
            "SigningEnabled": True,
            "Status": status,
            "Tokens": list(state.dkim_tokens),
            "SigningAttributesOrigin": "AWS_SES",
            "NextSigningKeyLength": "RSA_2048_BIT",
            "CurrentSigningKeyLength": "RSA_2048_BIT",
        }


def _records(account: str) -> list[tuple[str, str, list[str]]]:
    """(name, type, values) of the records DNS would serve from the account's public hosted
    zones (a record named outside its zone's domain is not served), normalised."""
    found: list[tuple[str, str, list[str]]] = []
    for zone in route53_backends[account]["global"].zones.values():
        if zone.private_zone:
            continue
        apex = _normal(zone.name)
        for record in zone.rrsets:
            name = _normal(record.name)
            if name != apex and not name.endswith(f".{apex}"):
                continue  # outside the zone: DNS would never serve it from there
            values = [_normal(str(v)) for v in record.records or []]
            found.append((name, str(record.type or "").upper(), values))
    return found


def _normal(name: str) -> str:
    return name.strip().strip('"').rstrip(".").lower()


def _dns_proves(ses: SESBackend, state: Verification) -> bool:
    records = _records(ses.account_id)
    cnames = {(name, v) for name, kind, values in records if kind == "CNAME" for v in values}
    if state.dkim_tokens and all(
        (_normal(name), _normal(value)) in cnames
        for name, value in (dkim_record(state.name, token) for token in state.dkim_tokens)
    ):
        return True
    txt_name = f"_amazonses.{state.name}".lower()
    return any(
        name == txt_name and kind == "TXT" and _normal(LEGACY_TXT_TOKEN) in values
        for name, kind, values in records
    )


# --- the patches on moto's SES backends (through pplocalaws.seams) ------------------------
def _created(create: Any) -> Any:
    def create_email_identity_v2(
        self: SESBackend, email_identity: str, *args: Any, **kwargs: Any
    ) -> Any:
        identity = create(self, email_identity, *args, **kwargs)
        with _lock:
            state = _start(self, email_identity, mail=True)
            _show(identity, state)
        return identity

    return create_email_identity_v2


def _mails_again(verify: Any) -> Any:
    # SES API Reference, VerifyEmailIdentity: "As a result of executing this operation, a
    # verification email is sent to the specified address" (each call; moto sends none for
    # an identity it has). A new mail carries a new link; only the latest link verifies.
    def verify_email_identity(self: SESBackend, address: str) -> None:
        name = email.utils.parseaddr(address)[1]
        existed = name in self.email_identities
        verify(self, address)
        state = _current(self, name) if existed else None
        if state is not None and not state.is_domain and not state.verified:
            with _lock:
                state.link_token = secrets.token_urlsafe(24)
                state.link_expires = time.time() + LINK_LIFETIME_SECONDS
                _mail_verification(self, state)

    return verify_email_identity


class AlreadyExistsError(JsonRESTError):
    """SES API v2 CreateEmailIdentity, "Errors": AlreadyExistsException (moto overwrites)."""

    code = 400

    def __init__(self, name: str) -> None:
        super().__init__("AlreadyExistsException", f"Email identity {name} already exists.")


def _refused_if_exists(create: Any) -> Any:
    def create_email_identity(
        self: SESV2Backend, email_identity: str, *args: Any, **kwargs: Any
    ) -> Any:
        if email_identity in self.core_backend.email_identities:
            raise AlreadyExistsError(email_identity)
        return create(self, email_identity, *args, **kwargs)

    return create_email_identity


def _read_fresh(read: Any) -> Any:
    def get_email_identity(self: SESV2Backend, email_identity: str) -> Any:
        _current(self.core_backend, email_identity)
        return read(self, email_identity)

    return get_email_identity


def _list_fresh(listing: Any) -> Any:
    def list_email_identities(self: SESV2Backend, *args: Any, **kwargs: Any) -> Any:
        for name in list(self.core_backend.email_identities):
            _current(self.core_backend, name)
        return listing(self, *args, **kwargs)

    return list_email_identities


def _v1_verification_attributes(read: Any) -> Any:
    # SES v1 GetIdentityVerificationAttributes: "Pending" | "Success" (moto: always Success).
    def get_identity_verification_attributes(
        self: SESBackend, identities: list[str] | None = None
    ) -> dict[str, dict[str, str]]:
        answer: dict[str, dict[str, str]] = read(self, identities)
        for name, attributes in answer.items():
            state = _current(self, name)
            attributes["VerificationStatus"] = "Success" if state and state.verified else "Pending"
            if state and not state.is_domain:
                attributes.pop("VerificationToken", None)  # only domains have one
        return answer

    return get_identity_verification_attributes


def install() -> None:
    """Apply the patches (idempotent; importing this module does it)."""
    seams.wrap_ses_method(SESBackend, "create_email_identity_v2", _created)
    seams.wrap_ses_method(SESBackend, "verify_email_identity", _mails_again)
    seams.wrap_ses_method(SESBackend, "verify_email_address", _mails_again)
    seams.wrap_ses_method(
        SESBackend, "get_identity_verification_attributes", _v1_verification_attributes
    )
    seams.wrap_ses_method(SESV2Backend, "create_email_identity", _refused_if_exists)
    seams.wrap_ses_method(SESV2Backend, "get_email_identity", _read_fresh)
    seams.wrap_ses_method(SESV2Backend, "list_email_identities", _list_fresh)


install()
