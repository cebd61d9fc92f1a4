"""The h-events seams: each test fails naming the moto attribute the local AWS relies on.

moto's SNS ``Subscription.publish`` delivers a ``lambda`` subscription's message by
calling ``LambdaBackend.send_sns_message``; moto's ``LambdaResponse.invoke`` answers 202
for an Event invocation when ``LambdaBackend.invoke`` returns a payload.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pplocalaws import seams

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(
            region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )


def _function(aws: boto3.Session) -> str:
    role = aws.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", "def handler(event, context):\n    return None\n")
    created = aws.client("lambda").create_function(
        FunctionName="fn",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    return str(created["FunctionArn"])


def _restore_hooks() -> None:
    # The local AWS's own hooks, as the resource modules installed them.
    from pplocalaws.resources import lambda_async_moto, sns_delivery  # noqa: PLC0415

    seams.deliver_sns_to_lambda_with(sns_delivery._deliver)
    seams.queue_event_invocations_with(lambda_async_moto._queue_event_invocation)


def test_deliver_sns_to_lambda_with(aws: boto3.Session) -> None:
    seen: list[tuple[Any, ...]] = []
    seams.deliver_sns_to_lambda_with(lambda *delivered: seen.append(delivered))
    try:
        arn = _function(aws)
        sns = aws.client("sns")
        topic = sns.create_topic(Name="t")["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
        published = sns.publish(
            TopicArn=topic,
            Message="m",
            Subject="s",
            MessageAttributes={"a": {"DataType": "String", "StringValue": "v"}},
        )
    finally:
        _restore_hooks()
    assert len(seen) == 1, (
        "moto changed: Subscription.publish no longer calls LambdaBackend.send_sns_message "
        "for a lambda subscription"
    )
    subscription, message_id, message, subject, attributes = seen[0]
    assert (subscription.endpoint, subscription.topic.arn) == (arn, topic)
    assert (message_id, message, subject) == (published["MessageId"], "m", "s")
    assert attributes == {"a": {"Type": "String", "Value": "v"}}, (
        "moto changed: Subscription.publish's message_attributes"
    )


def test_queue_event_invocations_with(aws: boto3.Session) -> None:
    seen: list[tuple[Any, ...]] = []

    def hook(backend: Any, name: str, qualifier: str | None, body: Any) -> str:
        seen.append((name, qualifier, body))
        return "request-1"

    seams.queue_event_invocations_with(hook)
    try:
        _function(aws)
        answer = aws.client("lambda").invoke(
            FunctionName="fn", InvocationType="Event", Payload=b'{"n":1}'
        )
    finally:
        _restore_hooks()
    assert answer["StatusCode"] == 202, "moto changed: LambdaResponse.invoke's Event answer"
    assert len(seen) == 1, "moto changed: LambdaBackend.invoke is no longer what Invoke calls"
    assert seen[0][:2] == ("fn", None)
