"""The platform's only access-token issuer: ES256 JWTs signed by the account's KMS key.

The private key never leaves KMS: the token's signing input goes to KMS ``Sign`` and KMS
answers a DER-encoded ECDSA signature, which JWS wants as raw ``r || s`` (RFC 7518 §3.4).
Which key signs is the ``active`` key of the key set the shared stack publishes in SSM
(``SIGNING_KEYS_PARAMETER``), read through ``ppcommon.signing_keys``: the same cached copy
the container verifies with (re-read after ``KEY_SET_MAX_AGE``, so after a rotation the
old key, still accepted as "previous", signs for at most that long). The header's ``kid``
names the key, so verifiers pick the public key without trying each one. The format is
the cross-runtime contract in ``contract/FORMATS.md``.

Only the account role may call ``kms:Sign`` on the key (key policy and IAM in the shared
stack); this module is therefore the only place any service can mint a token.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from ppcommon import aws, signing_keys
from ppcommon.es256 import raw_signature_from_der
from ppcommon.jwt import AUDIENCE, ISSUER, MAX_ACCESS_TTL, TOKEN_TYPE

if TYPE_CHECKING:
    from account.users import User

ALGORITHM = "ES256"
ACCESS_TOKEN_TTL = 900


class SigningError(RuntimeError):
    """KMS answered something that is not a P-256 ECDSA signature (never a client's fault)."""


def issue_access_token(
    user: User,
    session_id: str,
    *,
    now: float | None = None,
    ttl: int = ACCESS_TOKEN_TTL,
    token_id: str | None = None,
) -> str:
    """An ES256 access token for ``user`` in session ``session_id``, valid ``ttl`` seconds."""
    if not 0 < ttl <= MAX_ACCESS_TTL:
        raise ValueError(f"access token ttl {ttl} s is outside 1..{MAX_ACCESS_TTL} s")
    if not session_id:
        raise ValueError("access token session_id is empty; pass the refresh session's id")
    for name, value in (
        ("user_id", user.user_id),
        ("tenant_id", user.tenant_id),
        ("role", user.role),
    ):
        if not value:
            raise ValueError(f"access token {name} is empty; pass the stored user")
    issued_at = int(time.time() if now is None else now)
    # Claim order is the contract's, so every runtime's tokens read the same.
    claims = {
        "sub": user.user_id,
        "tid": user.tenant_id,
        "role": user.role,
        "sid": session_id,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": token_id or uuid.uuid4().hex,
        "typ": TOKEN_TYPE,
    }
    kid = signing_keys.active_key_id()
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = _kms_sign(kid, signing_input.encode("ascii"))
    return f"{signing_input}.{_b64url(signature)}"


def der_to_raw_signature(der: bytes) -> bytes:
    """KMS's DER ``ECDSA-Sig-Value`` as the 64-byte ``r || s`` of JWS ES256.

    ppcommon's pure-Python conversion, not cryptography's: the artifact ships arm64
    binaries, and the issuer must run wherever the verifier's pure-Python fallback does
    (the local gateway runs the artifact on the developer's machine).
    """
    try:
        return raw_signature_from_der(der)
    except (ValueError, IndexError) as error:
        # Another curve's longer integers, or not DER at all: a key of the wrong spec.
        raise SigningError(
            f"KMS Sign answered no P-256 ECDSA signature ({error}): the active signing "
            "key must have KeySpec ECC_NIST_P256"
        ) from None


def _kms_sign(kid: str, message: bytes) -> bytes:
    # RAW: KMS hashes the message with SHA-256 itself. AWS KMS API Reference, "Sign":
    # "Use RAW ... to sign a message of up to 4096 bytes" - a token's input is far smaller.
    response = aws.client("kms").sign(
        KeyId=kid,
        Message=message,
        MessageType="RAW",
        SigningAlgorithm="ECDSA_SHA_256",
    )
    return der_to_raw_signature(bytes(response["Signature"]))


def _segment(document: dict[str, Any]) -> str:
    return _b64url(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
