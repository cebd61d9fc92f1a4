"""Access tokens, issued only here: ES256 signed by the stage's KMS key (see FORMATS.md).

Minimal issuer so the services' verifier (``ppcommon.jwt``) has tokens to check: header
``{"alg":"ES256","typ":"JWT","kid":<active key id>}``, claims in the contract's order,
KMS ``Sign`` (RAW, ECDSA_SHA_256) and its DER signature converted to r||s.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

from account.users import User
from ppcommon import aws, signing_keys
from ppcommon.es256 import raw_signature_from_der
from ppcommon.jwt import AUDIENCE, DEFAULT_ACCESS_TTL, ISSUER, MAX_ACCESS_TTL, TOKEN_TYPE


def _segment(document: dict[str, object]) -> str:
    raw = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def issue_access_token(user: User, session_id: str, *, ttl: int = DEFAULT_ACCESS_TTL) -> str:
    """A signed access token for ``user`` in session ``session_id``, valid ``ttl`` seconds."""
    if not 0 < ttl <= MAX_ACCESS_TTL:
        raise ValueError(f"access token ttl {ttl} s is outside 1..{MAX_ACCESS_TTL} s")
    kid = signing_keys.active_key_id()
    issued_at = int(time.time())
    claims = {
        "sub": user.user_id,
        "tid": user.tenant_id,
        "role": user.role,
        "sid": session_id,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": issued_at,
        "exp": issued_at + ttl,
        "jti": uuid.uuid4().hex,
        "typ": TOKEN_TYPE,
    }
    signing_input = f"{_segment({'alg': 'ES256', 'typ': 'JWT', 'kid': kid})}.{_segment(claims)}"
    response = aws.client("kms").sign(
        KeyId=kid,
        Message=signing_input.encode("ascii"),
        MessageType="RAW",
        SigningAlgorithm="ECDSA_SHA_256",
    )
    raw = raw_signature_from_der(response["Signature"])
    return f"{signing_input}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')}"
