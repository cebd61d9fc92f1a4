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


# --- ES256 (ECDSA P-256, SHA-256): a textbook implementation for the vectors only --------
# SEC 2 v2 §2.4.2 curve parameters; signing nonces per RFC 6979 §3.2 (deterministic), so
# the file is byte-for-byte reproducible and checked against RFC 6979 appendix A.2.5.

P256_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P256_G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
# RFC 6979 A.2.5's private key (public test data): the active key of the vectors.
ACTIVE_KEY = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
PREVIOUS_KEY = 0x2C0FFEE0000000000000000000000000000000000000000000000000000B0B0B
ATTACKER_KEY = 0x0BADC0DE00000000000000000000000000000000000000000000000000000BAD
ACTIVE_KID = "0f2d4c6b-8a1e-4f3d-9b5c-7e6a8d9c0b1a"
PREVIOUS_KID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
UNKNOWN_KID = "deadbeef-0000-4000-8000-000000000000"
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")

Point = tuple[int, int] | None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RuntimeError(f"vector generator self-check failed: {message}")


def _ec_add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P256_P == 0:
        return None
    if p == q:
        slope = (3 * p[0] * p[0] - 3) * pow(2 * p[1], -1, P256_P)
    else:
        slope = (q[1] - p[1]) * pow(q[0] - p[0], -1, P256_P)
    x = (slope * slope - p[0] - q[0]) % P256_P
    return (x, (slope * (p[0] - x) - p[1]) % P256_P)


