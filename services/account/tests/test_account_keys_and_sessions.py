"""Issue 12 in the account service, in-process against moto and a real redis-server: ES256
tokens signed by the KMS key, and sessions that end everywhere (logout, logout-all, password
change, deletion), each refused when it must be."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from account import account_events, auth, sessions, tokens, users
from ppcommon import signing_keys
from ppcommon.config import ConfigurationError
from pptesting import reset_ppcommon
from pptesting.account_contract import PASSWORD, b64url, expect_refused_within_a_second

NEW_PASSWORD = "an-entirely-new-passphrase-7"
FAILED_LOGIN = {"error": {"code": "unauthorized", "message": auth.INVALID_CREDENTIALS}}


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    head, body, signature = token.split(".")

    def decode(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    return json.loads(decode(head)), json.loads(decode(body)), decode(signature)


def _verifies_with(public_der: bytes, token: str) -> bool:
    head, body, _ = token.split(".")
    raw = _segments(token)[2]
    public = load_der_public_key(public_der)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{head}.{body}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return True


def _session_item(dynamodb: Any, session_id: str) -> dict[str, Any]:
    item: dict[str, Any] = dynamodb.Table("purposepath-sessions-test").get_item(
        Key={"sessionId": session_id}
    )["Item"]
    return item


def _rev(store: Any, key: str) -> tuple[object, object]:
    """(value, remaining TTL) of a revocation key, read as the test's admin user."""
    return store.command("GET", key), store.command("TTL", key)


def _me(client: Any, token: str) -> Any:
    return client.call("GET", "/auth/me", token=token)


@pytest.fixture
def captured_metrics(capfd: pytest.CaptureFixture[str]):
    """Names of the EMF metrics printed since the last call (Powertools writes to stdout)."""

    def read() -> list[str]:
        names = []
        for line in capfd.readouterr().out.splitlines():
            if line.startswith('{"_aws"'):
                for directive in json.loads(line)["_aws"]["CloudWatchMetrics"]:
                    names += [metric["Name"] for metric in directive["Metrics"]]
        return names

    return read


# --- the issuer ---------------------------------------------------------------------------


def test_login_answers_an_es256_token_the_kms_public_key_verifies(
    client, account_aws, signing_kid, kms_public_key
) -> None:
    account = client.register()
    header, claims, signature = _segments(account.access_token)
    assert header == {"alg": "ES256", "typ": "JWT", "kid": signing_kid}
    assert len(signature) == 64  # raw r || s, not KMS's DER
    assert _verifies_with(kms_public_key(signing_kid), account.access_token)
    assert list(claims) == ["sub", "tid", "role", "sid", "iss", "aud", "iat", "exp", "jti", "typ"]
    assert (claims["sub"], claims["tid"], claims["exp"] - claims["iat"]) == (
        account.user_id,
        account.tenant_id,
        tokens.ACCESS_TOKEN_TTL,
    )
    # sid names the refresh session login opened.
    assert _session_item(account_aws, claims["sid"])["userId"] == account.user_id
    assert _me(client, account.access_token).status == 200


def test_a_refreshed_token_keeps_the_session_and_is_a_new_token(client) -> None:
    account = client.register()
    pair = client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token})
    assert pair.status == 200
    before, after = _segments(account.access_token)[1], _segments(pair.json()["accessToken"])[1]
    assert after["sid"] == before["sid"]
    assert after["jti"] != before["jti"]


