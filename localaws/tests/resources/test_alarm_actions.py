"""An alarm's state change publishes to its SNS topics, only as the topic and its key allow."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALARM = "purposepath-account-api-errors-dev"

ACCOUNT_ADMINISTERS_KEY = {
    "Sid": "Account",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
# The documented statement ("Enable compatibility between event sources from AWS services
# and encrypted topics"), as the shared template writes it.
CLOUDWATCH_USES_KEY = {
    "Sid": "CloudWatchAlarmsUseKey",
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
    "Resource": "*",
    "Condition": {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:purposepath-*-dev"
        },
    },
}
CLOUDWATCH_PUBLISHES = {
    "Sid": "CloudWatchPublishes",
    "Effect": "Allow",
    "Principal": {"Service": "cloudwatch.amazonaws.com"},
    "Action": "sns:Publish",
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
}
DENY_PLAIN_HTTP = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sns:Publish",
    "Resource": "*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class Setup:
    def __init__(self, aws: boto3.Session) -> None:
        self.kms = aws.client("kms")
        self.sns = aws.client("sns")
        self.sqs = aws.client("sqs")
        self.cloudwatch = aws.client("cloudwatch")

    def topic(
        self, key_statements: list[dict[str, Any]] | None, topic_statements: list[dict[str, Any]]
    ) -> tuple[str, str]:
        """An encrypted (or not) topic with a subscribed queue: (topic ARN, queue URL)."""
        attributes = {}
        if key_statements is not None:
            key = self.kms.create_key(Policy=_doc(*key_statements))["KeyMetadata"]["Arn"]
            attributes["KmsMasterKeyId"] = key
        topic = self.sns.create_topic(Name="purposepath-alarms-dev", Attributes=attributes)
        arn = topic["TopicArn"]
        self.sns.set_topic_attributes(
            TopicArn=arn, AttributeName="Policy", AttributeValue=_doc(*topic_statements)
        )
        queue = self.sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
        return arn, queue

    def alarm(self, topic: str, name: str = ALARM, **extra: Any) -> None:
        self.cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/Lambda",
            MetricName="Errors",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
            OKActions=[topic],
            **extra,
        )

    def set_state(self, state: str, name: str = ALARM) -> None:
        self.cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")

    def received(self, queue: str) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


@pytest.fixture
def setup(aws: boto3.Session) -> Setup:
    return Setup(aws)


def test_alarm_reaches_encrypted_topic_whose_key_allows_cloudwatch(setup: Setup) -> None:
    topic, queue = setup.topic(
        [ACCOUNT_ADMINISTERS_KEY, CLOUDWATCH_USES_KEY], [CLOUDWATCH_PUBLISHES, DENY_PLAIN_HTTP]
    )
    setup.alarm(topic)
    setup.set_state("ALARM")
    [message] = setup.received(queue)
    assert message["AlarmName"] == ALARM
    assert (message["OldStateValue"], message["NewStateValue"]) == ("OK", "ALARM")


def test_without_the_cloudwatch_key_statement_nothing_is_delivered_and_it_is_logged(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    topic, queue = setup.topic([ACCOUNT_ADMINISTERS_KEY], [CLOUDWATCH_PUBLISHES])
    setup.alarm(topic)
    with caplog.at_level(logging.WARNING, logger="pplocalaws.resources.alarm_actions"):
        setup.set_state("ALARM")  # AWS raises nothing to the caller either
    assert setup.received(queue) == []
    assert "alarm action refused" in caplog.text
    assert "does not allow cloudwatch.amazonaws.com kms:GenerateDataKey" in caplog.text


def test_the_key_statement_conditions_bind_it_to_the_stages_alarms(setup: Setup) -> None:
    topic, queue = setup.topic(
        [ACCOUNT_ADMINISTERS_KEY, CLOUDWATCH_USES_KEY], [CLOUDWATCH_PUBLISHES]
    )
    setup.alarm(topic, name="someone-elses-alarm")
    setup.set_state("ALARM", name="someone-elses-alarm")
    assert setup.received(queue) == []


def test_a_topic_policy_without_cloudwatch_refuses(setup: Setup) -> None:
    topic, queue = setup.topic(None, [DENY_PLAIN_HTTP])
    setup.alarm(topic)
    setup.set_state("ALARM")
    assert setup.received(queue) == []


def test_unencrypted_topic_needs_only_the_topic_policy(setup: Setup) -> None:
    topic, queue = setup.topic(None, [CLOUDWATCH_PUBLISHES])
    setup.alarm(topic)
    setup.set_state("ALARM")
    assert len(setup.received(queue)) == 1


def test_only_a_change_of_state_runs_actions_and_ok_runs_ok_actions(setup: Setup) -> None:
    topic, queue = setup.topic(
        [ACCOUNT_ADMINISTERS_KEY, CLOUDWATCH_USES_KEY], [CLOUDWATCH_PUBLISHES]
    )
    setup.alarm(topic)
    setup.set_state("OK")  # already OK: no transition, no action
    assert setup.received(queue) == []
    setup.set_state("ALARM")
    setup.set_state("ALARM")
    setup.set_state("OK")
    states = [m["NewStateValue"] for m in setup.received(queue)]
    assert sorted(states) == ["ALARM", "OK"]


def test_disabled_actions_publish_nothing(setup: Setup) -> None:
    topic, queue = setup.topic(None, [CLOUDWATCH_PUBLISHES])
    setup.alarm(topic, ActionsEnabled=False)
    setup.set_state("ALARM")
    assert setup.received(queue) == []