def _ec_mul(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = _ec_add(result, point)
        point, k = _ec_add(point, point), k >> 1
    return result


def spki(private_key: int) -> bytes:
    point = _ec_mul(private_key, P256_G)
    if point is None:
        raise ValueError("private key is a multiple of the group order")
    return SPKI_PREFIX + b"\x04" + point[0].to_bytes(32, "big") + point[1].to_bytes(32, "big")


def _rfc6979_nonce(private_key: int, digest: bytes) -> int:
    x = private_key.to_bytes(32, "big")
    h = (int.from_bytes(digest, "big") % P256_N).to_bytes(32, "big")
    v, k = b"\x01" * 32, b"\x00" * 32
    k = hmac.new(k, v + b"\x00" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    k = hmac.new(k, v + b"\x01" + x + h, hashlib.sha256).digest()
    v = hmac.new(k, v, hashlib.sha256).digest()
    while True:
        v = hmac.new(k, v, hashlib.sha256).digest()
        nonce = int.from_bytes(v, "big")
        if 0 < nonce < P256_N:
            return nonce
        k = hmac.new(k, v + b"\x00", hashlib.sha256).digest()
        v = hmac.new(k, v, hashlib.sha256).digest()


def ecdsa_sign(private_key: int, message: bytes) -> tuple[int, int]:
    digest = hashlib.sha256(message).digest()
    nonce = _rfc6979_nonce(private_key, digest)
    point = _ec_mul(nonce, P256_G)
    if point is None:
        raise ValueError("nonce is a multiple of the group order")
    r = point[0] % P256_N
    s = pow(nonce, -1, P256_N) * (int.from_bytes(digest, "big") + r * private_key) % P256_N
    return r, s


# RFC 6979 A.2.5, message "sample" with SHA-256: the anchor no code here produced.
_require(
    ecdsa_sign(ACTIVE_KEY, b"sample")
    == (
        0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716,
        0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8,
    ),
    "ECDSA does not reproduce RFC 6979 A.2.5",
)


def _raw(r: int, s: int, length: int = 32) -> bytes:
    return r.to_bytes(length, "big") + s.to_bytes(length, "big")


def _der_integer(value: int) -> bytes:
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")  # leading 0 keeps it positive
    return b"\x02" + bytes([len(body)]) + body


def _der_signature(r: int, s: int) -> bytes:
    body = _der_integer(r) + _der_integer(s)
    return b"\x30" + bytes([len(body)]) + body


def _es256_input(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64url(_compact_json(header))}.{_b64url(_compact_json(claims))}"


def _es256(
    claims: dict[str, Any],
    *,
    key: int = ACTIVE_KEY,
    header: dict[str, Any] | None = None,
    signature: Any = None,
) -> str:
    """A token; ``signature`` maps (r, s) to the signature bytes (default: raw r||s)."""
    signing_input = _es256_input(
        header if header is not None else {"alg": "ES256", "typ": "JWT", "kid": ACTIVE_KID},
        claims,
    )
    r, s = ecdsa_sign(key, signing_input.encode("ascii"))
    raw = signature(r, s) if signature else _raw(r, s)
    return f"{signing_input}.{_b64url(raw)}"


def jwt_es256_vectors() -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "6f1c2a9e-3b7d-4e2f-9a51-0c8d7e6b5a43",
        "tid": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
        "role": "owner",
        "sid": "5d3f1b9a-7c2e-4a6d-8f0b-2e4c6a8b0d1f",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": NOW - 60,
        "exp": NOW - 60 + 900,
        "jti": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f7a",
        "typ": "access",
    }
    es256 = {"alg": "ES256", "typ": "JWT", "kid": ACTIVE_KID}

    def with_(**changes: Any) -> dict[str, Any]:
        return {k: v for k, v in {**base, **changes}.items() if v is not None}

    valid = _es256(base)
    head, body, signature = valid.split(".")
    tampered = f"{head}.{_b64url(_compact_json(with_(tid='ffffffff-ffff-4fff-bfff-ffffffffffff')))}"
    public_der = spki(ACTIVE_KEY)
    confusion_input = _es256_input({"alg": "HS256", "typ": "JWT", "kid": ACTIVE_KID}, base)
    confusion = hmac.new(public_der, confusion_input.encode(), hashlib.sha256).digest()
    legacy_input = _es256_input({"alg": "HS256", "typ": "JWT"}, base)
    legacy = hmac.new(JWT_SECRET.encode(), legacy_input.encode(), hashlib.sha256).digest()
    duplicate_tid = _compact_json(base)[:-1] + b',"tid":"ffffffff-ffff-4fff-bfff-ffffffffffff"}'
    # The last base64url character of a 64-byte signature carries 2 unused bits.
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    non_canonical = signature[:-1] + alphabet[alphabet.index(last) ^ 1]
    standard_alphabet = signature.replace("-", "+").replace("_", "/")
    _require(standard_alphabet != signature, "the fixed signature has no - or _ to swap")
    none_with_kid = _b64url(_compact_json({"alg": "none", "typ": "JWT", "kid": ACTIVE_KID}))
    duplicate_input = f"{head}.{_b64url(duplicate_tid)}"
    payload_array = f"{head}.{_b64url(b'[1]')}.{signature}"
    cases: list[tuple[str, str, str, dict[str, Any] | None]] = [
        ("valid, active key", "valid", valid, base),
        (
            "valid, previous key still accepted",
            "valid",
            _es256(base, key=PREVIOUS_KEY, header={**es256, "kid": PREVIOUS_KID}),
            base,
        ),
        (
            # ECDSA's (r, n - s) verifies too; nothing keys on signature bytes (revocation
            # uses jti), and KMS does not normalise s, so both halves are accepted.
            "valid, high-S form of the signature",
            "valid",
            _es256(base, signature=lambda r, s: _raw(r, P256_N - s)),
            base,
        ),
        (
            "iat 60 s ahead is within the skew",
            "valid",
            _es256(with_(iat=NOW + 60, exp=NOW + 960)),
            with_(iat=NOW + 60, exp=NOW + 960),
        ),
        (
            "kid not in the key set",
            "unknown_kid",
            _es256(base, header={**es256, "kid": UNKNOWN_KID}),
            None,
        ),
        ("no kid", "missing_kid", _es256(base, header={"alg": "ES256", "typ": "JWT"}), None),
        ("kid not a string", "missing_kid", _es256(base, header={**es256, "kid": 7}), None),
        (
            "signed by another key under the active kid",
            "bad_signature",
            _es256(base, key=ATTACKER_KEY),
            None,
        ),
        (
            "signed by the previous key under the active kid",
            "bad_signature",
            _es256(base, key=PREVIOUS_KEY),
            None,
        ),
        ("payload changed after signing", "bad_signature", f"{tampered}.{signature}", None),
        (
            "alg none, no signature",
            "alg_none",
            f"{_b64url(_compact_json({'alg': 'none', 'typ': 'JWT'}))}.{body}.",
            None,
        ),
        (
            "alg none with the valid signature",
            "alg_none",
            f"{none_with_kid}.{body}.{signature}",
            None,
        ),
        (
            "alg HS256 keyed with the public key (key confusion)",
            "wrong_algorithm",
            f"{confusion_input}.{_b64url(confusion)}",
            None,
        ),
        (
            "alg HS256 with the legacy secret, window closed",
            "wrong_algorithm",
            f"{legacy_input}.{_b64url(legacy)}",
            None,
        ),
        (
            "alg ES384 in the header",
            "wrong_algorithm",
            _es256(base, header={**es256, "alg": "ES384"}),
            None,
        ),
        (
            "alg es256 in lower case",
            "wrong_algorithm",
            _es256(base, header={**es256, "alg": "es256"}),
            None,
        ),
        (
            "DER signature instead of r||s",
            "bad_signature",
            _es256(base, signature=_der_signature),
            None,
        ),
        (
            "signature with a trailing byte (65 bytes)",
            "bad_signature",
            _es256(base, signature=lambda r, s: _raw(r, s) + b"\x00"),
            None,
        ),
        (
            "signature truncated (63 bytes)",
            "bad_signature",
            _es256(base, signature=lambda r, s: _raw(r, s)[:63]),
            None,
        ),
        (
            "r and s as 33-byte integers (66 bytes)",
            "bad_signature",
            _es256(base, signature=lambda r, s: _raw(r, s, 33)),
            None,
        ),
        ("empty signature", "bad_signature", f"{head}.{body}.", None),
        ("r = 0", "bad_signature", _es256(base, signature=lambda r, s: _raw(0, s)), None),
        ("s = 0", "bad_signature", _es256(base, signature=lambda r, s: _raw(r, 0)), None),
        (
            "r and s = n (out of range)",
            "bad_signature",
            _es256(base, signature=lambda r, s: _raw(P256_N, P256_N)),
            None,
        ),
        ("expired an hour ago", "expired", _es256(with_(iat=NOW - 4500, exp=NOW - 3600)), None),
        ("exp equal to now", "expired", _es256(with_(iat=NOW - 900, exp=NOW)), None),
        ("iat 61 s ahead", "issued_in_future", _es256(with_(iat=NOW + 61, exp=NOW + 961)), None),
        ("lifetime 3601 s", "lifetime_too_long", _es256(with_(exp=NOW - 60 + 3601)), None),
        (
            # 64-bit arithmetic wraps here: exp - iat must be computed without overflow.
            "extreme iat and exp (64-bit wrap)",
            "lifetime_too_long",
            _es256(with_(iat=-(2**63), exp=2**63 - 1)),
            None,
        ),
        ("exp beyond 64 bits", "lifetime_too_long", _es256(with_(exp=2**64 + NOW)), None),
        ("iat not an integer", "malformed_claim", _es256(with_(iat=NOW - 60.5)), None),
        ("exp a string", "malformed_claim", _es256(with_(exp=str(NOW + 840))), None),
        ("no sid (session) claim", "missing_claim", _es256(with_(sid=None)), None),
        ("empty sid", "missing_claim", _es256(with_(sid="")), None),
        ("no tid", "missing_claim", _es256(with_(tid=None)), None),
        ("no sub", "missing_claim", _es256(with_(sub=None)), None),
        ("no jti", "missing_claim", _es256(with_(jti=None)), None),
        ("no exp", "missing_claim", _es256(with_(exp=None)), None),
        ("typ refresh, not access", "wrong_type", _es256(with_(typ="refresh")), None),
        ("header typ at+jwt", "wrong_type", _es256(base, header={**es256, "typ": "at+jwt"}), None),
        ("wrong issuer", "wrong_issuer", _es256(with_(iss="someone-else")), None),
        ("wrong audience", "wrong_audience", _es256(with_(aud="other-api")), None),
        ("audience as a list", "wrong_audience", _es256(with_(aud=[AUDIENCE])), None),
        (
            "critical header extension",
            "unsupported_critical",
            _es256(base, header={**es256, "crit": ["exp"], "exp": 1}),
            None,
        ),
        (
            "tid twice (duplicate JSON name)",
            "malformed",
            f"{duplicate_input}.{_b64url(_raw(*ecdsa_sign(ACTIVE_KEY, duplicate_input.encode())))}",
            None,
        ),
        ("two segments", "malformed", f"{head}.{body}", None),
        ("four segments", "malformed", f"{valid}.{signature}", None),
        ("padded base64url signature", "malformed", f"{valid}==", None),
        (
            "non-canonical trailing bits in the signature",
            "malformed",
            f"{head}.{body}.{non_canonical}",
            None,
        ),
        ("standard base64 alphabet (+ /)", "malformed", f"{head}.{body}.{standard_alphabet}", None),
        ("header not JSON", "malformed", f"{_b64url(b'ES256')}.{body}.{signature}", None),
        ("payload a JSON array", "malformed", payload_array, None),
        ("an opaque refresh token", "malformed", _b64url(bytes(range(32))), None),
    ]
    return {
        "now": NOW,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "activeKid": ACTIVE_KID,
        "previousKid": PREVIOUS_KID,
        "keys": [
            {"kid": ACTIVE_KID, "publicKeySpki": _b64(spki(ACTIVE_KEY))},
            {"kid": PREVIOUS_KID, "publicKeySpki": _b64(spki(PREVIOUS_KEY))},
        ],
        "cases": [
            {
                "name": name,
                "verdict": verdict,
                "token": token,
                **({"claims": claims} if claims is not None else {}),
            }
            for name, verdict, token, claims in cases
        ],
    }


# Lengths for the boundary cases, built from fixed parts so the counts are visible.
_LOCAL_64 = "a" * 64
_DOMAIN_LABEL_63 = "b" * 63
# 64 + 1 + (63 + 1 + 63 + 1 + 57 + 1 + 3) = 254: the longest address allowed.
_LONGEST = f"{_LOCAL_64}@{_DOMAIN_LABEL_63}.{_DOMAIN_LABEL_63}.{'c' * 57}.com"


def email_vectors() -> dict[str, Any]:
    """Canonical email forms (FORMATS.md, "Email address"), written out by hand.

    ``canonical`` null means refused (400 at registration; an unknown address at login and
    password reset). ``reason`` says which rule refuses it; runtimes compare only
    ``canonical``.
    """
    accepted: list[tuple[str, str, str]] = [
        ("plain address", "ada@example.com", "ada@example.com"),
        ("upper case folds to lower case", "Ada.Lovelace@Example.COM", "ada.lovelace@example.com"),
        ("spaces trimmed at both ends", "  ada@example.com   ", "ada@example.com"),
        ("plus tag kept (a different mailbox)", "ada+news@example.com", "ada+news@example.com"),
        ("dots kept (no Gmail folding)", "a.d.a@gmail.com", "a.d.a@gmail.com"),
        (
            "every atext symbol",
            "!#$%&'*+/=?^_`{|}~-@example.com",
            "!#$%&'*+/=?^_`{|}~-@example.com",
        ),
        ("digits and hyphens in the domain", "x@mail-1.example-2.co", "x@mail-1.example-2.co"),
        ("punycode domain accepted", "ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example"),
        ("local part of 64 characters", f"{_LOCAL_64}@example.com", f"{_LOCAL_64}@example.com"),
        ("label of 63 characters", f"x@{_DOMAIN_LABEL_63}.com", f"x@{_DOMAIN_LABEL_63}.com"),
        ("address of 254 characters", _LONGEST, _LONGEST),
        ("digits in a non-final label", "x@123.example.com", "x@123.example.com"),
    ]
    refused: list[tuple[str, str, str]] = [
        (
            "zero width space after the address (U+200B)",
            "victim@example.com\u200b",
            "not printable ASCII",
        ),
        (
            "word joiner after the address (U+2060)",
            "victim@example.com\u2060",
            "not printable ASCII",
        ),
        (
            "zero width space inside the local part",
            "vic\u200btim@example.com",
            "not printable ASCII",
        ),
        (
            "byte order mark before the address (U+FEFF)",
            "\ufeffvictim@example.com",
            "not printable ASCII",
        ),
        ("file separator U+001C", "victim@example.com\x1c", "not printable ASCII"),
        ("group separator U+001D", "victim@example.com\x1d", "not printable ASCII"),
        ("record separator U+001E", "\x1evictim@example.com", "not printable ASCII"),
        ("unit separator U+001F", "victim\x1f@example.com", "not printable ASCII"),
        ("capital I with dot above (U+0130)", "\u0130nci@example.com", "not printable ASCII"),
        ("fullwidth commercial at (U+FF20)", "victim\uff20example.com", "not printable ASCII"),
        ("NUL", "victim@example.com\x00", "not printable ASCII"),
        ("tab at the end (only U+0020 is trimmed)", "victim@example.com\t", "not printable ASCII"),
        (
            "no-break space at the end (only U+0020 is trimmed)",
            "victim@example.com\u00a0",
            "not printable ASCII",
        ),
        ("inner space", "vic tim@example.com", "not printable ASCII"),
        ("DEL U+007F", "victim@example.com\x7f", "not printable ASCII"),
        ("IDN domain (send its xn-- form)", "ada@b\u00fccher.example", "not printable ASCII"),
        (
            "non-ASCII local part (SES has no SMTPUTF8)",
            "\u00e9l\u00e8ve@example.com",
            "not printable ASCII",
        ),
        ("empty string", "", "empty"),
        ("only spaces", "   ", "empty"),
        ("no @", "victim.example.com", "not exactly one @"),
        ("two @", "a@b@example.com", "not exactly one @"),
        ("quoted local part", '"victim"@example.com', "local part not a dot-atom"),
        ("leading dot in the local part", ".victim@example.com", "local part not a dot-atom"),
        ("trailing dot in the local part", "victim.@example.com", "local part not a dot-atom"),
        ("double dot in the local part", "vic..tim@example.com", "local part not a dot-atom"),
        ("empty local part", "@example.com", "local part not 1..64"),
        ("local part of 65 characters", f"{'a' * 65}@example.com", "local part not 1..64"),
        ("address of 255 characters", "a" + _LONGEST, "local part not 1..64"),
        (
            "address of 255 characters (long domain)",
            f"{'a' * 63}@{_DOMAIN_LABEL_63}.{_DOMAIN_LABEL_63}.{'c' * 59}.com",
            "over 254",
        ),
        (
            "domain of 254 characters",
            f"x@{_DOMAIN_LABEL_63}.{_DOMAIN_LABEL_63}.{_DOMAIN_LABEL_63}.{'c' * 58}.com",
            "domain not 1..253",
        ),
        ("label of 64 characters", f"x@{'b' * 64}.com", "label not 1..63 of a-z0-9-"),
        ("trailing dot in the domain", "victim@example.com.", "empty label"),
        ("double dot in the domain", "victim@example..com", "empty label"),
        ("single-label domain", "victim@localhost", "fewer than two labels"),
        ("empty domain", "victim@", "domain not 1..253"),
        ("label starting with a hyphen", "victim@-example.com", "label not 1..63 of a-z0-9-"),
        ("label ending with a hyphen", "victim@example-.com", "label not 1..63 of a-z0-9-"),
        ("underscore in the domain", "victim@ex_ample.com", "label not 1..63 of a-z0-9-"),
        ("IP address as the domain", "victim@192.168.0.1", "last label all digits"),
        ("domain literal", "victim@[192.168.0.1]", "label not 1..63 of a-z0-9-"),
    ]
    cases: list[dict[str, Any]] = [
        {"name": name, "input": raw, "canonical": canonical} for name, raw, canonical in accepted
    ]
    cases += [
        {"name": name, "input": raw, "canonical": None, "reason": reason}
        for name, raw, reason in refused
    ]
    _require(len(_LONGEST) == 254, "the longest vector must have 254 characters")
    return {"cases": cases}


def build() -> str:
    document = {
        "description": "Cross-runtime vectors for the account service; see FORMATS.md. "
        "Generated by generate_vectors.py: do not edit by hand.",
        "passwords": password_vectors(),
        "refreshTokens": refresh_token_vectors(),
        "jwt": jwt_vectors(),
        "jwtEs256": jwt_es256_vectors(),
        "email": email_vectors(),
    }
    # ASCII escapes keep the NFD vector decomposed even through a normalising editor.
    return json.dumps(document, indent=2) + "\n"


if __name__ == "__main__":
    VECTORS_FILE.write_text(build(), encoding="utf-8")
