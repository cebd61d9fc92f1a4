"""Password hashing: PBKDF2-HMAC-SHA256 in the cross-runtime format of contract/FORMATS.md.

``pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>``: the string carries its own
iteration count, so the cost can be raised later without breaking stored hashes, and a
login can tell when a hash needs upgrading.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import unicodedata
from functools import cache

SCHEME = "pbkdf2_sha256"
# OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. Tests lower it by monkeypatching
# this constant (never through the environment, so no deployed function can be weakened).
ITERATIONS = 600_000
SALT_BYTES = 16
KEY_BYTES = 32
# Refuse absurd counts from a stored string: a corrupted or hostile record must not be
# able to pin a CPU for minutes.
MAX_ITERATIONS = 10_000_000
_COUNT = re.compile(r"[1-9][0-9]{0,7}")


def hash_password(
    password: str, *, salt: bytes | None = None, iterations: int | None = None
) -> str:
    """Return the hash string for ``password`` with a fresh random salt."""
    rounds = ITERATIONS if iterations is None else iterations
    salt_bytes = os.urandom(SALT_BYTES) if salt is None else salt
    key = _derive(password, salt_bytes, rounds)
    return f"{SCHEME}${rounds}${_b64(salt_bytes)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded``; False for a mismatch or a malformed string."""
    parsed = _parse(encoded)
    if parsed is None:
        return False
    rounds, salt, expected = parsed
    return hmac.compare_digest(_derive(password, salt, rounds), expected)


def needs_rehash(encoded: str) -> bool:
    """True when ``encoded`` was made with fewer iterations than the current cost."""
    parsed = _parse(encoded)
    return parsed is None or parsed[0] < ITERATIONS


def burn_equivalent_time(password: str) -> None:
    """Spend one KDF run, so a login for an unknown email costs what a wrong password does."""
    verify_password(password, _dummy_hash(ITERATIONS))


@cache
def _dummy_hash(iterations: int) -> str:
    # Random bytes in the hash string's format: verifying against it costs one KDF run,
    # like a real hash, and making it costs none (a real hash would make the first
    # unknown-email login of a container cost two runs, which a client could time).
    return f"{SCHEME}${iterations}${_b64(os.urandom(SALT_BYTES))}${_b64(os.urandom(KEY_BYTES))}"


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    return hashlib.pbkdf2_hmac("sha256", secret, salt, iterations, dklen=KEY_BYTES)


def _parse(encoded: str) -> tuple[int, bytes, bytes] | None:
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not _COUNT.fullmatch(parts[1]):
        return None
    rounds = int(parts[1])
    if rounds > MAX_ITERATIONS:
        return None
    try:
        salt = base64.b64decode(parts[2], validate=True)
        key = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError):
        return None
    if not salt or len(key) != KEY_BYTES:
        return None
    return rounds, salt, key


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
