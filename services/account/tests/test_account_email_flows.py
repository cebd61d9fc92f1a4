"""Registration, email verification, password reset and login: what the contract suite
cannot see from outside (the work each request does, stored tokens, expiry, the mail
itself, the logs).

"The same work" is checked by recording every AWS call the handler makes (operation,
table or service, and whether a read was strongly consistent) for a known and an unknown
email and comparing the lists, and by counting KDF runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.client import BaseClient

from account import clock, passwords, users
from pptesting.account_contract import PASSWORD, link_token, unique_email

USERS = "purposepath-users-test"
BASE = "https://api.test.purposepath.app/account"
REGISTER_ACCEPTED = {
    "status": "verification_sent",
    "message": "if the address can receive mail, a message with a link is on its way",
}


def _register(client, email: str, password: str = PASSWORD):
    return client.call(
        "POST",
        "/auth/register",
        body={"email": email, "password": password, "name": "Ada", "tenantName": "Engines"},
    )


def _login(client, email: object, password: str = PASSWORD):
    return client.call("POST", "/auth/login", body={"email": email, "password": password})


def _scan(dynamodb: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.Table(USERS).scan()["Items"]
    return items


def _move_clock(monkeypatch: pytest.MonkeyPatch, seconds: int) -> None:
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + seconds)


def _logged(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Everything logged so far: stdout (Powertools' JSON lines) and the records with
    their extra fields."""
    records = [json.dumps(vars(record), default=str) for record in caplog.records]
    return capsys.readouterr().out + "\n".join(records)