def test_tokens_signed_by_any_other_p256_key_are_refused(client, publish_keys) -> None:
    account = client.register()
    header, claims, _ = _segments(account.access_token)
    attacker = ec.generate_private_key(ec.SECP256R1())
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: PLC0415

    r, s = decode_dss_signature(attacker.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    forged = f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
    assert _me(client, forged).status == 401  # the real kid, another key's signature
    unknown_kid = {**header, "kid": "00000000-0000-4000-8000-000000000000"}
    head = b64url(json.dumps(unknown_kid).encode())
    assert _me(client, f"{head}.{forged.split('.', 1)[1]}").status == 401
    assert _me(client, account.access_token).status == 200  # control: the real token works


def test_a_rotation_signs_with_the_new_key_and_accepts_the_previous_one_until_retired(
    client, account_aws, publish_keys, signing_kid, new_signing_key
) -> None:
    account = client.register()
    other = new_signing_key()
    publish_keys(other, [other, signing_kid])  # a rotation: the new key signs
    rotated = client.login(account.email)["accessToken"]
    assert _segments(rotated)[0]["kid"] == other
    assert _me(client, rotated).status == 200
    assert _me(client, account.access_token).status == 200  # the previous key still counts
    publish_keys(other, [other])  # the previous key retired
    assert _me(client, account.access_token).status == 401


def test_the_issuer_signs_with_the_containers_key_set_until_it_is_re_read(
    client, account_aws, publish_keys, signing_kid, new_signing_key
) -> None:
    account = client.register()
    now = [0.0]
    parameter = signing_keys.default_keys().parameter  # type: ignore[union-attr]
    signing_keys.install(signing_keys.ParameterKeys(parameter, clock=lambda: now[0]))
    assert _segments(client.login(account.email)["accessToken"])[0]["kid"] == signing_kid
    other = new_signing_key()
    publish_keys(other, [other, signing_kid], reset=False)  # a rotation behind its back
    now[0] += signing_keys.KEY_SET_MAX_AGE - 1
    assert _segments(client.login(account.email)["accessToken"])[0]["kid"] == signing_kid
    now[0] += 2
    assert _segments(client.login(account.email)["accessToken"])[0]["kid"] == other


def test_der_signatures_convert_to_64_bytes_and_refuse_other_curves() -> None:
    raw = tokens.der_to_raw_signature(encode_dss_signature(1, 2**255))
    assert raw == (1).to_bytes(32, "big") + (2**255).to_bytes(32, "big")
    with pytest.raises(tokens.SigningError, match="ECC_NIST_P256"):
        tokens.der_to_raw_signature(encode_dss_signature(1, 2**300))  # P-384-sized
    with pytest.raises(tokens.SigningError, match="ECC_NIST_P256"):
        tokens.der_to_raw_signature(b"\x30\x03garbage")


def test_without_the_key_set_variable_login_fails_naming_it(client, monkeypatch) -> None:
    account = client.register()
    monkeypatch.delenv("SIGNING_KEYS_PARAMETER")
    reset_ppcommon()  # a container started without it
    with pytest.raises(ConfigurationError, match="SIGNING_KEYS_PARAMETER"):
        tokens.issue_access_token(users.User("u", "e@x.io", "n", "t", "owner", "-"), "s")
    reply = client.call("POST", "/auth/login", body={"email": account.email, "password": PASSWORD})
    assert reply.status == 500  # no token without a key: a deployment defect, logged


def test_the_issuer_refuses_what_no_verifier_would_accept(account_aws) -> None:
    user = users.User("u", "e@x.io", "n", "t", "owner", "-")
    with pytest.raises(ValueError, match="session_id"):
        tokens.issue_access_token(user, "")
    with pytest.raises(ValueError, match="ttl"):
        tokens.issue_access_token(user, "s", ttl=3601)
    with pytest.raises(ValueError, match="tenant_id"):
        tokens.issue_access_token(dataclasses.replace(user, tenant_id=""), "s")


# --- logout and logout-all --------------------------------------------------------------------


def test_logout_revokes_the_token_and_its_session_in_the_store(client, revocation_store) -> None:
    account = client.register()
    claims = _segments(account.access_token)[1]
    body = {"refreshToken": account.refresh_token}
    assert client.call("POST", "/auth/logout", token=account.access_token, body=body).status == 204
    expect_refused_within_a_second(client, account.access_token, "the token after logout")
    value, ttl = _rev(revocation_store, f"rev:jti:{claims['jti']}")
    assert value == b"1"
    assert isinstance(ttl, int)
    assert 0 < ttl <= claims["exp"] - int(time.time()) + 1
    value, ttl = _rev(revocation_store, f"rev:sid:{claims['sid']}")
    assert value == b"1"
    assert isinstance(ttl, int)
    assert 3600 < ttl <= 3660


def test_logout_ends_the_callers_session_even_with_another_sessions_refresh_token(
    client, account_aws
) -> None:
    account = client.register()
    second = client.login(account.email)
    body = {"refreshToken": second["refreshToken"]}
    assert client.call("POST", "/auth/logout", token=account.access_token, body=body).status == 204
    for refresh_token in (account.refresh_token, second["refreshToken"]):
        reply = client.call("POST", "/auth/refresh", body={"refreshToken": refresh_token})
        assert reply.status == 401


def test_logout_all_ends_every_session_of_the_user_and_no_one_elses(
    client, account_aws, revocation_store
) -> None:
    account, bystander = client.register(), client.register()
    second = client.login(account.email)
    assert client.call("POST", "/auth/logout-all").status == 401
    assert client.call("POST", "/auth/logout-all", token=account.access_token).status == 204
    for token in (account.access_token, second["accessToken"]):
        sid = _segments(token)[1]["sid"]
        assert _session_item(account_aws, sid)["status"] == sessions.REVOKED
        assert _rev(revocation_store, f"rev:sid:{sid}")[0] == b"1"
        expect_refused_within_a_second(client, token, "a token of an ended session")
    assert _me(client, bystander.access_token).status == 200


def test_a_refresh_in_a_revoked_session_fails(client) -> None:
    account = client.register()
    assert client.call("POST", "/auth/logout-all", token=account.access_token).status == 204
    reply = client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token})
    assert reply.status == 401


