"""ECDSA P-256 public keys for ES256 (RFC 7518 §3.4): load from SPKI DER, verify r||s.

Verification uses ``cryptography`` (OpenSSL). The deployed artifacts are built for arm64
(manylinux2014_aarch64 wheels), and the local gateway runs those same artifacts on the
developer's machine, where an x86_64 host cannot load cryptography's arm64 binary; there,
and only when the import fails, the small pure-Python verifier below does the same
arithmetic (logged once). Both are checked against the contract's vectors. Verifying needs
only public values, so the pure-Python path has no secret to leak through timing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

log = logging.getLogger("ppcommon.es256")

# SEC 2 v2 §2.4.2 (secp256r1 = NIST P-256), the curve KMS's ECC_NIST_P256 keys use.
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)
# DER SubjectPublicKeyInfo of an uncompressed P-256 point (RFC 5480): this fixed header
# (id-ecPublicKey, prime256v1, BIT STRING of 66 bytes) then 0x04 || X || Y.
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
SPKI_LENGTH = len(SPKI_PREFIX) + 65
SIGNATURE_LENGTH = 64  # JWS ES256: r and s, 32 bytes each, big-endian (RFC 7518 §3.4)


class KeyFormatError(ValueError):
    """The bytes are not a P-256 public key in SPKI DER form; the message says which part."""


@cache
def _cryptography() -> Any | None:
    """cryptography's EC module, or None where its native binding cannot load."""
    try:
        from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - see above
    except ImportError as error:
        log.warning(
            "cryptography is unavailable here (%s); ES256 uses the pure-Python verifier",
            type(error).__name__,
        )
        return None
    return ec


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


