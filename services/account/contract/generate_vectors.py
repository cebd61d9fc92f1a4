"""Writes test-vectors.json: the fixed inputs and expected outputs both runtimes must reproduce.

Standard library only, and independent of either service's code, so a vector is never
"right" merely because the implementation under test produced it. Every input is fixed,
so the output is byte-for-byte reproducible; a test fails when the file drifts from this
script. Regenerate with ``python services/account/contract/generate_vectors.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from pathlib import Path
from typing import Any

VECTORS_FILE = Path(__file__).with_name("test-vectors.json")

JWT_SECRET = "contract-vectors-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"  # noqa: S105 - test data
OTHER_SECRET = "an-attackers-guess-at-the-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - test data
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
ISSUER = "purposepath"
AUDIENCE = "purposepath-api"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _compact_json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pbkdf2_string(password: str, salt: bytes, iterations: int) -> str:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    key = hashlib.pbkdf2_hmac("sha256", secret, salt, iterations, dklen=32)
    return f"pbkdf2_sha256${iterations}${_b64(salt)}${_b64(key)}"


def password_vectors() -> dict[str, Any]:
    hashes = []
    cases: list[tuple[str, str, bytes, int]] = [
        ("full production cost", "correct horse battery staple", bytes(range(16)), 600_000),
        ("low cost for fast tests", "Tr0ub4dor&3-long-enough", b"\xa5" * 16, 1_000),
        ("non-ASCII, NFC input", "pässwörd-ñandú-日本語-🔑", bytes(range(16, 32)), 1_000),
        # The same password typed in decomposed form must hash identically (NFC first).
        (
            "non-ASCII, NFD input hashes as its NFC form",
            unicodedata.normalize("NFD", "pässwörd-ñandú-日本語-🔑"),
            bytes(range(16, 32)),
            1_000,
        ),
        # RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1); our 32-byte key is
        # the first half of its 64-byte output. An anchor no implementation here produced.
        ("RFC 7914 anchor (4-byte salt)", "passwd", b"salt", 1),
    ]
    for name, password, salt, iterations in cases:
        hashes.append(
            {
                "name": name,
                "password": password,
                "salt": _b64(salt),
                "iterations": iterations,
                "expected": pbkdf2_string(password, salt, iterations),
            }
        )
    good = pbkdf2_string("Tr0ub4dor&3-long-enough", b"\xa5" * 16, 1_000)
    scheme, count, salt_b64, key_b64 = good.split("$")
    flipped_key = _b64(bytes([base64.b64decode(key_b64)[0] ^ 1]) + base64.b64decode(key_b64)[1:])
    verify = [
        ("matching password", "Tr0ub4dor&3-long-enough", good, True),
        ("wrong password", "Tr0ub4dor&3-long-enougH", good, False),
        ("empty password", "", good, False),
        (
            "one bit of the key flipped",
            "Tr0ub4dor&3-long-enough",
            f"{scheme}${count}${salt_b64}${flipped_key}",
            False,
        ),
        (
            "unknown scheme",
            "Tr0ub4dor&3-long-enough",
            f"pbkdf2_sha1${count}${salt_b64}${key_b64}",
            False,
        ),
        (
            "iteration count not a number",
            "Tr0ub4dor&3-long-enough",
            f"{scheme}$1e3${salt_b64}${key_b64}",
            False,
        ),
        ("zero iterations", "Tr0ub4dor&3-long-enough", f"{scheme}$0${salt_b64}${key_b64}", False),
        ("salt not base64", "Tr0ub4dor&3-long-enough", f"{scheme}${count}$***${key_b64}", False),
        (
            "key of the wrong length",
            "Tr0ub4dor&3-long-enough",
            f"{scheme}${count}${salt_b64}${_b64(b'short')}",
            False,
        ),
        ("missing field", "Tr0ub4dor&3-long-enough", f"{scheme}${count}${key_b64}", False),
        ("empty string", "Tr0ub4dor&3-long-enough", "", False),
    ]
    return {
        "hashes": hashes,
        "verify": [
            {"name": name, "password": pw, "encoded": enc, "matches": ok}
            for name, pw, enc, ok in verify
        ],
    }


def refresh_token_vectors() -> list[dict[str, str]]:
    raws = [bytes(32), bytes(range(32)), hashlib.sha256(b"purposepath refresh").digest()]
    vectors = []
    for raw in raws:
        token = _b64url(raw)
        vectors.append({"token": token, "tokenHash": hashlib.sha256(token.encode()).hexdigest()})
    return vectors


def _sign(header: dict[str, Any], claims: dict[str, Any], secret: str) -> str:
    signing_input = f"{_b64url(_compact_json(header))}.{_b64url(_compact_json(claims))}"
    mac = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256)
    return f"{signing_input}.{_b64url(mac.digest())}"


def jwt_vectors() -> dict[str, Any]:
    header = {"alg": "HS256", "typ": "JWT"}
    base: dict[str, Any] = {
        "sub": "6f1c2a9e-3b7d-4e2f-9a51-0c8d7e6b5a43",
        "tid": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
        "role": "owner",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW - 60,
        "exp": NOW - 60 + 900,
        "jti": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a",
        "typ": "access",
    }

    def without(key: str) -> dict[str, Any]:
        return {k: v for k, v in base.items() if k != key}

    valid = _sign(header, base, JWT_SECRET)
    head, _payload, signature = valid.split(".")
    tampered_claims = {**base, "tid": "ffffffff-ffff-4fff-bfff-ffffffffffff"}
    hs512_input = f"{_b64url(_compact_json({'alg': 'HS512', 'typ': 'JWT'}))}." + _b64url(
        _compact_json(base)
    )
    hs512 = hmac.new(JWT_SECRET.encode(), hs512_input.encode(), hashlib.sha512).digest()
    cases: list[tuple[str, str, str]] = [
        ("valid", "valid", valid),
        (
            "expired an hour ago",
            "expired",
            _sign(header, {**base, "iat": NOW - 7200, "exp": NOW - 7200 + 900}, JWT_SECRET),
        ),
        ("signed with another secret", "bad_signature", _sign(header, base, OTHER_SECRET)),
        (
            "payload changed after signing",
            "bad_signature",
            f"{head}.{_b64url(_compact_json(tampered_claims))}.{signature}",
        ),
        (
            "alg none, no signature",
            "alg_none",
            f"{_b64url(_compact_json({'alg': 'none', 'typ': 'JWT'}))}."
            f"{_b64url(_compact_json(base))}.",
        ),
        ("alg HS512 with the right secret", "wrong_algorithm", f"{hs512_input}.{_b64url(hs512)}"),
        (
            "wrong audience",
            "wrong_audience",
            _sign(header, {**base, "aud": "other-api"}, JWT_SECRET),
        ),
        (
            "wrong issuer",
            "wrong_issuer",
            _sign(header, {**base, "iss": "someone-else"}, JWT_SECRET),
        ),
        ("no tenant claim", "missing_claim", _sign(header, without("tid"), JWT_SECRET)),
        ("no subject claim", "missing_claim", _sign(header, without("sub"), JWT_SECRET)),
        ("no expiry claim", "missing_claim", _sign(header, without("exp"), JWT_SECRET)),
        (
            "typ refresh, not access",
            "wrong_type",
            _sign(header, {**base, "typ": "refresh"}, JWT_SECRET),
        ),
        (
            "lifetime over 3600 s",
            "lifetime_too_long",
            _sign(header, {**base, "exp": base["iat"] + 3601}, JWT_SECRET),
        ),
        ("two segments only", "malformed", f"{head}.{_b64url(_compact_json(base))}"),
        ("not a token", "malformed", "not-a-jwt"),
        ("an opaque refresh token", "malformed", _b64url(bytes(range(32)))),
    ]
    return {
        "secret": JWT_SECRET,
        "now": NOW,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "cases": [
            {
                "name": name,
                "verdict": verdict,
                "token": token,
                **({"claims": base} if verdict == "valid" else {}),
            }
            for name, verdict, token in cases
        ],
    }


def build() -> str:
    document = {
        "description": "Cross-runtime vectors for the account service; see FORMATS.md. "
        "Generated by generate_vectors.py: do not edit by hand.",
        "passwords": password_vectors(),
        "refreshTokens": refresh_token_vectors(),
        "jwt": jwt_vectors(),
    }
    # ASCII escapes keep the NFD vector decomposed even through a normalising editor.
    return json.dumps(document, indent=2) + "\n"


if __name__ == "__main__":
    VECTORS_FILE.write_text(build(), encoding="utf-8")
