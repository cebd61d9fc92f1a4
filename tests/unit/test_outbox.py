"""The local SES outbox as the engine reads it: the control routes it calls, the links the
journey's mailbox picks, ``invoke outbox``'s output and refusals, and ``up``'s SES steps.

The local AWS is a fake transport answering as its control routes are specified
(``ppdeploy.aws.outbox``); no network.
"""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from ppdeploy.aws.outbox import LocalOutbox, Mail
from ppdeploy.config import Stage
from ppdeploy.errors import InputError, TargetError
from ppdeploy.tasks import mail as mail_task
from ppdeploy.workflows import local_system, mailbox
from ppdeploy.workflows.mailbox import MailNotFound, OutboxMailbox, link_path, token_of

ENDPOINT = "http://127.0.0.1:4566"
TO = "success+verify-abc@simulator.amazonses.com"
NOW = 1_790_000_000.0


def message(subject: str, link: str, sent: float, to: str = TO) -> dict[str, Any]:
    return {
        "messageId": f"m-{sent}",
        "from": "no-reply@purposepath.app",
        "to": [to],
        "subject": subject,
        "text": f"Hello,\n\n{link}\n\nPurposePath",
        "links": [link],
        "sentAt": sent,
    }


VERIFY = "Verify your PurposePath email"
RESET = "Reset your PurposePath password"
LINK = "https://api.dev.purposepath.app/account/auth/verify-email?token=T1"


