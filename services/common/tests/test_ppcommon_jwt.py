from __future__ import annotations

import jwt as pyjwt
import pytest

from ppcommon import jwt
from ppcommon.errors import Unauthorized
from pptesting import tokens
from pptesting.aws import TEST_JWT_SECRET

NOW = 1_800_000_000
KEY = TEST_JWT_SECRET.encode()


def verify(token: str, now: float = NOW) -> jwt.Claims:
    return jwt.verify_access_token(token, now=now, secret=KEY)


def test_issued_token_verifies_to_its_claims() -> None:
    token = jwt.issue_access_token(
        user_id="u1", tenant_id="t1", role="owner", now=NOW, secret=KEY, token_id="j1"
    )

    assert verify(token) == jwt.Claims(
        user_id="u1",
        tenant_id="t1",
        role="owner",
        expires_at=NOW + 900,
        token_id="j1",
        issued_at=NOW,
    )


def test_issued_token_has_pinned_header_and_claims() -> None:
    token = jwt.issue_access_token(
        user_id="u1", tenant_id="t1", role="member", now=NOW, secret=KEY, ttl=60
    )
    header = pyjwt.get_unverified_header(token)
    payload = pyjwt.decode(token, options={"verify_signature": False})

    assert header == {"alg": "HS256", "typ": "JWT"}
    assert list(payload) == ["sub", "tid", "role", "iss", "aud", "iat", "exp", "jti", "typ"]
    assert payload["typ"] == "access"
    assert payload["exp"] - payload["iat"] == 60
    assert (payload["iss"], payload["aud"]) == ("purposepath", "purposepath-api")


def test_same_inputs_give_the_same_token() -> None:
    make = lambda: jwt.issue_access_token(  # noqa: E731 - a two-line local helper
        user_id="u", tenant_id="t", role="owner", now=NOW, secret=KEY, token_id="fixed"
    )

    assert make() == make()


def test_default_secret_comes_from_secrets_manager(jwt_secret_arn: str) -> None:
    token = jwt.issue_access_token(user_id="u", tenant_id="t", role="owner")

    assert jwt.verify_access_token(token).tenant_id == "t"
    assert verify(token, now=pyjwt.decode(token, options={"verify_signature": False})["iat"])


@pytest.mark.parametrize("ttl", [0, -5, jwt.MAX_ACCESS_TTL + 1])
def test_issue_refuses_a_lifetime_outside_the_limit(ttl: int) -> None:
    with pytest.raises(ValueError, match="ttl"):
        jwt.issue_access_token(user_id="u", tenant_id="t", role="r", ttl=ttl, secret=KEY)


def test_issue_refuses_an_empty_tenant() -> None:
    with pytest.raises(ValueError, match="tenant_id"):
        jwt.issue_access_token(user_id="u", tenant_id="", role="r", secret=KEY)


@pytest.mark.parametrize(
    ("name", "token", "reason"),
    # Named by the defect: the tokens differ per process (random ids), so pytest-xdist's
    # workers would otherwise collect different test ids.
    [
        pytest.param(*case, id=case[0])
        for case in [
            ("alg none", tokens.alg_none(tokens.claims(now=NOW)), "algorithm"),
            ("other secret", tokens.sign(tokens.claims(now=NOW), tokens.OTHER_SECRET), "signature"),
            (
                "tampered",
                tokens.tampered(tokens.sign(tokens.claims(now=NOW)), tid="t2"),
                "signature",
            ),
            ("expired", tokens.sign(tokens.claims(now=NOW - 901)), "expired"),
            ("missing tid", tokens.sign(tokens.claims(now=NOW, tid=None)), "'tid'"),
            ("missing sub", tokens.sign(tokens.claims(now=NOW, sub=None)), "'sub'"),
            ("missing exp", tokens.sign(tokens.claims(now=NOW, exp=None)), "'exp'"),
            ("wrong aud", tokens.sign(tokens.claims(now=NOW, aud="x")), "audience"),
            ("wrong iss", tokens.sign(tokens.claims(now=NOW, iss="x")), "issuer"),
            ("refresh typ", tokens.sign(tokens.claims(now=NOW, typ="refresh")), "not an access"),
            ("no typ", tokens.sign(tokens.claims(now=NOW, typ=None)), "not an access"),
            ("too long", tokens.sign(tokens.claims(now=NOW, ttl=3601)), "lifetime"),
            ("future iat", tokens.sign(tokens.claims(now=NOW + 600)), "future"),
            ("opaque", tokens.refresh_token(), "not a JWT"),
            ("garbage", "a.b.c", "malformed"),
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


def test_header_typ_must_be_jwt() -> None:
    token = pyjwt.encode(tokens.claims(now=NOW), KEY, algorithm="HS256", headers={"typ": "at+jwt"})

    with pytest.raises(Unauthorized, match="typ must be JWT"):
        verify(token)


def test_other_hmac_algorithm_with_the_right_key_is_refused() -> None:
    token = pyjwt.encode(tokens.claims(now=NOW), KEY, algorithm="HS512")

    with pytest.raises(Unauthorized, match="algorithm"):
        verify(token)
