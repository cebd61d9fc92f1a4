"""The account events publisher against moto SNS: what a subscriber receives (the message
and its ``type`` attribute, exactly as the purge functions read them), and that a failed
publish is a clear 503, never a silent success."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from account import account_events
from account.users import OWNER, User
from ppcommon import aws as ppaws
from ppcommon.account_events import from_sns_event
from ppcommon.config import ConfigurationError

USER = User("user-7", "ada@example.com", "Ada", "tenant-7", OWNER, "hash")


@pytest.fixture
def subscriber(account_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The topic in ACCOUNT_EVENTS_TOPIC_ARN with an SQS queue subscribed; yields a reader."""
    sns, sqs = ppaws.client("sns"), ppaws.client("sqs")
    topic = sns.create_topic(Name="purposepath-account-events-test")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="account-events-subscriber")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv(account_events.TOPIC_VARIABLE, topic)

    def received() -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]

    return received


def as_lambda_event(notification: dict[str, Any]) -> dict[str, Any]:
    """An SNS notification (as SQS receives it) in the shape Lambda hands a subscriber."""
    attributes = {
        name: {"Type": value["Type"], "Value": value["Value"]}
        for name, value in notification.get("MessageAttributes", {}).items()
    }
    sns = {**notification, "MessageAttributes": attributes}
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": sns}]}


def test_user_deleted_reaches_subscribers_with_the_contracts_message_and_type(
    subscriber: Any,
) -> None:
    event_id = account_events.publish_user_deleted(USER)

    [notification] = subscriber()
    message = json.loads(notification["Message"])
    assert list(message) == ["type", "eventId", "tenantId", "userId", "occurredAt"]
    assert message["type"] == "user.deleted"
    assert message["eventId"] == event_id
    assert uuid.UUID(event_id).version == 4
    assert (message["tenantId"], message["userId"]) == ("tenant-7", "user-7")
    assert message["occurredAt"].endswith("Z")
    assert notification["Message"] == json.dumps(message, separators=(",", ":"))  # compact
    assert notification["MessageAttributes"] == {
        "type": {"Type": "String", "Value": "user.deleted"}
    }
    [parsed] = from_sns_event(as_lambda_event(notification))
    assert (parsed.type, parsed.tenant_id, parsed.user_id) == ("user.deleted", "tenant-7", "user-7")


def test_tenant_deleted_names_the_tenant_and_no_user(subscriber: Any) -> None:
    event_id = account_events.publish_tenant_deleted("tenant-7")

    [notification] = subscriber()
    message = json.loads(notification["Message"])
    assert list(message) == ["type", "eventId", "tenantId", "occurredAt"]
    assert (message["type"], message["eventId"], message["tenantId"]) == (
        "tenant.deleted",
        event_id,
        "tenant-7",
    )
    assert notification["MessageAttributes"]["type"]["Value"] == "tenant.deleted"
    [parsed] = from_sns_event(as_lambda_event(notification))
    assert parsed.user_id is None


def test_each_publish_is_a_new_event(subscriber: Any) -> None:
    first = account_events.publish_user_deleted(USER)
    second = account_events.publish_user_deleted(USER)

    assert first != second
    assert len(subscriber()) == 2


def test_a_failed_publish_is_a_503_that_says_nothing_was_deleted(
    account_aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = "arn:aws:sns:eu-west-1:123456789012:purposepath-account-events-gone"
    monkeypatch.setenv(account_events.TOPIC_VARIABLE, missing)

    with pytest.raises(account_events.AccountEventsUnavailable) as refused:
        account_events.publish_user_deleted(USER)

    assert refused.value.status == 503
    assert "nothing was deleted" in refused.value.message
    assert refused.value.__cause__ is not None  # the SDK's error, for the log's stack trace


def test_a_missing_topic_variable_names_the_variable_and_the_fix(
    account_aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(account_events.TOPIC_VARIABLE, raising=False)

    with pytest.raises(ConfigurationError, match="ACCOUNT_EVENTS_TOPIC_ARN is unset"):
        account_events.publish_tenant_deleted("tenant-7")


def test_an_id_that_could_widen_a_purge_is_never_published(subscriber: Any) -> None:
    with pytest.raises(ValueError, match="'tenantId'"):
        account_events.publish_tenant_deleted("tenant-7#USER#")

    assert subscriber() == []
