"""Functional tests of the account handler in-process against moto: what the contract suite
cannot see from outside (stored items, expiry, races, logs, error shapes)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from account import clock, passwords, sessions, tokens, users
from pptesting.account_contract import (
    PASSWORD,
    expect_refused_within_a_second,
    token_claims,
    unique_email,
)

DAY = 24 * 3600


def _scan(dynamodb: Any, variable_table: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.Table(variable_table).scan()["Items"]
    return items


def _all_items(dynamodb: Any) -> str:
    return json.dumps(
        [
            _scan(dynamodb, name)
            for name in (
                "purposepath-users-test",
                "purposepath-tokens-test",
                "purposepath-tenants-test",
                "purposepath-sessions-test",
            )
        ],
        default=str,
    )


def _refresh(client: Any, token: str) -> Any:
    return client.call("POST", "/auth/refresh", body={"refreshToken": token})


def _delete_me(client: Any, account: Any) -> Any:
    return client.call(
        "DELETE", "/auth/me", token=account.access_token, body={"password": PASSWORD}
    )


def _move_clock(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + seconds)


# --- events as API Gateway sends them --------------------------------------------------


def test_health_through_the_custom_domain_strips_the_mapping_key(invoke, events) -> None:
    result = invoke(events("health-via-custom-domain.json"))
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"status": "ok", "service": "account", "runtime": "python"}


def test_a_base64_encoded_body_is_decoded(invoke, events, account_aws) -> None:
    result = invoke(events("register-base64-body.json"))
    assert result["statusCode"] == 202, result["body"]
    assert users.find_by_email("base64@example.com") is not None


def test_unknown_route_and_wrong_method_answer_the_error_shape(client) -> None:
    missing = client.call("GET", "/auth/nothing-here")
    assert missing.status == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = client.call("GET", "/auth/login")
    assert wrong.status == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert wrong.headers["allow"] == "POST"


# --- registration ------------------------------------------------------------------------


def test_register_stores_user_claim_and_tenant_without_the_password(client, account_aws) -> None:
    account = client.register(email="  Grace.Hopper@Example.COM ", tenant="Navy")
    user = account_aws.Table("purposepath-users-test").get_item(Key={"userId": account.user_id})[
        "Item"
    ]
    assert user["email"] == "grace.hopper@example.com"
    assert (user["role"], user["tenantId"], user["name"]) == (
        "owner",
        account.tenant_id,
        "Contract User",
    )
    assert user["passwordHash"].startswith(f"pbkdf2_sha256${passwords.ITERATIONS}$")
    claim = account_aws.Table("purposepath-users-test").get_item(
        Key={"userId": "EMAIL#grace.hopper@example.com"}
    )["Item"]
    assert claim["ownerId"] == account.user_id
    assert "email" not in claim
    tenant = account_aws.Table("purposepath-tenants-test").get_item(
        Key={"tenantId": account.tenant_id}
    )["Item"]
    assert (tenant["name"], tenant["ownerCount"]) == ("Navy", 1)
    assert PASSWORD not in _all_items(account_aws)
    assert account.refresh_token not in _all_items(account_aws)  # only its digest is stored


def test_a_registration_losing_the_race_leaves_nothing_behind(client, account_aws, mail_to) -> None:
    email = unique_email()
    # The other racer's claim committed between our validation and our transaction.
    account_aws.Table("purposepath-users-test").put_item(
        Item={"userId": f"EMAIL#{email}", "ownerId": "someone-else", "createdAt": 1}
    )
    reply = client.call(
        "POST",
        "/auth/register",
        body={"email": email, "password": PASSWORD, "name": "Late", "tenantName": "Late Co"},
    )
    # The same answer as any registration (it must not tell the email is taken) ...
    assert reply.status == 202
    assert reply.json()["status"] == "verification_sent"
    # ... but nothing of the loser is stored, and no one is mailed: the claim's owner has
    # no user item to mail.
    assert _scan(account_aws, "purposepath-tenants-test") == []
    assert len(_scan(account_aws, "purposepath-users-test")) == 1
    assert mail_to(email) == []


# --- login -------------------------------------------------------------------------------


def test_an_unknown_email_costs_a_kdf_like_a_wrong_password(client, monkeypatch) -> None:
    account = client.register()
    passwords.burn_equivalent_time("warm up the dummy hash")
    runs: list[int] = []
    real = passwords._derive
    monkeypatch.setattr(
        passwords, "_derive", lambda pw, salt, n: runs.append(n) or real(pw, salt, n)
    )
    unknown = client.call(
        "POST", "/auth/login", body={"email": unique_email(), "password": PASSWORD}
    )
    wrong = client.call(
        "POST", "/auth/login", body={"email": account.email, "password": "x" + PASSWORD}
    )
    assert unknown.status == wrong.status == 401
    assert (
        unknown.json()
        == wrong.json()
        == {"error": {"code": "unauthorized", "message": "invalid email or password"}}
    )
    assert runs == [passwords.ITERATIONS, passwords.ITERATIONS]


def test_login_upgrades_a_hash_made_at_a_lower_cost(client, account_aws, monkeypatch) -> None:
    account = client.register()
    monkeypatch.setattr(passwords, "ITERATIONS", 2 * passwords.ITERATIONS)
    client.login(account.email)
    stored = users.find_by_id(account.user_id)
    assert stored is not None
    assert stored.password_hash.startswith(f"pbkdf2_sha256${passwords.ITERATIONS}$")
    client.login(account.email)  # and the upgraded hash verifies


def test_login_opens_a_session_with_one_active_token(client, account_aws) -> None:
    account = client.register()
    [session] = _scan(account_aws, "purposepath-sessions-test")
    [token] = _scan(account_aws, "purposepath-tokens-test")
    assert session["userId"] == account.user_id
    assert session["status"] == "active"
    assert session["expiresAt"] - session["createdAt"] == 30 * DAY
    assert token["sessionId"] == session["sessionId"]
    assert token["status"] == "active"
    assert token["expiresAt"] - token["createdAt"] == 30 * DAY
    assert (
        token["tokenHash"]
        == __import__("hashlib").sha256(account.refresh_token.encode()).hexdigest()
    )


# --- refresh -----------------------------------------------------------------------------


def test_reuse_revokes_the_session_and_all_its_tokens(client, account_aws) -> None:
    account = client.register()
    rotated = _refresh(client, account.refresh_token).json()["refreshToken"]
    assert _refresh(client, account.refresh_token).status == 401
    [session] = _scan(account_aws, "purposepath-sessions-test")
    assert session["status"] == "revoked"
    assert {t["status"] for t in _scan(account_aws, "purposepath-tokens-test")} == {"revoked"}
    assert _refresh(client, rotated).status == 401


def test_a_rotation_lost_to_a_concurrent_one_counts_as_reuse(client, monkeypatch) -> None:
    account = client.register()
    stale = sessions.find(account.refresh_token)
    rotated = _refresh(client, account.refresh_token).json()["refreshToken"]
    # Our read saw the token active; by our write the other request had spent it.
    monkeypatch.setattr(sessions, "find", lambda token: stale)
    assert _refresh(client, account.refresh_token).status == 401
    monkeypatch.undo()
    assert _refresh(client, rotated).status == 401  # the whole session went with it


def test_an_expired_refresh_token_is_refused(client, monkeypatch) -> None:
    account = client.register()
    _move_clock(monkeypatch, 30 * DAY + 1)
    assert _refresh(client, account.refresh_token).status == 401


def test_rotation_never_outlives_the_session(client, monkeypatch) -> None:
    account = client.register()
    _move_clock(monkeypatch, 29 * DAY)
    fresh = _refresh(client, account.refresh_token)
    assert fresh.status == 200  # still inside the session's 30 days
    _move_clock(monkeypatch, 31 * DAY)  # the new token's own 30 days are not over yet
    assert _refresh(client, fresh.json()["refreshToken"]).status == 401


# --- logout, me, tenant, delete -------------------------------------------------------


def test_logout_revokes_the_session_and_the_access_token(client, account_aws) -> None:
    account = client.register()
    body = {"refreshToken": account.refresh_token}
    assert client.call("POST", "/auth/logout", token=account.access_token, body=body).status == 204
    [session] = _scan(account_aws, "purposepath-sessions-test")
    assert session["status"] == "revoked"
    # The same access token is over too (everywhere within a second).
    expect_refused_within_a_second(client, account.access_token, "the token after logout")


def test_logout_needs_a_refresh_token_field(client) -> None:
    account = client.register()
    reply = client.call("POST", "/auth/logout", token=account.access_token, body={})
    assert reply.status == 400
    assert "refreshToken" in reply.json()["error"]["message"]


def _signed_for(account: Any, **changes: str) -> str:
    """A token really signed by the account's KMS key, for a user record with ``changes``."""
    user = users.User(account.user_id, account.email, "n", account.tenant_id, "owner", "-")
    sid = token_claims(account.access_token)["sid"]
    return tokens.issue_access_token(dataclasses.replace(user, **changes), sid)