class FakeLocalAws:
    """The local AWS's SES control routes, recording every call."""

    def __init__(self, messages: list[dict[str, Any]] | None = None) -> None:
        self.messages = messages or []
        self.calls: list[tuple[str, str, Any]] = []
        self.status = 200

    def __call__(self, method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        self.calls.append((method, url, json.loads(body) if body else None))
        if self.status != 200:
            return self.status, b"no such route"
        if "/outbox" in url:
            return 200, json.dumps({"messages": self.messages}).encode()
        return 200, b"{}"


def outbox(fake: FakeLocalAws) -> LocalOutbox:
    return LocalOutbox(ENDPOINT, transport=fake)


def test_the_outbox_is_read_newest_first_with_the_limit_and_the_address() -> None:
    fake = FakeLocalAws([message(VERIFY, LINK, NOW)])

    found = outbox(fake).messages(to=TO, limit=5)

    assert fake.calls == [
        (
            "GET",
            f"{ENDPOINT}/_localaws/ses/outbox?limit=5&to=success%2Bverify-abc%40simulator.amazonses.com",
            None,
        )
    ]
    assert found == [
        Mail(
            message_id=f"m-{NOW}",
            sender="no-reply@purposepath.app",
            to=(TO,),
            subject=VERIFY,
            text=f"Hello,\n\n{LINK}\n\nPurposePath",
            links=(LINK,),
            sent_at=str(NOW),
        )
    ]
    assert found[0].to_json()["to"] == [TO]


def test_a_limit_outside_1_to_100_is_refused_before_asking() -> None:
    fake = FakeLocalAws()

    with pytest.raises(InputError, match="--limit 0 is out of range"):
        outbox(fake).messages(limit=0)
    with pytest.raises(InputError, match="--limit 101"):
        outbox(fake).messages(limit=101)
    assert fake.calls == []


def test_a_refusal_of_the_local_aws_is_named_with_its_message_and_the_fix() -> None:
    fake = FakeLocalAws()
    fake.status = 404

    with pytest.raises(TargetError, match=r"refused GET /_localaws/ses/outbox \(404\)") as e:
        outbox(fake).messages()

    assert e.value.cause == "no such route"
    assert "predates the SES outbox" in e.value.fix

    def unknown(_method: str, _url: str, _body: bytes | None) -> tuple[int, bytes]:
        return 404, b'{"message": "no identity \'a@b.example\' in 123456789012/us-east-1"}'

    with pytest.raises(TargetError, match="refused POST /_localaws/ses/verify-identity") as e:
        LocalOutbox(ENDPOINT, transport=unknown).verify_identity("a@b.example", "us-east-1")
    assert e.value.cause == "no identity 'a@b.example' in 123456789012/us-east-1"


def test_a_local_aws_that_does_not_answer_says_to_start_it() -> None:
    def refused(_method: str, _url: str, _body: bytes | None) -> tuple[int, bytes]:
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    with pytest.raises(TargetError, match="did not answer GET /_localaws/ses/outbox") as e:
        LocalOutbox(ENDPOINT, transport=refused).messages()

    assert "Connection refused" in e.value.cause


def test_an_answer_in_another_shape_is_refused_naming_what_came() -> None:
    def other(_method: str, _url: str, _body: bytes | None) -> tuple[int, bytes]:
        return 200, b'{"items": []}'

    with pytest.raises(TargetError, match="in a shape the engine does not read"):
        LocalOutbox(ENDPOINT, transport=other).messages()


def test_sent_at_reads_iso_8601_and_epoch_seconds() -> None:
    iso = Mail.from_json({"sentAt": "2026-12-03T17:00:00Z"})
    naive = Mail.from_json({"sentAt": "2026-12-03T17:00:00"})
    offset = Mail.from_json({"sentAt": "2026-12-03T18:00:00+01:00"})
    epoch = Mail.from_json({"sentAt": 1_790_000_000})

    assert iso.sent_epoch() == naive.sent_epoch() == offset.sent_epoch() == 1_796_317_200.0
    assert epoch.sent_epoch() == 1_790_000_000.0
    assert Mail.from_json({"sentAt": "yesterday"}).sent_epoch() is None


# The journey's mailbox


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def local_mailbox(fake: FakeLocalAws, clock: Clock) -> OutboxMailbox:
    return OutboxMailbox(outbox(fake), timeout=5.0, clock=clock, sleep=clock.sleep)


def test_the_newest_link_of_the_kind_asked_for_is_given() -> None:
    reset = "https://x/account/auth/password-reset?token=R"
    fake = FakeLocalAws(
        [
            message(RESET, reset, NOW + 2),
            message(VERIFY, LINK.replace("T1", "T2"), NOW + 1),
            message(VERIFY, LINK, NOW),
        ]
    )

    assert local_mailbox(fake, Clock()).latest_link(TO, "verify", NOW) == LINK.replace("T1", "T2")
    assert local_mailbox(fake, Clock()).latest_link(TO, "reset", NOW) == reset
    assert fake.calls[0][1].endswith("?limit=10&to=success%2Bverify-abc%40simulator.amazonses.com")


def test_a_message_sent_before_it_was_asked_for_is_not_taken() -> None:
    clock = Clock()
    fake = FakeLocalAws([message(VERIFY, LINK, NOW - 30)])

    with pytest.raises(MailNotFound, match="no 'Verify your PurposePath email' message") as e:
        local_mailbox(fake, clock).latest_link(TO, "verify", NOW)

    assert "1 recent message(s) to that address" in e.value.cause
    assert "invoke outbox" in e.value.fix
    assert clock.now >= NOW + 5.0  # it waited the whole timeout, polling
    assert len(fake.calls) > 2


def test_a_stamp_to_the_whole_second_still_counts_as_sent_after() -> None:
    fake = FakeLocalAws([message(VERIFY, LINK, NOW - 0.5)])

    assert local_mailbox(fake, Clock()).latest_link(TO, "verify", NOW) == LINK


def test_the_mailbox_waits_for_a_message_still_on_its_way() -> None:
    clock = Clock()
    fake = FakeLocalAws()
    original = fake.__call__

    def arrives_later(method: str, url: str, body: bytes | None) -> tuple[int, bytes]:
        if clock.now >= NOW + 1:
            fake.messages = [message(VERIFY, LINK, NOW + 1)]
        return original(method, url, body)

    mailbox_ = OutboxMailbox(
        LocalOutbox(ENDPOINT, transport=arrives_later), clock=clock, sleep=clock.sleep
    )

    assert mailbox_.latest_link(TO, "verify", NOW) == LINK
    assert NOW + 1 <= clock.now < NOW + 2


def test_a_link_is_followed_from_auth_on_with_its_query() -> None:
    assert link_path(LINK) == "/auth/verify-email?token=T1"
    assert link_path("https://abc.execute-api.us-east-1.amazonaws.com/auth/x?token=a%2Db") == (
        "/auth/x?token=a%2Db"
    )
    assert token_of(link_path(LINK)) == "T1"
    with pytest.raises(MailNotFound, match="does not lead to an /auth/ route"):
        link_path("https://evil.example/verify?token=T")
    with pytest.raises(MailNotFound, match="no single token"):
        token_of("/auth/verify-email?token=a&token=b")


# invoke outbox


DEV = Stage(
    name="dev", region="us-east-1", account_id="000000000000", domain="api.dev.purposepath.app"
)


def test_outbox_on_a_stage_not_running_here_says_where_the_mail_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mailbox.local_aws, "endpoint", lambda: None)

    with pytest.raises(InputError, match="stage dev has no outbox here") as e:
        mailbox.local_outbox(DEV)

    assert "recipients' inboxes" in e.value.cause
    assert "invoke up --stage dev" in e.value.fix

    monkeypatch.setattr(mailbox.local_aws, "endpoint", lambda: ENDPOINT)
    with pytest.raises(InputError, match="stage dev does not run on this machine") as e:
        mailbox.local_outbox(DEV, deployed_here=lambda _stage: False)
    assert "has no purposepath-shared-infrastructure-dev" in e.value.cause

    assert mailbox.local_outbox(DEV, deployed_here=lambda _stage: True).endpoint == ENDPOINT


