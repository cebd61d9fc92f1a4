"""Secrets read once per container from Secrets Manager, validated, never printed.

Every runtime reads the JWT secret the same way: SecretString JSON
``{"secret": "<64+ chars>"}``; the signing key is the UTF-8 bytes of that string. A token
signed by one service (or one runtime of the account service) must verify in every other,
so the shape is one contract, the one the shared stack's generated secret has.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ppcommon import aws
from ppcommon.config import settings

MIN_JWT_SECRET_LENGTH = 64

_lock = threading.Lock()
_jwt_secret: bytes | None = None


class SecretError(RuntimeError):
    """A secret is missing or malformed. Messages name the secret, never its value."""


def read_json_secret(arn: str, *, purpose: str) -> dict[str, Any]:
    """Fetch secret ``arn`` and parse its SecretString as a JSON object."""
    response = aws.client("secretsmanager").get_secret_value(SecretId=arn)
    raw = response.get("SecretString")
    if not isinstance(raw, str):
        raise SecretError(f"{purpose} secret {arn} has no SecretString; store it as a JSON string")
    try:
        document = json.loads(raw)
    except ValueError:
        # The parser's message quotes the text it choked on: never pass it along.
        raise SecretError(
            f"{purpose} secret {arn} is not valid JSON; store a JSON object"
        ) from None
    if not isinstance(document, dict):
        raise SecretError(f"{purpose} secret {arn} is JSON but not an object; store an object")
    return document


def _load_jwt_secret() -> bytes:
    arn = settings().require_jwt_secret_arn()
    value = read_json_secret(arn, purpose="JWT").get("secret")
    if not isinstance(value, str):
        raise SecretError(
            f'JWT secret {arn} lacks the "secret" string key; store {{"secret": "<64+ chars>"}}'
        )
    if len(value) < MIN_JWT_SECRET_LENGTH:
        raise SecretError(
            f"JWT secret {arn} is {len(value)} characters, fewer than "
            f"{MIN_JWT_SECRET_LENGTH}; rotate it to a longer random value"
        )
    return value.encode("utf-8")


def jwt_secret() -> bytes:
    """The HS256 signing key: fetched on first use, then served from memory."""
    global _jwt_secret  # noqa: PLW0603 - the per-container cache is the point
    if _jwt_secret is None:
        with _lock:
            if _jwt_secret is None:
                _jwt_secret = _load_jwt_secret()
    return _jwt_secret


def reset_cache() -> None:
    """Forget the cached secret (tests; a rotated secret reaches new containers anyway)."""
    global _jwt_secret  # noqa: PLW0603 - see jwt_secret
    with _lock:
        _jwt_secret = None