@dataclass(frozen=True)
class Es256PublicKey:
    """One P-256 public key; ``verify`` answers True only for a valid r||s signature."""

    x: int
    y: int
    _native: Any = None  # cryptography's key object when that library is usable

    def verify(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != SIGNATURE_LENGTH:
            return False
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        # FIPS 186-5 §6.4.2 step 1: r and s must be in [1, n-1]; checked here so both
        # paths refuse out-of-range values the same way (OpenSSL would too).
        if not (0 < r < N and 0 < s < N):
            return False
        if self._native is not None:
            return _verify_native(self._native, r, s, message)
        return _verify_python(self.x, self.y, r, s, message)


def load_public_key(spki_der: bytes) -> Es256PublicKey:
    """Parse KMS ``GetPublicKey``'s ``PublicKey`` (DER SPKI) of an ECC_NIST_P256 key."""
    if len(spki_der) != SPKI_LENGTH or not spki_der.startswith(SPKI_PREFIX):
        raise KeyFormatError(
            f"public key is not an uncompressed P-256 SubjectPublicKeyInfo ({len(spki_der)} "
            f"bytes, expected {SPKI_LENGTH}); the signing key must be KeySpec ECC_NIST_P256"
        )
    point = spki_der[len(SPKI_PREFIX) :]
    if point[0] != 0x04:
        raise KeyFormatError("public key point is not in uncompressed form (0x04)")
    x, y = int.from_bytes(point[1:33], "big"), int.from_bytes(point[33:], "big")
    if not _on_curve(x, y):
        raise KeyFormatError("public key point is not on the P-256 curve")
    ec = _cryptography()
    native = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key() if ec else None
    return Es256PublicKey(x, y, native)


def raw_signature_from_der(der: bytes) -> bytes:
    """KMS's DER ``ECDSA-Sig-Value`` (RFC 3279 §2.2.3) as JWS r||s (RFC 7518 §3.4).

    Pure Python on purpose: the issuer must run wherever the verifier's fallback does.
    """

    def integer(data: bytes, offset: int) -> tuple[int, int]:
        if data[offset] != 0x02 or data[offset + 1] > 33:
            raise ValueError("DER signature: expected a short INTEGER")
        length = data[offset + 1]
        start = offset + 2
        value = int.from_bytes(data[start : start + length], "big")
        return value, start + length

    if len(der) < 8 or der[0] != 0x30 or der[1] != len(der) - 2:
        raise ValueError("DER signature: expected one SEQUENCE covering the whole value")
    r, offset = integer(der, 2)
    s, offset = integer(der, offset)
    if offset != len(der) or not (0 < r < N and 0 < s < N):
        raise ValueError("DER signature: r or s out of range, or trailing bytes")
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _verify_native(key: Any, r: int, s: int, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - loaded with ec
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415 - loaded with ec
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415 - loaded already
    from cryptography.hazmat.primitives.asymmetric.utils import (  # noqa: PLC0415
        encode_dss_signature,
    )

    try:
        key.verify(encode_dss_signature(r, s), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


# --- pure-Python verification (FIPS 186-5 §6.4.2), Jacobian coordinates ---------------

_Point = tuple[int, int, int]  # Jacobian (X, Y, Z); Z == 0 is the point at infinity
_INFINITY: _Point = (1, 1, 0)


def _double(p: _Point) -> _Point:
    x, y, z = p
    if z == 0 or y == 0:
        return _INFINITY
    # dbl-2001-b for a = -3 (Explicit-Formulas Database, short Weierstrass, Jacobian).
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add(p: _Point, q: _Point) -> _Point:
    if p[2] == 0:
        return q
    if q[2] == 0:
        return p
    x1, y1, z1 = p
    x2, y2, z2 = q
    z1z1, z2z2 = z1 * z1 % P, z2 * z2 % P
    u1, u2 = x1 * z2z2 % P, x2 * z1z1 % P
    s1, s2 = y1 * z2 * z2z2 % P, y2 * z1 * z1z1 % P
    h, r = (u2 - u1) % P, (s2 - s1) % P
    if h == 0:
        return _double(p) if r == 0 else _INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = u1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - s1 * hhh) % P
    return (x3, y3, z1 * z2 * h % P)


def _add_affine(p: _Point, q: tuple[int, int]) -> _Point:
    """``p`` (Jacobian) + ``q`` (affine): madd-2007-bl, fewer multiplications than _add."""
    x1, y1, z1 = p
    if z1 == 0:
        return (q[0], q[1], 1)
    z1z1 = z1 * z1 % P
    u2 = q[0] * z1z1 % P
    s2 = q[1] * z1 * z1z1 % P
    h, r = (u2 - x1) % P, (s2 - y1) % P
    if h == 0:
        return _double(p) if r == 0 else _INFINITY
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    return (x3, y3, z1 * h % P)


def _affine(p: _Point) -> tuple[int, int]:
    x, y, z = p
    z_inverse = pow(z, -1, P)
    zz = z_inverse * z_inverse % P
    return (x * zz % P, y * zz * z_inverse % P)


_WINDOW = 4
_Table = list[list[tuple[int, int]]]


def _fixed_base_table(x: int, y: int) -> _Table:
    """Row i holds d * 16^i * (x, y) for d = 1..15 (affine): a scalar is then 64 additions."""
    rows: _Table = []
    base: _Point = (x, y, 1)
    for _ in range(256 // _WINDOW):
        row: list[_Point] = [base]
        for _ in range(2**_WINDOW - 2):
            row.append(_add(row[-1], base))
        rows.append([_affine(point) for point in row])
        base = _add(row[-1], base)  # 16 * base
    return rows


@cache
def _generator_table() -> _Table:
    return _fixed_base_table(*G)


_tables: dict[tuple[int, int], _Table] = {}


def _verify_python(qx: int, qy: int, r: int, s: int, message: bytes) -> bool:
    e = int.from_bytes(hashlib.sha256(message).digest(), "big")  # 256-bit hash: no truncation
    w = pow(s, -1, N)
    u1, u2 = e * w % N, r * w % N
    # Built once per public key: only keys of the accepted set reach here (two or three).
    q_table = _tables.get((qx, qy))
    if q_table is None:
        q_table = _tables[(qx, qy)] = _fixed_base_table(qx, qy)
    total = _INFINITY
    for table, scalar in ((_generator_table(), u1), (q_table, u2)):
        for index, row in enumerate(table):
            digit = (scalar >> (index * _WINDOW)) & (2**_WINDOW - 1)
            if digit:
                total = _add_affine(total, row[digit - 1])
    x, _, z = total
    if z == 0:
        return False
    affine_x = x * pow(z * z % P, -1, P) % P
    return affine_x % N == r