def test_the_journey_has_a_mailbox_only_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mailbox.local_aws, "endpoint", lambda: ENDPOINT)

    assert mailbox.for_journey(local=False) is None
    local = mailbox.for_journey(local=True)
    assert isinstance(local, OutboxMailbox)
    assert local.outbox.endpoint == ENDPOINT


def run_outbox_task(monkeypatch: pytest.MonkeyPatch, fake: FakeLocalAws, **flags: Any) -> None:
    monkeypatch.setattr(mailbox, "local_outbox", lambda _stage: outbox(fake))
    mail_task.outbox(Context(), **flags)


def test_outbox_json_prints_the_local_aws_s_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeLocalAws([message(VERIFY, LINK, NOW)])

    run_outbox_task(monkeypatch, fake, json=True, to=TO, limit=3)

    printed = json.loads(capsys.readouterr().out)
    assert printed["messages"][0]["links"] == [LINK]
    assert printed["messages"][0]["to"] == [TO]
    assert "limit=3&to=" in fake.calls[0][1]


def test_outbox_prints_each_message_with_its_links_on_their_own_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_outbox_task(monkeypatch, FakeLocalAws([message(VERIFY, LINK, NOW)]))

    out = capsys.readouterr().out.splitlines()
    assert f"to:      {TO}" in out
    assert f"subject: {VERIFY}" in out
    assert f"link:    {LINK}" in out
    assert f"  | {LINK}" in out


def test_outbox_on_a_stage_not_running_here_exits_non_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mailbox.local_aws, "endpoint", lambda: None)

    with pytest.raises(Exit) as exited:
        mail_task.outbox(Context(), stage="prod")

    assert exited.value.code == 2
    assert "stage prod has no outbox here" in str(exited.value.message)
    assert "recipients' inboxes" in str(exited.value.message)


# invoke up: the local SES made to send


