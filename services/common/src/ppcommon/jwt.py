"""Access-token verification: ES256 with the account service's KMS keys, HS256 only in the
legacy window. The one auth module every Python service uses; none of them can issue.

The algorithm is pinned by the key, never read from the token alone: an ES256 token must
name (``kid``) a key the published key set accepts and carry a raw r||s ECDSA P-256
signature by it; an HS256 token is accepted only while the key set's legacy window is
open, checked with the JWT secret. Every other ``alg`` (``none``, HS512, RS256, ...) is
refused, so a public key can never be used as an HMAC secret. Every defect raises
``Unauthorized`` naming the failed check, never echoing the token.

Parsing is strict and done here (standard library only): three segments of canonical
base64url without padding, JSON objects without duplicate names (a parser that keeps the
first ``tid`` and one that keeps the last must not disagree about a tenant). Tokens are
issued only by the account package (``account.tokens``); FORMATS.md in
``services/account/contract`` is the format both runtimes follow.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from ppcommon import secrets, signing_keys
from ppcommon.errors import Unauthorized
from ppcommon.signing_keys import VerificationKeys

ALGORITHM = "ES256"
LEGACY_ALGORITHM = "HS256"
ISSUER = "purposepath"
AUDIENCE = "purposepath-api"
TOKEN_TYPE = "access"  # noqa: S105 - the "typ" claim value, not a credential
DEFAULT_ACCESS_TTL = 900
MAX_ACCESS_TTL = 3600
# Tokens are issued by another function on another host: tolerate small clock skew for
# "issued at", never for expiry.
CLOCK_SKEW = 60
# Far above any real token (about 700 characters): refuses pathological inputs early.
MAX_TOKEN_LENGTH = 8192

_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Claims:
    user_id: str
    tenant_id: str
    role: str
    expires_at: int
    token_id: str
    # The refresh-token session the token was issued for ("sid"): a logout revokes every
    # access token of that session. Required in ES256 tokens; legacy HS256 ones have none.
    session_id: str = ""
    issued_at: int = 0


def _segment_bytes(segment: str, what: str) -> bytes:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise Unauthorized(f"access token {what} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise Unauthorized(f"access token {what} is not base64url") from None
    # One token, one spelling: unused trailing bits must be zero (RFC 4648 §3.5).
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        raise Unauthorized(f"access token {what} is not canonical base64url")
    return raw


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("duplicate name")
    return document


def _json_object(segment: str, what: str) -> dict[str, Any]:
    raw = _segment_bytes(segment, what)
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError):
        raise Unauthorized(f"access token {what} is not a JSON object") from None
    if not isinstance(document, dict):
        raise Unauthorized(f"access token {what} is not a JSON object")
    return document


def _string_claim(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise Unauthorized(f"access token lacks the {name!r} claim")
    return value


def _int_claim(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if value is None:
        raise Unauthorized(f"access token lacks the {name!r} claim")
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unauthorized(f"access token claim {name!r} is not an integer time")
    return value


def _check_signature(
    header: dict[str, Any],
    signing_input: bytes,
    signature: bytes,
    *,
    current: float,
    keys: VerificationKeys,
    secret: bytes | None,
) -> str:
    """Verify by the algorithm the key decides; returns the algorithm that verified."""
    algorithm = header.get("alg")
    if algorithm == ALGORITHM:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("access token header lacks the key id (kid)")
        key = keys.public_key(kid)
        if key is None:
            raise Unauthorized("access token is signed by a key that is not accepted")
        if not key.verify(signature, signing_input):
            raise Unauthorized("access token signature is invalid")
        return ALGORITHM
    if algorithm == LEGACY_ALGORITHM:
        if not keys.legacy_hs256_open(current):
            raise Unauthorized(f"access token algorithm must be {ALGORITHM}")
        key_bytes = secrets.jwt_secret() if secret is None else secret
        expected = hmac.new(key_bytes, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise Unauthorized("access token signature is invalid")
        return LEGACY_ALGORITHM
    raise Unauthorized(f"access token algorithm must be {ALGORITHM}")


def _check_claims(payload: dict[str, Any], *, current: float, algorithm: str) -> Claims:
    if payload.get("typ") != TOKEN_TYPE:
        raise Unauthorized("token is not an access token")
    for name, expected, word in (("iss", ISSUER, "issuer"), ("aud", AUDIENCE, "audience")):
        if payload.get(name) is None:
            raise Unauthorized(f"access token lacks the {name!r} claim")
        # Exact strings only: an audience list is not this API's form.
        if payload[name] != expected:
            raise Unauthorized(f"access token {word} is wrong")
    _string_claim(payload, "sub")
    issued_at = _int_claim(payload, "iat")
    expires_at = _int_claim(payload, "exp")
    if expires_at - issued_at > MAX_ACCESS_TTL:
        raise Unauthorized(f"access token lifetime exceeds {MAX_ACCESS_TTL} s")
    if current >= expires_at:
        raise Unauthorized("access token has expired")
    if issued_at > current + CLOCK_SKEW:
        raise Unauthorized("access token is issued in the future")
    if algorithm == ALGORITHM:
        session_id = _string_claim(payload, "sid")
    else:
        session_id = payload["sid"] if isinstance(payload.get("sid"), str) else ""
    return Claims(
        user_id=_string_claim(payload, "sub"),
        tenant_id=_string_claim(payload, "tid"),
        role=_string_claim(payload, "role"),
        expires_at=expires_at,
        token_id=_string_claim(payload, "jti"),
        session_id=session_id,
        issued_at=issued_at,
    )


def verify_access_token(
    token: str,
    *,
    now: float | None = None,
    keys: VerificationKeys | None = None,
    secret: bytes | None = None,
) -> Claims:
    """The verified claims of ``token``, or ``Unauthorized`` naming the failed check.

    ``keys`` defaults to the container's key set (``SIGNING_KEYS_PARAMETER``) and
    ``secret`` (the legacy HS256 key) to the JWT secret; the contract vectors pass both.
    """
    if not token or token.count(".") != 2:
        # Refresh tokens are opaque strings: reject them before touching any key.
        raise Unauthorized("access token is not a JWT")
    if len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorized("access token is too long")
    head, body, signature_segment = token.split(".")
    header = _json_object(head, "header")
    payload = _json_object(body, "payload")
    signature = _segment_bytes(signature_segment, "signature")
    if header.get("typ") != "JWT":
        raise Unauthorized("access token header typ must be JWT")
    if "crit" in header:
        # RFC 7515 §4.1.11: extensions the verifier does not understand must be refused.
        raise Unauthorized("access token header has critical extensions")
    current = time.time() if now is None else now
    algorithm = _check_signature(
        header,
        f"{head}.{body}".encode("ascii"),
        signature,
        current=current,
        keys=signing_keys.default_keys() if keys is None else keys,
        secret=secret,
    )
    return _check_claims(payload, current=current, algorithm=algorithm)