def test_a_token_naming_an_email_claim_as_subject_is_not_a_user(client) -> None:
    account = client.register()
    forged = _signed_for(account, user_id=f"EMAIL#{account.email}")
    assert client.call("GET", "/auth/me", token=forged).status == 401


def test_a_token_for_another_tenant_does_not_reach_the_user(client) -> None:
    alice, bob = client.register(), client.register()
    signed = _signed_for(alice, tenant_id=bob.tenant_id)  # validly signed, mismatched tenant
    assert client.call("GET", "/auth/me", token=signed).status == 401
    tenant = client.call("GET", "/tenants/current", token=signed)
    # The tenant comes from the verified token alone: this proves no path or body chooses it.
    assert tenant.json()["tenantId"] == bob.tenant_id


def test_delete_me_removes_everything_of_a_sole_owner(client, account_aws) -> None:
    account = client.register()
    client.login(account.email)  # a second session
    survivor = client.register()
    assert _delete_me(client, account).status == 204
    remaining = _all_items(account_aws)
    assert account.user_id not in remaining
    assert account.tenant_id not in remaining
    assert account.email not in remaining
    assert survivor.user_id in remaining  # nobody else's data


def test_delete_me_keeps_a_tenant_with_another_owner(client, account_aws) -> None:
    account = client.register()
    tenants = account_aws.Table("purposepath-tenants-test")
    tenants.update_item(
        Key={"tenantId": account.tenant_id},
        UpdateExpression="SET ownerCount = :two",
        ExpressionAttributeValues={":two": 2},
    )
    assert _delete_me(client, account).status == 204
    tenant = tenants.get_item(Key={"tenantId": account.tenant_id})["Item"]
    assert tenant["ownerCount"] == 1