class FakeSes:
    """An SES v2 client's read of an identity's status."""

    def __init__(self, *, verified: bool = False) -> None:
        self.verified = verified

    def get_email_identity(self, *, EmailIdentity: str) -> dict[str, Any]:
        return {"IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": self.verified}


ADDRESS_ARN = "arn:aws:ses:us-east-1:123456789012:identity/no-reply@purposepath.app"
DOMAIN_ARN = "arn:aws:ses:us-east-1:123456789012:identity/purposepath.app"


def prepare(fake: FakeLocalAws, ses: FakeSes, arn: str | None) -> list[str]:
    said: list[str] = []
    exports = {"purposepath-email-identity-arn-dev": arn} if arn else {}
    local_system.prepare_ses(outbox(fake), ses, exports, DEV, said.append)
    return said


def test_up_follows_an_email_identity_s_verification_and_leaves_the_sandbox() -> None:
    fake = FakeLocalAws()

    said = prepare(fake, FakeSes(), ADDRESS_ARN)

    assert fake.calls == [
        (
            "POST",
            f"{ENDPOINT}/_localaws/ses/verify-identity",
            {"identity": "no-reply@purposepath.app", "region": "us-east-1"},
        ),
        ("POST", f"{ENDPOINT}/_localaws/ses/production-access", {"region": "us-east-1"}),
    ]
    assert "on AWS: its owner clicks the link" in said[0]
    assert "on AWS: request production access" in said[1]


def test_up_again_follows_no_link_for_a_verified_sender() -> None:
    fake = FakeLocalAws()

    said = prepare(fake, FakeSes(verified=True), ADDRESS_ARN)

    assert [c[1].rsplit("/", 1)[-1] for c in fake.calls] == ["production-access"]
    assert said[0] == "ses: sender no-reply@purposepath.app is verified"


def test_up_leaves_a_domain_identity_to_its_dkim_records() -> None:
    fake = FakeLocalAws()

    said = prepare(fake, FakeSes(), DOMAIN_ARN)

    assert [c[1].rsplit("/", 1)[-1] for c in fake.calls] == ["production-access"]
    assert "its DKIM records verify it" in said[0]


def test_up_without_an_identity_export_says_there_is_nothing_to_verify() -> None:
    fake = FakeLocalAws()

    said = prepare(fake, FakeSes(), None)

    assert said[0].startswith("ses: the shared stack exports no sender identity")
    assert [c[1].rsplit("/", 1)[-1] for c in fake.calls] == ["production-access"]


class FakeTarget:
    def __init__(self, *, is_local: bool) -> None:
        self.is_local = is_local

    def client(self, service: str) -> Any:
        assert service == "sesv2"
        return FakeSes(verified=True)


class FakeSession:
    def __init__(self, *, is_local: bool) -> None:
        self.target = FakeTarget(is_local=is_local)
        self.stage = DEV
        self.said: list[str] = []

    def exports(self) -> dict[str, str]:
        return {"purposepath-email-identity-arn-dev": DOMAIN_ARN}

    def say(self, text: str) -> None:
        self.said.append(text)


def test_a_session_s_journey_mailbox_is_the_prepared_local_outbox_or_none_on_aws(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeLocalAws()
    monkeypatch.setattr(mailbox.local_aws, "endpoint", lambda: ENDPOINT)
    monkeypatch.setattr(mailbox, "LocalOutbox", lambda endpoint: LocalOutbox(endpoint, fake))

    assert mailbox.for_session(FakeSession(is_local=False)) is None  # type: ignore[arg-type]
    assert fake.calls == []

    session = FakeSession(is_local=True)
    found = mailbox.for_session(session)  # type: ignore[arg-type]

    assert isinstance(found, OutboxMailbox)
    assert found.outbox.endpoint == ENDPOINT
    assert session.said == [
        "ses: sender purposepath.app is verified",
        "ses: the local account is out of the SES sandbox (on AWS: request production access "
        "in the SES console, once per account and region; AWS reviews it)",
    ]