def test_refresh_token_reuse_also_ends_the_sessions_access_tokens(client, revocation_store) -> None:
    account = client.register()
    body = {"refreshToken": account.refresh_token}
    fresh = client.call("POST", "/auth/refresh", body=body).json()
    assert client.call("POST", "/auth/refresh", body=body).status == 401  # reuse
    sid = _segments(account.access_token)[1]["sid"]
    assert _rev(revocation_store, f"rev:sid:{sid}")[0] == b"1"
    expect_refused_within_a_second(client, fresh["accessToken"], "a token of a copied session")


def test_no_new_token_for_a_tenant_that_is_gone(client, account_aws) -> None:
    account = client.register()
    # A member outliving its tenant (rev:tenant expires after an hour; the gap does not).
    account_aws.Table("purposepath-tenants-test").delete_item(Key={"tenantId": account.tenant_id})
    reply = client.call("POST", "/auth/refresh", body={"refreshToken": account.refresh_token})
    assert reply.status == 401
    sid = _segments(account.access_token)[1]["sid"]
    assert _session_item(account_aws, sid)["status"] == sessions.REVOKED


def test_a_revocation_store_that_is_down_fails_the_logout_loudly(client, monkeypatch) -> None:
    account = client.register()
    client.call("GET", "/health")
    from pptesting import reset_ppcommon  # noqa: PLC0415

    monkeypatch.setenv("REDIS_PORT", "9")  # nothing listens: connection refused
    reset_ppcommon()
    body = {"refreshToken": account.refresh_token}
    reply = client.call("POST", "/auth/logout", token=account.access_token, body=body)
    assert reply.status in (500, 503)  # never a 204 while the token still works elsewhere


# --- password change -------------------------------------------------------------------------


def _change(client: Any, token: str, current: str = PASSWORD, new: str = NEW_PASSWORD) -> Any:
    body = {"currentPassword": current, "newPassword": new}
    return client.call("POST", "/auth/password", token=token, body=body)


def test_a_password_change_ends_every_session_and_answers_a_new_one(
    client, account_aws, revocation_store
) -> None:
    account = client.register()
    second = client.login(account.email)
    reply = _change(client, account.access_token)
    assert reply.status == 200
    assert reply.headers["cache-control"] == "no-store"
    pair = reply.json()
    new_sid = _segments(pair["accessToken"])[1]["sid"]
    for token in (account.access_token, second["accessToken"]):
        sid = _segments(token)[1]["sid"]
        assert sid != new_sid
        assert _session_item(account_aws, sid)["status"] == sessions.REVOKED
        assert _rev(revocation_store, f"rev:sid:{sid}")[0] == b"1"
        expect_refused_within_a_second(client, token, "a token from before the change")
    assert _me(client, pair["accessToken"]).status == 200
    refreshed = client.call("POST", "/auth/refresh", body={"refreshToken": pair["refreshToken"]})
    assert refreshed.status == 200
    login = {"email": account.email, "password": NEW_PASSWORD}
    assert client.call("POST", "/auth/login", body=login).status == 200
    old = {"email": account.email, "password": PASSWORD}
    assert client.call("POST", "/auth/login", body=old).json() == FAILED_LOGIN


def test_a_password_change_needs_the_current_password(client, captured_metrics) -> None:
    account = client.register()
    captured_metrics()
    wrong = _change(client, account.access_token, current="not-" + PASSWORD)
    assert (wrong.status, wrong.json()) == (401, FAILED_LOGIN)
    assert captured_metrics().count("LoginFailed") == 1  # re-authentication is a login
    assert _me(client, account.access_token).status == 200  # nothing ended


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"newPassword": NEW_PASSWORD}, "'currentPassword' is required"),
        ({"currentPassword": PASSWORD}, "'newPassword' is required"),
        ({"currentPassword": PASSWORD, "newPassword": "short"}, "'newPassword' must have at least"),
        ({"currentPassword": PASSWORD, "newPassword": 12}, "'newPassword' must be a string"),
    ],
)
def test_a_password_change_validates_its_body(client, body, message) -> None:
    account = client.register()
    reply = client.call("POST", "/auth/password", token=account.access_token, body=body)
    assert reply.status == 400
    assert message in reply.json()["error"]["message"]


def test_destructive_routes_refuse_a_refresh_token_and_no_token(client) -> None:
    account = client.register()
    body = {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}
    for token in (account.refresh_token, None):
        assert client.call("POST", "/auth/password", token=token, body=body).status == 401
        reply = client.call("DELETE", "/auth/me", token=token, body={"password": PASSWORD})
        assert reply.status == 401
    assert users.find_by_id(account.user_id) is not None


