"""Access tokens for tests: valid ones and every forgery a protected route must refuse."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import jwt as pyjwt

from pptesting.aws import TEST_JWT_SECRET

OTHER_SECRET = "another-secret-" + "fedcba9876543210" * 4


def claims(
    user_id: str = "user-1",
    tenant_id: str = "tenant-1",
    *,
    now: float | None = None,
    ttl: int = 900,
    **overrides: Any,
) -> dict[str, Any]:
    issued_at = int(time.time() if now is None else now)
    document: dict[str, Any] = {
        "sub": user_id,
        "tid": tenant_id,
        "role": "owner",
        "iss": "purposepath",
        "aud": "purposepath-api",
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": secrets.token_hex(8),
        "typ": "access",
    }
    document.update(overrides)
    return {key: value for key, value in document.items() if value is not None}


def sign(document: dict[str, Any], secret: str = TEST_JWT_SECRET) -> str:
    return pyjwt.encode(document, secret.encode(), algorithm="HS256", headers={"typ": "JWT"})


def _segment(document: dict[str, Any]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


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
        "other secret": sign(claims(now=current), OTHER_SECRET),
        "tampered payload": tampered(valid, tid="tenant-2"),
        "expired": sign(claims(now=current - 3600, ttl=900)),
        "missing tid": sign(claims(now=current, tid=None)),
        "wrong audience": sign(claims(now=current, aud="someone-else")),
        "wrong issuer": sign(claims(now=current, iss="someone-else")),
        "refresh token": refresh_token(),
        "lifetime over an hour": sign(claims(now=current, ttl=7200)),
        "refresh typ": sign(claims(now=current, typ="refresh")),
        "HS512": pyjwt.encode(claims(now=current), TEST_JWT_SECRET.encode(), algorithm="HS512"),
    }