# --- failures and logs ------------------------------------------------------------------


@pytest.fixture
def captured_logs(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture):
    """Everything logged: Powertools writes JSON to the stdout it found at import (so capture
    at the file descriptor), and records also reach pytest's log capture."""

    def read() -> str:
        out, err = capfd.readouterr()
        return out + err + caplog.text

    return read


def test_an_internal_error_answers_500_and_logs_no_secret(
    client, monkeypatch, captured_logs
) -> None:
    account = client.register()

    def broken(email: str) -> None:
        raise RuntimeError("dynamodb fell over")

    monkeypatch.setattr(users, "find_by_email", broken)
    reply = client.call("POST", "/auth/login", body={"email": account.email, "password": PASSWORD})
    assert reply.status == 500
    assert reply.json() == {"error": {"code": "internal_error", "message": "internal error"}}
    logs = captured_logs()
    assert "dynamodb fell over" in logs  # the defect is logged...
    assert PASSWORD not in logs  # ...but never the request body


def test_no_password_or_token_reaches_the_logs(client, captured_logs) -> None:
    account = client.register()
    rotated = _refresh(client, account.refresh_token).json()
    _refresh(client, account.refresh_token)  # reuse: logged as a warning
    client.call(
        "POST", "/auth/login", body={"email": account.email, "password": "wrong " + PASSWORD}
    )
    text = captured_logs()
    assert "reuse detected" in text
    for secret in (
        PASSWORD,
        account.refresh_token,
        account.access_token,
        rotated["refreshToken"],
        rotated["accessToken"],
    ):
        assert secret not in text


def _metric_names(output: str) -> list[str]:
    """Names of the CloudWatch EMF metrics printed (one JSON document per line)."""
    names = []
    for line in output.splitlines():
        if line.startswith('{"_aws"'):
            for directive in json.loads(line)["_aws"]["CloudWatchMetrics"]:
                names += [metric["Name"] for metric in directive["Metrics"]]
    return names


def test_security_events_are_counted_as_metrics(client, captured_logs) -> None:
    account = client.register()
    captured_logs()  # drop what registration printed
    client.call("POST", "/auth/login", body={"email": account.email, "password": "x" + PASSWORD})
    client.call("POST", "/auth/login", body={"email": unique_email(), "password": PASSWORD})
    _refresh(client, account.refresh_token)
    _refresh(client, account.refresh_token)  # reuse
    names = _metric_names(captured_logs())
    assert names.count("LoginFailed") == 2
    assert names.count("RefreshTokenReuse") == 1
