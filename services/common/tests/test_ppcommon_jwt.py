"""ppcommon.jwt: ES256 against the installed keys, HS256 only inside the legacy window."""

from __future__ import annotations

import base64
import json
import sys

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from ppcommon import es256, jwt
from ppcommon.errors import Unauthorized
from ppcommon.signing_keys import StaticKeys
from pptesting import tokens
from pptesting.aws import TEST_JWT_SECRET

NOW = 1_800_000_000
LEGACY_SECRET = TEST_JWT_SECRET.encode()
KEYS = tokens.local_keys()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def verify(token: str, now: float = NOW, keys: StaticKeys = KEYS) -> jwt.Claims:
    return jwt.verify_access_token(token, now=now, keys=keys, secret=LEGACY_SECRET)


def test_a_token_signed_by_the_test_key_verifies_to_its_claims() -> None:
    document = tokens.claims("u1", "t1", now=NOW, jti="j1", sid="s1")

    assert verify(tokens.sign(document)) == jwt.Claims(
        user_id="u1",
        tenant_id="t1",
        role="owner",
        expires_at=NOW + 900,
        token_id="j1",
        session_id="s1",
        issued_at=NOW,
    )


def test_no_issuer_is_left_in_ppcommon() -> None:
    # Only the account package can issue: a data service's package has nothing to sign with.
    assert not hasattr(jwt, "issue_access_token")


@pytest.mark.parametrize(
    ("name", "token", "reason"),
    # Named by the defect: the tokens differ per process (random ids, ECDSA nonces), so
    # pytest-xdist's workers would otherwise collect different test ids.
    [
        pytest.param(*case, id=case[0])
        for case in [
            ("alg none", tokens.alg_none(tokens.claims(now=NOW)), "algorithm"),
            (
                "other key, same kid",
                tokens.sign(tokens.claims(now=NOW), tokens.OTHER_SIGNING_KEY),
                "signature",
            ),
            (
                "other key, unknown kid",
                tokens.sign(tokens.claims(now=NOW), tokens.OTHER_SIGNING_KEY, kid="x"),
                "not accepted",
            ),
            (
                "no kid",
                tokens.sign(tokens.claims(now=NOW), header={"alg": "ES256", "typ": "JWT"}),
                "key id",
            ),
            ("key confusion", tokens.key_confusion(tokens.claims(now=NOW)), "algorithm"),
            ("HS256, window closed", tokens.sign_hs256(tokens.claims(now=NOW)), "algorithm"),
            ("DER signature", tokens.der_signed(tokens.claims(now=NOW)), "signature"),
            (
                "tampered",
                tokens.tampered(tokens.sign(tokens.claims(now=NOW)), tid="t2"),
                "signature",
            ),
            ("expired", tokens.sign(tokens.claims(now=NOW - 901)), "expired"),
            ("missing tid", tokens.sign(tokens.claims(now=NOW, tid=None)), "'tid'"),
            ("missing sub", tokens.sign(tokens.claims(now=NOW, sub=None)), "'sub'"),
            ("missing sid", tokens.sign(tokens.claims(now=NOW, sid=None)), "'sid'"),
            ("missing exp", tokens.sign(tokens.claims(now=NOW, exp=None)), "'exp'"),
            ("wrong aud", tokens.sign(tokens.claims(now=NOW, aud="x")), "audience"),
            ("aud list", tokens.sign(tokens.claims(now=NOW, aud=[jwt.AUDIENCE])), "audience"),
            ("wrong iss", tokens.sign(tokens.claims(now=NOW, iss="x")), "issuer"),
            ("refresh typ", tokens.sign(tokens.claims(now=NOW, typ="refresh")), "not an access"),
            ("no typ", tokens.sign(tokens.claims(now=NOW, typ=None)), "not an access"),
            ("too long", tokens.sign(tokens.claims(now=NOW, ttl=3601)), "lifetime"),
            ("future iat", tokens.sign(tokens.claims(now=NOW + 600)), "future"),
            (
                "64-bit wrap",
                tokens.sign(tokens.claims(now=NOW, iat=-(2**63), exp=2**63 - 1)),
                "lifetime",
            ),
            ("float iat", tokens.sign(tokens.claims(now=NOW, iat=NOW + 0.5)), "integer"),
            (
                "crit header",
                tokens.sign(
                    tokens.claims(now=NOW),
                    header={"alg": "ES256", "typ": "JWT", "kid": tokens.TEST_KID, "crit": ["x"]},
                ),
                "critical",
            ),
            (
                "header typ",
                tokens.sign(
                    tokens.claims(now=NOW),
                    header={"alg": "ES256", "typ": "at+jwt", "kid": tokens.TEST_KID},
                ),
                "typ must be JWT",
            ),
            (
                "HS512 with the legacy secret",
                pyjwt.encode(tokens.claims(now=NOW), LEGACY_SECRET, algorithm="HS512"),
                "algorithm",
            ),
            ("opaque", tokens.refresh_token(), "not a JWT"),
            ("garbage", "a.b.c", "base64url|JSON"),
            ("padded", tokens.sign(tokens.claims(now=NOW)) + "==", "base64url"),
            ("empty", "", "not a JWT"),
        ]
    ],
)
def test_every_defect_is_unauthorized(name: str, token: str, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason) as raised:
        verify(token)

    assert raised.value.status == 401
    assert token == "" or token not in raised.value.message


