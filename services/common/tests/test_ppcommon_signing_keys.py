"""The key set from SSM and public keys from KMS (moto): caching, refresh, rotation."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import boto3
import pytest

from ppcommon import jwt, signing_keys
from ppcommon.config import ConfigurationError
from ppcommon.errors import Unauthorized
from ppcommon.es256 import Es256PublicKey, raw_signature_from_der
from ppcommon.signing_keys import ParameterKeys, SigningKeysError, parse_key_set
from pptesting import tokens
from pptesting.aws import signing_keys_parameter, write_key_set

PARAMETER = signing_keys_parameter()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Counted:
    """ParameterKeys over moto, counting SSM reads and KMS public-key fetches."""

    def __init__(self) -> None:
        self.reads = 0
        self.fetches: list[str] = []
        self.clock = FakeClock()
        self.keys = ParameterKeys(
            PARAMETER,
            read_parameter=self._read,
            fetch_public_key=self._fetch,
            clock=self.clock,
        )

    def _read(self, name: str) -> str:
        self.reads += 1
        return signing_keys._read_parameter(name)

    def _fetch(self, kid: str) -> Es256PublicKey:
        self.fetches.append(kid)
        return signing_keys._fetch_public_key(kid)


def new_kms_key(spec: str = "ECC_NIST_P256") -> str:
    usage = "ENCRYPT_DECRYPT" if spec == "SYMMETRIC_DEFAULT" else "SIGN_VERIFY"
    key_id: str = boto3.client("kms").create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"][
        "KeyId"
    ]
    return key_id


def kms_token(kid: str, **overrides: Any) -> str:
    """A token signed in KMS (moto) by ``kid``, as the account issuer makes them."""

    def segment(document: dict[str, Any]) -> str:
        raw = json.dumps(document, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signing_input = (
        f"{segment({'alg': 'ES256', 'typ': 'JWT', 'kid': kid})}."
        f"{segment(tokens.claims(**overrides))}"
    )
    der = boto3.client("kms").sign(
        KeyId=kid,
        Message=signing_input.encode(),
        MessageType="RAW",
        SigningAlgorithm="ECDSA_SHA_256",
    )["Signature"]
    raw = raw_signature_from_der(der)
    return f"{signing_input}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


@pytest.fixture
def key_a(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    kid = new_kms_key()
    write_key_set(active=kid, accepted=[kid])
    monkeypatch.setenv("SIGNING_KEYS_PARAMETER", PARAMETER)
    return kid


def test_a_kms_signed_token_verifies_through_the_published_key_set(key_a: str) -> None:
    claims = jwt.verify_access_token(kms_token(key_a, user_id="u1", tenant_id="t1"))

    assert (claims.user_id, claims.tenant_id) == ("u1", "t1")
    assert signing_keys.active_key_id() == key_a


def test_a_token_signed_by_any_other_key_is_refused(key_a: str) -> None:
    outsider = new_kms_key()  # a real KMS key of the account, just not in the key set

    with pytest.raises(Unauthorized, match="not accepted"):
        jwt.verify_access_token(kms_token(outsider))
    with pytest.raises(Unauthorized, match="signature"):
        jwt.verify_access_token(tokens.sign(tokens.claims(), kid=key_a))  # local key, real kid


def test_public_keys_are_fetched_once_and_never_per_request(key_a: str) -> None:
    counted = Counted()

    for _ in range(5):
        jwt.verify_access_token(kms_token(key_a), keys=counted.keys)

    assert (counted.reads, counted.fetches) == (1, [key_a])


def test_an_unknown_kid_refreshes_once_per_30_seconds_then_is_refused(key_a: str) -> None:
    counted = Counted()
    jwt.verify_access_token(kms_token(key_a), keys=counted.keys)
    forged = tokens.sign(tokens.claims(), kid=tokens.UNKNOWN_KID)

    for _ in range(3):
        with pytest.raises(Unauthorized, match="not accepted"):
            jwt.verify_access_token(forged, keys=counted.keys)
    assert counted.reads == 2  # the first read, then one refresh for all three
    counted.clock.now += signing_keys.UNKNOWN_KID_REFRESH
    with pytest.raises(Unauthorized):
        jwt.verify_access_token(forged, keys=counted.keys)
    assert counted.reads == 3
    assert counted.fetches == [key_a]  # an unaccepted kid never reaches KMS


def test_a_rotation_signs_nobody_out(key_a: str) -> None:
    counted = Counted()
    before = kms_token(key_a)
    jwt.verify_access_token(before, keys=counted.keys)  # this container knows only A
    key_b = new_kms_key()
    write_key_set(active=key_b, accepted=[key_b, key_a])  # rotate: B active, A previous

    after = kms_token(key_b)

    assert jwt.verify_access_token(after, keys=counted.keys)  # unknown kid -> refresh -> B
    assert jwt.verify_access_token(before, keys=counted.keys)  # A's tokens still valid
    assert counted.keys.key_set().active == key_b


def test_a_retired_key_stops_verifying_once_the_set_is_reread(key_a: str) -> None:
    counted = Counted()
    old = kms_token(key_a)
    key_b = new_kms_key()
    write_key_set(active=key_b, accepted=[key_b, key_a])
    jwt.verify_access_token(old, keys=counted.keys)
    write_key_set(active=key_b, accepted=[key_b])  # retire A

    counted.clock.now += signing_keys.KEY_SET_MAX_AGE

    with pytest.raises(Unauthorized, match="not accepted"):
        jwt.verify_access_token(old, keys=counted.keys)


def test_a_failed_reread_keeps_the_set_it_has(key_a: str) -> None:
    counted = Counted()
    jwt.verify_access_token(kms_token(key_a), keys=counted.keys)
    counted.clock.now += signing_keys.KEY_SET_MAX_AGE
    boto3.client("ssm").delete_parameter(Name=PARAMETER)

    assert jwt.verify_access_token(kms_token(key_a), keys=counted.keys)
    assert jwt.verify_access_token(kms_token(key_a), keys=counted.keys)
    assert counted.reads == 2  # one failed reread, then a pause of FAILED_REFRESH_RETRY


def test_concurrent_first_requests_read_and_fetch_once(key_a: str) -> None:
    counted = Counted()
    token = kms_token(key_a)
    errors: list[BaseException] = []

    def verify() -> None:
        try:
            jwt.verify_access_token(token, keys=counted.keys)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=verify) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (errors, counted.reads, counted.fetches) == ([], 1, [key_a])


@pytest.mark.parametrize(
    ("spec", "message"),
    [("SYMMETRIC_DEFAULT", "ECC_NIST_P256 SIGN_VERIFY"), ("RSA_2048", "ECC_NIST_P256")],
)
def test_a_key_set_naming_a_key_of_another_kind_is_a_clear_error(
    aws: None, monkeypatch: pytest.MonkeyPatch, spec: str, message: str
) -> None:
    kid = new_kms_key(spec)
    write_key_set(active=kid, accepted=[kid])
    monkeypatch.setenv("SIGNING_KEYS_PARAMETER", PARAMETER)

    with pytest.raises(SigningKeysError, match=message):
        jwt.verify_access_token(tokens.sign(tokens.claims(), kid=kid))


def test_the_legacy_window_comes_from_the_key_set(
    key_a: str, jwt_secret_arn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    legacy = tokens.sign_hs256(tokens.claims(sid=None))
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    write_key_set(active=key_a, accepted=[key_a], legacy_hs256_until=later)

    assert jwt.verify_access_token(legacy).session_id == ""  # secret from Secrets Manager

    earlier = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
    write_key_set(active=key_a, accepted=[key_a], legacy_hs256_until=earlier)
    signing_keys.reset()
    with pytest.raises(Unauthorized, match="algorithm must be ES256"):
        jwt.verify_access_token(legacy)


def test_without_the_parameter_variable_the_error_names_it() -> None:
    with pytest.raises(ConfigurationError, match="SIGNING_KEYS_PARAMETER is unset"):
        jwt.verify_access_token(tokens.sign(tokens.claims()))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not JSON"),
        ("[]", "not an object"),
        ('{"active": "a", "accepted": ["a"], "extra": 1}', "unknown fields"),
        ('{"accepted": ["a"]}', '"active" must be a KMS key id'),
        ('{"active": "", "accepted": ["a"]}', '"active" must be a KMS key id'),
        ('{"active": "a", "accepted": []}', "non-empty list"),
        ('{"active": "a", "accepted": "a"}', "non-empty list"),
        ('{"active": "a", "accepted": ["a", 3]}', r'"accepted"\[1\]'),
        ('{"active": "a", "accepted": ["a", "a"]}', "twice"),
        ('{"active": "a", "accepted": ["b"]}', 'not in "accepted"'),
        ('{"active": "a", "accepted": ["a"], "legacyHs256Until": 5}', "ISO-8601"),
        ('{"active": "a", "accepted": ["a"], "legacyHs256Until": "soon"}', "'soon'"),
    ],
)
def test_a_malformed_key_set_names_the_parameter_and_the_fix(text: str, message: str) -> None:
    with pytest.raises(SigningKeysError, match=message) as raised:
        parse_key_set(text, source=PARAMETER)

    assert PARAMETER in str(raised.value)


def test_a_well_formed_key_set_parses() -> None:
    key_set = parse_key_set(
        '{"active":"b","accepted":["b","a"],"legacyHs256Until":"2026-12-01T10:00:00Z"}',
        source=PARAMETER,
    )

    assert (key_set.active, key_set.accepted) == ("b", ("b", "a"))
    assert key_set.legacy_hs256_open(key_set.legacy_hs256_until - 1)  # type: ignore[operator]
    assert not key_set.legacy_hs256_open(key_set.legacy_hs256_until)  # type: ignore[arg-type]
    assert parse_key_set('{"active":"a","accepted":["a"]}', source="p").legacy_hs256_until is None
