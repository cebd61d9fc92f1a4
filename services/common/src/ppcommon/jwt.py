"""HS256 access tokens: the one auth module every Python service uses.

The algorithm is pinned (no ``alg`` from the token is ever trusted), and every defect in a
token (signature, algorithm, expiry, issuer, audience, missing claim, wrong type, an
over-long lifetime) raises ``Unauthorized`` with a message that says which check failed
but never echoes the token.

PyJWT is imported on first use: ``/health`` and cold starts that fail earlier do not pay
for it (with ``cryptography`` installed, it imports that too).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from ppcommon import secrets
from ppcommon.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "purposepath"
AUDIENCE = "purposepath-api"
TOKEN_TYPE = "access"  # noqa: S105 - the "typ" claim value, not a credential
DEFAULT_ACCESS_TTL = 900
MAX_ACCESS_TTL = 3600
# Tokens are issued by another function on another host: tolerate small clock skew for
# "issued at", never for expiry.
CLOCK_SKEW = 60


@dataclass(frozen=True)
class Claims:
    user_id: str
    tenant_id: str
    role: str
    expires_at: int
    token_id: str
    # The refresh-token session the token was issued for ("sid"): a logout revokes every
    # access token of that session. Tokens issued before the claim existed have none.
    session_id: str = ""
    issued_at: int = 0


def issue_access_token(
    *,
    user_id: str,
    tenant_id: str,
    role: str,
    ttl: int = DEFAULT_ACCESS_TTL,
    now: float | None = None,
    token_id: str | None = None,
    secret: bytes | None = None,
) -> str:
    """A signed access token for ``user_id`` in ``tenant_id``, valid ``ttl`` seconds.

    ``token_id`` and ``secret`` exist for reproducible test vectors; services omit them.
    """
    if not 0 < ttl <= MAX_ACCESS_TTL:
        raise ValueError(f"access token ttl {ttl} s is outside 1..{MAX_ACCESS_TTL} s")
    for name, value in (("user_id", user_id), ("tenant_id", tenant_id), ("role", role)):
        if not value:
            raise ValueError(f"access token {name} is empty; pass the verified value")
    issued_at = int(time.time() if now is None else now)
    # Claim order is fixed so the same inputs give the same token in every runtime's vectors.
    claims = {
        "sub": user_id,
        "tid": tenant_id,
        "role": role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": token_id or uuid.uuid4().hex,
        "typ": TOKEN_TYPE,
    }
    key = secrets.jwt_secret() if secret is None else secret
    import jwt as pyjwt  # noqa: PLC0415 - lazy: see the module docstring

    return pyjwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def _decode(token: str, key: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    import jwt as pyjwt  # noqa: PLC0415 - lazy: see the module docstring

    try:
        decoded = pyjwt.decode_complete(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            # Time is checked below against the caller's ``now``; every other check stays on.
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["exp", "iat", "iss", "aud", "sub"],
            },
        )
    except pyjwt.InvalidAudienceError:
        raise Unauthorized("access token audience is wrong") from None
    except pyjwt.InvalidIssuerError:
        raise Unauthorized("access token issuer is wrong") from None
    except pyjwt.InvalidSignatureError:
        raise Unauthorized("access token signature is invalid") from None
    except pyjwt.InvalidAlgorithmError:
        raise Unauthorized(f"access token algorithm must be {ALGORITHM}") from None
    except pyjwt.MissingRequiredClaimError as error:
        raise Unauthorized(f"access token lacks the {error.claim!r} claim") from None
    except pyjwt.PyJWTError:
        raise Unauthorized("access token is malformed") from None
    return decoded["header"], decoded["payload"]


def _string_claim(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value:
        raise Unauthorized(f"access token lacks the {name!r} claim")
    return value


def _int_claim(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unauthorized(f"access token claim {name!r} is not an integer time")
    return value


def verify_access_token(
    token: str, *, now: float | None = None, secret: bytes | None = None
) -> Claims:
    """The verified claims of ``token``, or ``Unauthorized`` naming the failed check."""
    if not token or token.count(".") != 2:
        # Refresh tokens are opaque strings: reject them before touching the secret.
        raise Unauthorized("access token is not a JWT")
    header, payload = _decode(token, secrets.jwt_secret() if secret is None else secret)
    if header.get("typ") != "JWT":
        raise Unauthorized("access token header typ must be JWT")
    if payload.get("typ") != TOKEN_TYPE:
        raise Unauthorized("token is not an access token")
    issued_at = _int_claim(payload, "iat")
    expires_at = _int_claim(payload, "exp")
    current = time.time() if now is None else now
    if expires_at - issued_at > MAX_ACCESS_TTL:
        raise Unauthorized(f"access token lifetime exceeds {MAX_ACCESS_TTL} s")
    if current >= expires_at:
        raise Unauthorized("access token has expired")
    if issued_at > current + CLOCK_SKEW:
        raise Unauthorized("access token is issued in the future")
    return Claims(
        user_id=_string_claim(payload, "sub"),
        tenant_id=_string_claim(payload, "tid"),
        role=_string_claim(payload, "role"),
        expires_at=expires_at,
        token_id=_string_claim(payload, "jti"),
        session_id=payload["sid"] if isinstance(payload.get("sid"), str) else "",
        issued_at=issued_at,
    )
