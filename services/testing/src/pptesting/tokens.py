"""Access tokens for tests: valid ones and every forgery a protected route must refuse.

Services cannot issue tokens (only the account package can, through KMS), so tests sign
with a fixed local P-256 key instead: ``install_test_keys()`` makes it the verifier's only
accepted key (``ppcommon.signing_keys.install``), and ``sign(claims(...))`` makes a token
the services accept. ``pptesting.aws.service_aws`` installs it in every service test.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ppcommon import signing_keys
from ppcommon.es256 import Es256PublicKey, load_public_key
from ppcommon.signing_keys import StaticKeys
from pptesting.aws import TEST_JWT_SECRET

OTHER_SECRET = "another-secret-" + "fedcba9876543210" * 4
# Fixed scalars: the same keys in every run (never used outside tests).
TEST_SIGNING_KEY = ec.derive_private_key(
    0x7E57_5161_4E00_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0001,
    ec.SECP256R1(),
)
OTHER_SIGNING_KEY = ec.derive_private_key(
    0xA77A_C4E2_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0000_0002,
    ec.SECP256R1(),
)
TEST_KID = "7e57c0de-0000-4000-8000-000000000001"
UNKNOWN_KID = "7e57c0de-0000-4000-8000-00000000dead"


def public_key_der(key: ec.EllipticCurvePrivateKey = TEST_SIGNING_KEY) -> bytes:
    """The key's SubjectPublicKeyInfo DER, as KMS ``GetPublicKey`` returns it."""
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def verifier_key(key: ec.EllipticCurvePrivateKey = TEST_SIGNING_KEY) -> Es256PublicKey:
    return load_public_key(public_key_der(key))


def local_keys(*, legacy_hs256_until: float | None = None) -> StaticKeys:
    """The verifier's keys in tests: the test key only; HS256 only when a window is given."""
    return StaticKeys({TEST_KID: verifier_key()}, legacy_hs256_until)


def install_test_keys(*, legacy_hs256_until: float | None = None) -> StaticKeys:
    """Make the test key the container's only accepted key (undo: ``reset_ppcommon``)."""
    keys = local_keys(legacy_hs256_until=legacy_hs256_until)
    signing_keys.install(keys)
    return keys


def claims(
    user_id: str = "user-1",
    tenant_id: str = "tenant-1",
    *,
    now: float | None = None,
    ttl: int = 900,
    **overrides: Any,
) -> dict[str, Any]:
    """Claims in the issuer's order; an override of None removes that claim."""
    issued_at = int(time.time() if now is None else now)
    document: dict[str, Any] = {
        "sub": user_id,
        "tid": tenant_id,
        "role": "owner",
        "sid": secrets.token_hex(16),
        "iss": "purposepath",
        "aud": "purposepath-api",
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    document.update(overrides)
    return {key: value for key, value in document.items() if value is not None}


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(document: dict[str, Any]) -> str:
    return _b64url(json.dumps(document, separators=(",", ":")).encode())


def raw_signature(signing_input: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    """ES256's signature: r || s, 32 bytes each (cryptography gives DER)."""
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def sign(
    document: dict[str, Any],
    key: ec.EllipticCurvePrivateKey = TEST_SIGNING_KEY,
    *,
    kid: str = TEST_KID,
    header: dict[str, Any] | None = None,
) -> str:
    """An ES256 token of ``document`` signed by ``key`` (default: the installed test key)."""
    head = _segment(header or {"alg": "ES256", "typ": "JWT", "kid": kid})
    signing_input = f"{head}.{_segment(document)}"
    return f"{signing_input}.{_b64url(raw_signature(signing_input.encode(), key))}"


def sign_hs256(document: dict[str, Any], secret: str = TEST_JWT_SECRET) -> str:
    """A legacy HS256 token (accepted only inside the legacy window)."""
    return pyjwt.encode(document, secret.encode(), algorithm="HS256", headers={"typ": "JWT"})


def der_signed(document: dict[str, Any]) -> str:
    """Signed by the right key, but with the DER signature KMS returns, not r||s."""
    head = _segment({"alg": "ES256", "typ": "JWT", "kid": TEST_KID})
    signing_input = f"{head}.{_segment(document)}"
    der = TEST_SIGNING_KEY.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    return f"{signing_input}.{_b64url(der)}"


def key_confusion(document: dict[str, Any]) -> str:
    """HS256 with the public key's bytes as the HMAC secret (the classic confusion)."""
    head = _segment({"alg": "HS256", "typ": "JWT", "kid": TEST_KID})
    signing_input = f"{head}.{_segment(document)}"
    import hashlib  # noqa: PLC0415 - only this forgery needs it
    import hmac  # noqa: PLC0415 - only this forgery needs it

    mac = hmac.new(public_key_der(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(mac)}"


def alg_none(document: dict[str, Any]) -> str:
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(document)}."


def tampered(token: str, **changes: Any) -> str:
    """``token`` with claims changed but the original signature kept."""
    header, payload, signature = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    document = json.loads(base64.urlsafe_b64decode(padded))
    document.update(changes)
    return f"{header}.{_segment(document)}.{signature}"


def refresh_token() -> str:
    """An opaque refresh token as account issues it (32 random bytes, base64url)."""
    return secrets.token_urlsafe(32)


def attacks(now: float | None = None) -> dict[str, str | None]:
    """Name -> token a protected route must answer 401 to (None: no header at all)."""
    current = time.time() if now is None else now
    valid = sign(claims(now=current))
    return {
        "missing header": None,
        "alg none": alg_none(claims(now=current)),
        "other key": sign(claims(now=current), OTHER_SIGNING_KEY),
        "other key under an unknown kid": sign(
            claims(now=current), OTHER_SIGNING_KEY, kid=UNKNOWN_KID
        ),
        "HS256 with the legacy secret, window closed": sign_hs256(claims(now=current)),
        "HS256 with another secret": sign_hs256(claims(now=current), OTHER_SECRET),
        "HS256 with the public key as secret": key_confusion(claims(now=current)),
        "DER signature": der_signed(claims(now=current)),
        "tampered payload": tampered(valid, tid="tenant-2"),
        "expired": sign(claims(now=current - 3600, ttl=900)),
        "missing tid": sign(claims(now=current, tid=None)),
        "missing sid": sign(claims(now=current, sid=None)),
        "wrong audience": sign(claims(now=current, aud="someone-else")),
        "wrong issuer": sign(claims(now=current, iss="someone-else")),
        "refresh token": refresh_token(),
        "lifetime over an hour": sign(claims(now=current, ttl=7200)),
        "refresh typ": sign(claims(now=current, typ="refresh")),
        "HS512": pyjwt.encode(claims(now=current), TEST_JWT_SECRET.encode(), algorithm="HS512"),
    }


def revoke(document: dict[str, Any], what: str) -> None:
    """Revoke the token of ``document`` by its ``jti``, ``sid``, ``user`` or ``tenant``
    through ppcommon's writer, as the account service would (in-memory store in tests)."""
    from ppcommon import revocations  # noqa: PLC0415 - only revocation tests need it

    writers = {
        "jti": lambda: revocations.revoke_token(document["jti"], document["exp"]),
        "sid": lambda: revocations.revoke_sessions([document["sid"]]),
        "user": lambda: revocations.revoke_user(document["sub"]),
        "tenant": lambda: revocations.revoke_tenant(document["tid"]),
    }
    writers[what]()