def test_expiry_is_exclusive() -> None:
    token = tokens.sign(tokens.claims(now=NOW, ttl=900))

    assert verify(token, now=NOW + 899).expires_at == NOW + 900
    with pytest.raises(Unauthorized, match="expired"):
        verify(token, now=NOW + 900)


def test_duplicate_claims_are_refused_not_resolved() -> None:
    head = tokens.sign(tokens.claims(now=NOW)).split(".")[0]
    valid_json = json.dumps(tokens.claims(now=NOW), separators=(",", ":"))
    twice = '{"tid":"tenant-2",' + valid_json[1:]  # "tid" first here, again later
    signing_input = f"{head}.{b64url(twice.encode())}"
    signature = tokens.raw_signature(signing_input.encode(), tokens.TEST_SIGNING_KEY)

    with pytest.raises(Unauthorized, match="JSON object"):
        verify(f"{signing_input}.{b64url(signature)}")


def test_hs256_is_accepted_only_while_the_legacy_window_is_open() -> None:
    legacy = tokens.sign_hs256(tokens.claims("u1", "t1", now=NOW, sid=None))
    open_until_later = tokens.local_keys(legacy_hs256_until=NOW + 1)
    closed_now = tokens.local_keys(legacy_hs256_until=NOW)

    claims = verify(legacy, keys=open_until_later)
    assert (claims.user_id, claims.session_id) == ("u1", "")  # legacy tokens carry no sid
    with pytest.raises(Unauthorized, match="algorithm must be ES256"):
        verify(legacy, keys=closed_now)  # the window is half-open: closed at its end instant
    with pytest.raises(Unauthorized, match="algorithm must be ES256"):
        verify(legacy)  # no window at all
    with pytest.raises(Unauthorized, match="signature"):
        verify(
            tokens.sign_hs256(tokens.claims(now=NOW), tokens.OTHER_SECRET), keys=open_until_later
        )


def test_the_public_key_is_never_an_hmac_secret_even_inside_the_window() -> None:
    keys = tokens.local_keys(legacy_hs256_until=NOW + 3600)

    with pytest.raises(Unauthorized, match="signature"):
        verify(tokens.key_confusion(tokens.claims(now=NOW)), keys=keys)


def test_high_s_signatures_verify_like_low_s() -> None:
    token = tokens.sign(tokens.claims(now=NOW))
    head, body, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    s = int.from_bytes(raw[32:], "big")
    flipped = raw[:32] + (es256.N - s).to_bytes(32, "big")

    assert verify(f"{head}.{body}.{b64url(flipped)}").user_id == "user-1"


@pytest.mark.parametrize("pure_python", [False, True], ids=["cryptography", "pure-python"])
def test_both_backends_agree_on_good_and_bad_signatures(pure_python: bool) -> None:
    key = tokens.verifier_key()
    if pure_python:
        key = es256.Es256PublicKey(key.x, key.y)
    message = b"header.payload"
    signature = tokens.raw_signature(message, tokens.TEST_SIGNING_KEY)

    assert key.verify(signature, message)
    assert not key.verify(signature, b"header.payloaD")
    assert not key.verify(signature[:63], message)
    assert not key.verify(bytes(64), message)


def test_der_to_raw_round_trips_what_cryptography_signs() -> None:
    der = tokens.TEST_SIGNING_KEY.sign(b"m", ec.ECDSA(hashes.SHA256()))
    raw = es256.raw_signature_from_der(der)

    assert tokens.verifier_key().verify(raw, b"m")
    with pytest.raises(ValueError, match="DER"):
        es256.raw_signature_from_der(der + b"\x00")


@pytest.mark.parametrize(
    ("der", "message"),
    [
        (b"\x30" * 10, "uncompressed P-256"),
        (es256.SPKI_PREFIX + b"\x02" + bytes(64), "uncompressed form"),
        (es256.SPKI_PREFIX + b"\x04" + bytes(64), "not on the P-256 curve"),
    ],
)
def test_a_malformed_public_key_is_named(der: bytes, message: str) -> None:
    with pytest.raises(es256.KeyFormatError, match=message):
        es256.load_public_key(der)


def test_without_a_loadable_cryptography_the_pure_python_verifier_takes_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What the local gateway sees on x86_64 running the arm64 artifact: the import fails.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.asymmetric", None)
    es256._cryptography.cache_clear()
    try:
        key = es256.load_public_key(tokens.public_key_der())
        token = tokens.sign(tokens.claims(now=NOW))

        assert key._native is None
        assert verify(token, keys=StaticKeys({tokens.TEST_KID: key})).user_id == "user-1"
    finally:
        es256._cryptography.cache_clear()