def test_destructive_routes_refuse_a_token_whose_session_ended(
    client, account_aws, monkeypatch
) -> None:
    account = client.register()
    sid = _segments(account.access_token)[1]["sid"]
    # Ended in DynamoDB only, as if the revocation store had missed it: the account still
    # checks the session itself (strongly consistent) before anything destructive.
    sessions.end(sid)
    assert _change(client, account.access_token).json()["error"]["message"] == auth.SESSION_ENDED
    deleted = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    assert deleted.status == 401
    assert users.find_by_id(account.user_id) is not None


def test_destructive_routes_refuse_a_session_of_someone_else_or_none(client) -> None:
    account, other = client.register(), client.register()
    user = users.find_by_id(account.user_id)
    assert user is not None
    foreign_sid = _segments(other.access_token)[1]["sid"]
    for sid in (foreign_sid, "00000000-0000-4000-8000-000000000000"):
        token = tokens.issue_access_token(user, sid)  # validly signed, wrong session
        reply = client.call("DELETE", "/auth/me", token=token, body={"password": PASSWORD})
        assert reply.json()["error"]["message"] == auth.SESSION_ENDED
    assert users.find_by_id(account.user_id) is not None


# --- deletion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [None, b"", b"not json", b"[]", b"{}", b'{"password": 7}', b'{"password": "wrong-password"}'],
    ids=["no body", "empty", "not json", "array", "no password", "number", "wrong"],
)
def test_delete_me_without_the_right_password_is_a_failed_login(
    client, account_aws, published_events, body
) -> None:
    account = client.register()
    reply = client.call("DELETE", "/auth/me", token=account.access_token, raw=body)
    assert (reply.status, reply.json()) == (401, FAILED_LOGIN)
    assert users.find_by_id(account.user_id) is not None
    assert published_events.calls == []


def test_delete_me_revokes_the_user_and_tenant_and_publishes_both_events(
    client, account_aws, revocation_store, published_events
) -> None:
    account = client.register()
    second = client.login(account.email)
    reply = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    assert reply.status == 204
    assert _rev(revocation_store, f"rev:user:{account.user_id}")[0] == b"1"
    assert _rev(revocation_store, f"rev:tenant:{account.tenant_id}")[0] == b"1"
    assert published_events.calls == [
        ("user.deleted", account.user_id),
        ("tenant.deleted", account.tenant_id),
    ]
    for token in (account.access_token, second["accessToken"]):
        expect_refused_within_a_second(client, token, "a deleted user's token")


def test_delete_me_keeps_a_shared_tenant_and_its_tokens(
    client, account_aws, revocation_store, published_events
) -> None:
    account = client.register()
    account_aws.Table("purposepath-tenants-test").update_item(
        Key={"tenantId": account.tenant_id},
        UpdateExpression="SET ownerCount = :two",
        ExpressionAttributeValues={":two": 2},
    )
    reply = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    assert reply.status == 204
    assert _rev(revocation_store, f"rev:tenant:{account.tenant_id}")[0] is None
    assert published_events.calls == [("user.deleted", account.user_id)]


def test_a_failed_announcement_deletes_and_revokes_nothing(
    client, account_aws, revocation_store, monkeypatch
) -> None:
    account = client.register()

    def unavailable(user: users.User) -> None:
        raise RuntimeError("SNS is down")

    monkeypatch.setattr(account_events, "publish_user_deleted", unavailable)
    reply = client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )
    assert reply.status >= 500
    assert users.find_by_id(account.user_id) is not None
    assert _rev(revocation_store, f"rev:user:{account.user_id}")[0] is None
    assert _me(client, account.access_token).status == 200  # retry with the same token


def test_a_deletion_failing_after_the_announcement_can_be_retried_after_a_login(
    client, account_aws, revocation_store, published_events, monkeypatch
) -> None:
    account = client.register()
    real_delete = users.delete

    def broken(user: users.User) -> bool:
        raise RuntimeError("DynamoDB fell over")

    monkeypatch.setattr(users, "delete", broken)
    body = {"password": PASSWORD}
    failed = client.call("DELETE", "/auth/me", token=account.access_token, body=body)
    assert failed.status == 500
    expect_refused_within_a_second(client, account.access_token, "the token once announced")
    assert _rev(revocation_store, f"rev:user:{account.user_id}")[0] is None
    monkeypatch.setattr(users, "delete", real_delete)
    again = client.login(account.email)["accessToken"]  # the user can still sign in...
    retried = client.call("DELETE", "/auth/me", token=again, body=body)
    assert retried.status == 204  # ...and retry; the purges absorb the second announcement
    assert [kind for kind, _ in published_events.calls] == [
        "user.deleted",
        "tenant.deleted",
        "user.deleted",
        "tenant.deleted",
    ]
