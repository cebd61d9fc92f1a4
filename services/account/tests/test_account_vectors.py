"""Every cross-runtime vector (contract/test-vectors.json) against the Python implementation."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from account import emails, passwords, refresh_tokens
from ppcommon import es256
from ppcommon.errors import BadRequest, Unauthorized
from ppcommon.jwt import Claims, verify_access_token
from ppcommon.signing_keys import StaticKeys

CONTRACT_DIR = Path(__file__).resolve().parents[1] / "contract"
VECTORS: dict[str, Any] = json.loads((CONTRACT_DIR / "test-vectors.json").read_text("utf-8"))
JWT = VECTORS["jwt"]
ES256 = VECTORS["jwtEs256"]
EMAIL = VECTORS["email"]["cases"]
# The legacy HS256 vectors verify as they would inside the migration window.
LEGACY_WINDOW_OPEN = StaticKeys({}, legacy_hs256_until=float("inf"))


def _ids(cases: list[dict[str, Any]], key: str = "name") -> list[str]:
    return [str(case[key]) for case in cases]


@pytest.mark.parametrize(
    "case", VECTORS["passwords"]["hashes"], ids=_ids(VECTORS["passwords"]["hashes"])
)
def test_password_hash_vectors(case: dict[str, Any]) -> None:
    salt = base64.b64decode(case["salt"])
    encoded = passwords.hash_password(case["password"], salt=salt, iterations=case["iterations"])
    assert encoded == case["expected"]
    assert passwords.verify_password(case["password"], case["expected"])


@pytest.mark.parametrize(
    "case", VECTORS["passwords"]["verify"], ids=_ids(VECTORS["passwords"]["verify"])
)
def test_password_verify_vectors(case: dict[str, Any]) -> None:
    assert passwords.verify_password(case["password"], case["encoded"]) is case["matches"]


def test_the_vectors_cover_the_production_cost_and_non_ascii() -> None:
    hashes = VECTORS["passwords"]["hashes"]
    assert any(case["iterations"] == 600_000 for case in hashes)
    assert any(not case["password"].isascii() for case in hashes)


@pytest.mark.parametrize(
    "case", VECTORS["refreshTokens"], ids=_ids(VECTORS["refreshTokens"], "token")
)
def test_refresh_token_vectors(case: dict[str, str]) -> None:
    assert refresh_tokens.is_well_formed(case["token"])
    assert refresh_tokens.token_hash(case["token"]) == case["tokenHash"]


@pytest.mark.parametrize("case", JWT["cases"], ids=_ids(JWT["cases"]))
def test_jwt_vectors(case: dict[str, Any]) -> None:
    secret = JWT["secret"].encode("utf-8")
    if case["verdict"] == "valid":
        claims = verify_access_token(
            case["token"], now=JWT["now"], keys=LEGACY_WINDOW_OPEN, secret=secret
        )
        expected = case["claims"]
        assert (
            claims.user_id,
            claims.tenant_id,
            claims.role,
            claims.expires_at,
            claims.token_id,
        ) == (expected["sub"], expected["tid"], expected["role"], expected["exp"], expected["jti"])
    else:
        with pytest.raises(Unauthorized):
            verify_access_token(
                case["token"], now=JWT["now"], keys=LEGACY_WINDOW_OPEN, secret=secret
            )


def _es256_keys(*, pure_python: bool) -> StaticKeys:
    keys = {}
    for entry in ES256["keys"]:
        key = es256.load_public_key(base64.b64decode(entry["publicKeySpki"]))
        keys[entry["kid"]] = es256.Es256PublicKey(key.x, key.y) if pure_python else key
    return StaticKeys(keys)


def _expected(claims: dict[str, Any]) -> Claims:
    return Claims(
        user_id=claims["sub"],
        tenant_id=claims["tid"],
        role=claims["role"],
        expires_at=claims["exp"],
        token_id=claims["jti"],
        session_id=claims["sid"],
        issued_at=claims["iat"],
    )


@pytest.mark.parametrize("pure_python", [False, True], ids=["cryptography", "pure-python"])
@pytest.mark.parametrize("case", ES256["cases"], ids=_ids(ES256["cases"]))
def test_jwt_es256_vectors(case: dict[str, Any], pure_python: bool) -> None:
    keys = _es256_keys(pure_python=pure_python)
    # No legacy secret: an HS256 case must be refused before any secret is needed.
    secret = b"must-never-be-used"
    if case["verdict"] == "valid":
        claims = verify_access_token(case["token"], now=ES256["now"], keys=keys, secret=secret)
        assert claims == _expected(case["claims"])
    else:
        with pytest.raises(Unauthorized):
            verify_access_token(case["token"], now=ES256["now"], keys=keys, secret=secret)


def test_jwt_es256_vectors_cover_every_refusal_the_contract_names() -> None:
    verdicts = {case["verdict"] for case in ES256["cases"]}
    assert {
        "valid",
        "unknown_kid",
        "missing_kid",
        "bad_signature",
        "alg_none",
        "wrong_algorithm",
        "expired",
        "issued_in_future",
        "lifetime_too_long",
        "missing_claim",
        "malformed_claim",
        "wrong_type",
        "wrong_issuer",
        "wrong_audience",
        "unsupported_critical",
        "malformed",
    } <= verdicts
    assert ES256["previousKid"] in {key["kid"] for key in ES256["keys"]}
    names = " ".join(case["name"] for case in ES256["cases"])
    for attack in ("key confusion", "DER", "high-S", "no sid", "64-bit", "previous key"):
        assert attack in names


def test_jwt_vectors_include_every_attack_the_brief_names() -> None:
    verdicts = {case["verdict"] for case in JWT["cases"]}
    assert {
        "valid",
        "expired",
        "bad_signature",
        "alg_none",
        "wrong_audience",
        "wrong_issuer",
        "missing_claim",
        "wrong_type",
        "lifetime_too_long",
        "malformed",
    } <= verdicts


@pytest.mark.parametrize("case", EMAIL, ids=_ids(EMAIL))
def test_email_vectors(case: dict[str, Any]) -> None:
    assert emails.canonical_or_none(case["input"]) == case["canonical"]
    if case["canonical"] is None:
        with pytest.raises(BadRequest, match="field 'email'") as refused:
            emails.canonical_email(case["input"])
        # The message says what to do, not only what is wrong.
        assert any(
            word in refused.value.message for word in ("send", "use", "remove", "must", "at most")
        )
    else:
        assert emails.canonical_email(case["input"]) == case["canonical"]


def test_email_vectors_cover_every_case_the_contract_names() -> None:
    assert len(EMAIL) >= 30
    inputs = {case["input"]: case["canonical"] for case in EMAIL}
    for refused in (
        "victim@example.com\u200b",
        "victim@example.com\u2060",
        "victim@example.com\x1c",
        "victim@example.com\x1d",
        "\x1evictim@example.com",
        "victim\x1f@example.com",
        "\u0130nci@example.com",
        "\ufeffvictim@example.com",
        "victim\uff20example.com",
        "victim@example.com\x00",
        "victim@example.com\t",
        "vic tim@example.com",
        "victim@example.com.",
        "ada@b\u00fccher.example",
        '"victim"@example.com',
    ):
        assert inputs[refused] is None, refused
    lengths = {len(raw.strip(" ")): canonical for raw, canonical in inputs.items()}
    assert lengths[254] is not None
    assert lengths[255] is None
    local_lengths = {
        len(raw.split("@")[0]): canonical for raw, canonical in inputs.items() if "@" in raw
    }
    assert local_lengths[64] is not None
    assert local_lengths[65] is None
    assert inputs["Ada.Lovelace@Example.COM"] == "ada.lovelace@example.com"


def test_a_non_ascii_domain_is_told_to_use_its_punycode_form() -> None:
    with pytest.raises(BadRequest, match="xn--"):
        emails.canonical_email("ada@b\u00fccher.example")
    with pytest.raises(BadRequest, match=r"U\+200B ZERO WIDTH SPACE.*remove it"):
        emails.canonical_email("victim@example.com\u200b")
    with pytest.raises(BadRequest, match=r"U\+0130.*remove it"):
        emails.canonical_email("\u0130nci@example.com")
    with pytest.raises(BadRequest, match="must be a string"):
        emails.canonical_email(42)


def test_the_vector_file_is_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location(
        "account_vector_generator", CONTRACT_DIR / "generate_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert generator.build() == (CONTRACT_DIR / "test-vectors.json").read_text("utf-8"), (
        "test-vectors.json drifted: run python services/account/contract/generate_vectors.py"
    )