@pytest.fixture
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, ...]]]:
    """Every AWS API call from here on: (service, operation, table, consistent read)."""
    calls: list[tuple[str, ...]] = []
    original = BaseClient._make_api_call

    def recording(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(
            (
                self.meta.service_model.service_name,
                operation,
                str(params.get("TableName", "")),
                str(params.get("ConsistentRead", "")),
            )
        )
        return original(self, operation, params)

    # botocore's own client class, not moto: every boto3 call goes through this method.
    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls


@pytest.fixture
def kdf_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per PBKDF2 run (its iteration count)."""
    runs: list[int] = []
    original = passwords._derive

    def counting(password: str, salt: bytes, iterations: int) -> bytes:
        runs.append(iterations)
        return original(password, salt, iterations)

    monkeypatch.setattr(passwords, "_derive", counting)
    return runs


def _work(calls: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The calls a request made, without the revocation/key-set reads every request may
    make once per container (SSM, Secrets Manager)."""
    return [call for call in calls if call[0] in ("dynamodb", "sesv2")]


# --- registration ---------------------------------------------------------------------


def test_a_new_registration_stores_an_unverified_user_and_mails_a_link(
    client, account_aws, mail_to
) -> None:
    reply = _register(client, "  Ada.Lovelace@Example.COM ")
    assert reply.status == 202
    assert reply.json() == REGISTER_ACCEPTED
    assert reply.headers["cache-control"] == "no-store"
    [mail] = mail_to("ada.lovelace@example.com")
    assert mail.sender == "no-reply@purposepath.test"
    assert mail.subject == "Verify your PurposePath email"
    [link] = mail.links
    assert link.startswith(f"{BASE}/auth/verify-email?token=")
    assert f"\n{link}\n" in mail.text  # alone on its line
    token = link_token(link)
    items = {item["userId"]: item for item in _scan(account_aws)}
    claim = items["EMAIL#ada.lovelace@example.com"]
    user = items[claim["ownerId"]]
    assert user["emailVerified"] is False
    stored = items[f"VERIFY#{hashlib.sha256(token.encode()).hexdigest()}"]
    assert (stored["ownerId"], stored["kind"]) == (user["userId"], "verify")
    assert stored["expiresAt"] - stored["createdAt"] == 24 * 3600
    assert token not in json.dumps(_scan(account_aws), default=str)  # only its digest


def test_registering_a_taken_email_answers_byte_for_byte_alike_and_does_the_same_work(
    client, account_aws, mail_to, aws_calls, kdf_runs
) -> None:
    verified = client.register()  # registered, verified, signed in
    unverified = unique_email()
    _register(client, unverified)
    answers, work, kdfs = {}, {}, {}
    for case, email in (
        ("new", unique_email()),
        ("taken and verified", verified.email.upper()),
        ("taken, not verified", unverified),
    ):
        aws_calls.clear()
        kdf_runs.clear()
        reply = _register(client, email, "a-different-" + PASSWORD)
        answers[case] = (reply.status, dict(reply.headers), reply.body)
        work[case], kdfs[case] = _work(aws_calls), list(kdf_runs)
    assert answers["new"] == answers["taken and verified"] == answers["taken, not verified"]
    assert work["new"] == work["taken and verified"] == work["taken, not verified"]
    assert [call[1] for call in work["new"]] == [
        "GetItem",
        "GetItem",
        "TransactWriteItems",
        "SendEmail",
    ]
    assert all(call[3] == "True" for call in work["new"] if call[1] == "GetItem")
    assert kdfs["new"] == kdfs["taken and verified"] == [passwords.ITERATIONS]
    # The verified holder is told someone tried; no link, no token.
    told = mail_to(verified.email)[-1]
    assert told.subject == "Someone tried to register with your email"
    assert told.links == []
    assert "reset your password" in told.text
    # The unverified one gets a fresh verification link; both links work until used.
    assert [m.subject for m in mail_to(unverified)] == ["Verify your PurposePath email"] * 2
    # Nobody's password changed.
    assert _login(client, verified.email).status == 200
    assert _login(client, verified.email, "a-different-" + PASSWORD).status == 401


def test_a_taken_email_keeps_its_password_when_registered_again(client, mail_to) -> None:
    email = unique_email()
    _register(client, email)
    _register(client, email, "attackers-" + PASSWORD)
    client.follow(mail_to(email)[-1].links[0])
    assert _login(client, email, "attackers-" + PASSWORD).status == 401
    assert _login(client, email).status == 200


def test_a_taken_email_whose_user_goes_mid_registration_is_answered_alike(
    client, account_aws, mail_to, monkeypatch
) -> None:
    account = client.register()
    sent_before = len(mail_to(account.email))
    found = users.find_by_email

    def then_deleted(email: str | None) -> users.User | None:
        user = found(email)
        if user is not None:  # the account is deleted right after this read
            account_aws.Table(USERS).delete_item(Key={"userId": user.user_id})
        return user

    monkeypatch.setattr(users, "find_by_email", then_deleted)
    reply = _register(client, account.email)
    assert (reply.status, reply.json()) == (202, REGISTER_ACCEPTED)
    assert len(mail_to(account.email)) == sent_before


def test_registration_still_refuses_bad_input_with_400(client, mail_to) -> None:
    reply = _register(client, "victim@example.com\u200b")
    assert reply.status == 400
    assert "U+200B" in reply.json()["error"]["message"]
    assert "field 'email'" in reply.json()["error"]["message"]
    assert mail_to("victim@example.com") == []


# --- verification ---------------------------------------------------------------------


def test_an_unverified_account_cannot_sign_in_with_the_right_password(client, mail_to) -> None:
    email = unique_email()
    _register(client, email)
    refused = _login(client, email)
    assert refused.status == 403
    assert refused.json()["error"]["code"] == "email_not_verified"
    # A wrong password still answers the failed-login 401: a guesser learns nothing.
    wrong = _login(client, email, "wrong-" + PASSWORD)
    assert wrong.status == 401
    assert wrong.json()["error"]["message"] == "invalid email or password"
    verified = client.call(
        "POST", "/auth/verify-email", body={"token": link_token(mail_to(email)[0].links[0])}
    )
    assert (verified.status, verified.json()) == (200, {"status": "verified"})
    assert _login(client, email).status == 200


def test_users_registered_before_verification_existed_count_as_verified(
    client, account_aws
) -> None:
    account = client.register()
    account_aws.Table(USERS).update_item(
        Key={"userId": account.user_id}, UpdateExpression="REMOVE emailVerified"
    )
    assert _login(client, account.email).status == 200


def test_a_verification_link_expires_after_24_hours(client, mail_to, monkeypatch) -> None:
    email = unique_email()
    _register(client, email)
    link = mail_to(email)[0].links[0]
    now = clock.now()
    _move_clock(monkeypatch, 24 * 3600)
    expired = client.follow(link)
    assert expired.status == 400
    assert expired.json()["error"]["code"] == "invalid_token"
    monkeypatch.setattr(clock, "now", lambda: now + 24 * 3600 - 1)
    assert client.follow(link).status == 200  # it was expiry, not the token


def test_tokens_of_one_kind_do_not_work_as_the_other(client, mail_to) -> None:
    account = client.register()
    verify_token = link_token(mail_to(account.email)[0].links[0])  # already spent: take a reset
    client.call("POST", "/auth/password-reset", body={"email": account.email})
    reset_token = link_token(mail_to(account.email)[-1].links[0])
    assert verify_token != reset_token
    reply = client.call("POST", "/auth/verify-email", body={"token": reset_token})
    assert reply.json()["error"]["code"] == "invalid_token"
    assert client.call("GET", f"/auth/password-reset?token={reset_token}").status == 200


# --- login ----------------------------------------------------------------------------


def test_login_does_the_same_work_for_known_unknown_and_unusable_emails(
    client, aws_calls, kdf_runs
) -> None:
    account = client.register()
    work, kdfs, answers = {}, {}, {}
    for case, email in (
        ("known, wrong password", account.email),
        ("unknown", unique_email()),
        ("unusable", "victim@example.com\u2060"),
        ("far too long", "a" * 5000 + "@example.com"),
    ):
        aws_calls.clear()
        kdf_runs.clear()
        reply = _login(client, email, "wrong-" + PASSWORD)
        work[case], kdfs[case] = _work(aws_calls), list(kdf_runs)
        answers[case] = (reply.status, reply.body)
    assert len(set(answers.values())) == 1
    expected = [("dynamodb", "GetItem", USERS, "True")] * 2
    assert all(calls == expected for calls in work.values()), work
    assert all(runs == [passwords.ITERATIONS] for runs in kdfs.values()), kdfs


# --- password reset -------------------------------------------------------------------


def test_a_reset_request_makes_the_same_dynamodb_calls_for_known_and_unknown_emails(
    client, account_aws, aws_calls, mail_to
) -> None:
    account = client.register()
    before = len(_scan(account_aws))
    calls, answers = {}, {}
    for case, email in (
        ("known", account.email),
        ("unknown", unique_email()),
        ("unusable", "victim@example.com\ufeff"),
    ):
        aws_calls.clear()
        reply = client.call("POST", "/auth/password-reset", body={"email": email})
        answers[case] = (reply.status, dict(reply.headers), reply.body)
        calls[case] = [call for call in _work(aws_calls) if call[0] == "dynamodb"]
    assert answers["known"] == answers["unknown"] == answers["unusable"]
    assert answers["known"][0] == 202
    assert calls["known"] == calls["unknown"] == calls["unusable"]
    assert [call[1] for call in calls["known"]] == ["GetItem", "GetItem", "PutItem"]
    # Only the known email's token was stored (the others' writes stored nothing), and
    # only the known address was mailed (the one difference: see FORMATS.md).
    assert len(_scan(account_aws)) == before + 1
    [mail] = [m for m in mail_to(account.email) if m.subject == "Reset your PurposePath password"]
    [link] = mail.links
    assert link.startswith(f"{BASE}/auth/password-reset?token=")
    assert f"\n{link}\n" in mail.text


def test_a_reset_link_expires_after_an_hour(client, mail_to, monkeypatch) -> None:
    account = client.register()
    client.call("POST", "/auth/password-reset", body={"email": account.email})
    token = link_token(mail_to(account.email)[-1].links[0])
    _move_clock(monkeypatch, 3600)
    assert client.call("GET", f"/auth/password-reset?token={token}").status == 400
    reply = client.call(
        "POST",
        "/auth/password-reset/confirm",
        body={"token": token, "newPassword": "x" * 12},
    )
    assert (reply.status, reply.json()["error"]["code"]) == (400, "invalid_token")


def test_a_reset_verifies_the_address_and_the_token_is_deleted(
    client, account_aws, mail_to
) -> None:
    email = unique_email()
    _register(client, email)  # never follows the verification link
    client.call("POST", "/auth/password-reset", body={"email": email})
    token = link_token(mail_to(email)[-1].links[0])
    key = f"RESET#{hashlib.sha256(token.encode()).hexdigest()}"
    assert account_aws.Table(USERS).get_item(Key={"userId": key}).get("Item") is not None
    done = client.call(
        "POST",
        "/auth/password-reset/confirm",
        body={"token": token, "newPassword": "brand-new-passphrase"},
    )
    assert done.status == 204
    assert account_aws.Table(USERS).get_item(Key={"userId": key}).get("Item") is None
    assert _login(client, email, "brand-new-passphrase").status == 200


# --- mail failures and logs -------------------------------------------------------------


def test_a_refused_send_answers_503_and_logs_no_address(
    client, mail_to, capsys, caplog, monkeypatch
) -> None:
    monkeypatch.setenv("EMAIL_FROM", "not-verified@elsewhere.test")  # SES: MessageRejected
    email = unique_email()
    reply = _register(client, email)
    assert reply.status == 503
    assert reply.json()["error"]["code"] == "email_unavailable"
    logged = _logged(capsys, caplog)
    assert "email not sent" in logged
    assert "MessageRejected" in logged
    assert email not in logged
    assert email.split("@")[0] not in logged
    # Registering again once mail works sends a fresh link: the account is not stuck.
    monkeypatch.setenv("EMAIL_FROM", "no-reply@purposepath.test")
    assert _register(client, email).status == 202
    assert client.follow(mail_to(email)[-1].links[0]).status == 200


def test_missing_mail_settings_answer_503(client, monkeypatch) -> None:
    monkeypatch.delenv("EMAIL_FROM")
    assert _register(client, unique_email()).status == 503
    monkeypatch.setenv("EMAIL_FROM", "no-reply@purposepath.test")
    account = client.register()
    monkeypatch.setenv("PUBLIC_BASE_URL", "api.example.com")  # no scheme
    reply = client.call("POST", "/auth/password-reset", body={"email": account.email})
    assert (reply.status, reply.json()["error"]["code"]) == (503, "email_unavailable")


def test_no_token_link_or_password_reaches_the_log(
    client, mail_to, capsys, caplog, monkeypatch
) -> None:
    email = unique_email()
    _register(client, email)
    verify_link = mail_to(email)[0].links[0]
    client.follow(verify_link)
    client.call("POST", "/auth/password-reset", body={"email": email})
    reset_link = mail_to(email)[-1].links[0]
    client.call(
        "POST",
        "/auth/password-reset/confirm",
        body={"token": link_token(reset_link), "newPassword": "logged-nowhere-pass"},
    )
    monkeypatch.setenv("EMAIL_FROM", "not-verified@elsewhere.test")
    assert client.call("POST", "/auth/password-reset", body={"email": email}).status == 503
    logged = _logged(capsys, caplog)
    assert "email not sent" in logged  # the capture works: a failure was logged
    for secret in (link_token(verify_link), link_token(reset_link), PASSWORD, email):
        assert secret not in logged


def test_without_a_public_base_links_use_the_apis_own_host(client, mail_to, monkeypatch) -> None:
    # A stage without a custom domain: the template cannot name the function's own API
    # (a circular dependency), so the link starts with the host API Gateway served.
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    email = unique_email()
    assert _register(client, email).status == 202
    link = mail_to(email)[-1].links[0]
    # The host of the test events (events/http-api-v2-base.json), as API Gateway sets it.
    host = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
    assert link.startswith(f"https://{host}/auth/verify-email?token=")
    assert client.follow(link).status == 200


def test_links_come_back_through_the_custom_domains_mapping(client, mail_to, monkeypatch) -> None:
    # Through the custom domain the path carries the mapping key: the link keeps it.
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    email = unique_email()
    body = {"email": email, "password": PASSWORD, "name": "Ada", "tenantName": "Engines"}
    assert client.call("POST", "/account/auth/register", body=body).status == 202
    link = mail_to(email)[-1].links[0]
    host = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
    assert link.startswith(f"https://{host}/account/auth/verify-email?token=")
