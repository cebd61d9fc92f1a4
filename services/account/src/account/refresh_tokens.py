"""Refresh tokens: opaque random strings, stored only as their SHA-256 digest.

A leaked tokens table therefore yields no usable token. The format is the cross-runtime
contract of contract/FORMATS.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

TOKEN_BYTES = 32
LIFETIME_SECONDS = 30 * 24 * 3600
# 32 bytes in base64url without padding are exactly 43 characters.
_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_refresh_token() -> str:
    raw = secrets.token_bytes(TOKEN_BYTES)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    """The ``tokenHash`` key of ``token``: SHA-256 of its UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_well_formed(token: str) -> bool:
    """Cheap shape check, so garbage never reaches DynamoDB."""
    return _SHAPE.fullmatch(token) is not None
