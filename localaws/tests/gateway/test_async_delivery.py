"""SNS -> Lambda through a real local AWS server and gateway, with real workers.

"Invoking Lambda functions with Amazon SNS notifications" and "Asynchronous invocation"
(Lambda Developer Guide): a message published to a topic reaches the subscribed function
(SAM ``Events: Type: SNS``) asynchronously; a failing function is retried and its event
then lands in its dead-letter queue with Lambda's attributes; a function whose resource
policy does not let SNS invoke it never runs.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pplocalaws import control
from pplocalaws.extensions import install
from pplocalaws.gateway.server import build_server
from pplocalaws.iam.serving import EnforcingServer
from pplocalaws.local_endpoints import install as add_local_endpoints
from pplocalaws.resources.lambda_async_moto import queue

REGION = "us-east-1"
HANDLER = """
import json, os, time, uuid
import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def handler(event, context):
    record = event["Records"][0]
    sns = record["Sns"]
    if sns["Message"] == "slow":
        # Held until the test opens its gate (an item), never by a fixed sleep: the test
        # checks "not run yet" while it is held, however busy the machine.
        gate = {"id": "gate:" + sns["MessageId"]}
        deadline = time.monotonic() + 8  # within the function's Timeout
        while "Item" not in TABLE.get_item(Key=gate) and time.monotonic() < deadline:
            time.sleep(0.02)
    item = {
        "id": os.environ["TAG"] + ":" + sns["MessageId"] + ":" + uuid.uuid4().hex,
        "messageId": sns["MessageId"],
        "message": sns["Message"],
        "source": record["EventSource"],
        "type": sns["MessageAttributes"].get("type", {}).get("Value", ""),
    }
    TABLE.put_item(Item=item)  # with the function's role session: IAM enforced
    if sns["Message"] == "fail":
        raise RuntimeError("purge failed on purpose")
"""
TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Deliveries:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: deliveries
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Dlq:
    Type: AWS::SQS::Queue
    Properties: {QueueName: purge-dlq}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: account-events}
  Purge:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Timeout: 10
      CodeUri: {Bucket: async-code, Key: app.zip}
      Environment: {Variables: {TABLE: deliveries, TAG: purge}}
      Policies: [{DynamoDBCrudPolicy: {TableName: deliveries}}]
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      EventInvokeConfig: {MaximumRetryAttempts: 2}
      Events:
        Deleted:
          Type: SNS
          Properties: {Topic: !Ref Topic}
  # Subscribed without a Lambda permission for SNS: must never run.
  Unpermitted:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt PurgeRole.Arn
      Code: {S3Bucket: async-code, S3Key: app.zip}
      Environment: {Variables: {TABLE: deliveries, TAG: unpermitted}}
  UnpermittedSubscription:
    Type: AWS::SNS::Subscription
    Properties: {Protocol: lambda, Endpoint: !GetAtt Unpermitted.Arn, TopicArn: !Ref Topic}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    install()
    server = EnforcingServer("127.0.0.1", 0)
    add_local_endpoints(server)
    server.start()
    queue().reset(seconds_per_minute=0.2)  # Lambda's 1 and 2 minute waits: 0.2 s and 0.4 s
    yield f"http://127.0.0.1:{server.port}"
    server.stop()
    queue().reset()


@pytest.fixture(scope="module")
def gateway(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    served = build_server(_free_port(), endpoint, REGION, tmp_path_factory.mktemp("gateway"))
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield
    served.shutdown()
    served.server_close()
    served.registry.close()


def _client(endpoint: str, service: str) -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    return session.client(service, endpoint_url=endpoint)


@pytest.fixture(scope="module")
def stack(endpoint: str, gateway: None) -> dict[str, str]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", HANDLER)
    s3 = _client(endpoint, "s3")
    s3.create_bucket(Bucket="async-code")
    s3.put_object(Bucket="async-code", Key="app.zip", Body=archive.getvalue())
    cfn = _client(endpoint, "cloudformation")
    cfn.create_stack(
        StackName="async-delivery",
        TemplateBody=TEMPLATE,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    described = cfn.describe_stacks(StackName="async-delivery")["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
    topic = _client(endpoint, "sns").list_topics()["Topics"][0]["TopicArn"]
    dlq = _client(endpoint, "sqs").get_queue_url(QueueName="purge-dlq")["QueueUrl"]
    return {"topic": topic, "dlq": dlq}


def _publish(endpoint: str, topic: str, message: str) -> str:
    published = _client(endpoint, "sns").publish(
        TopicArn=topic,
        Message=message,
        MessageAttributes={"type": {"DataType": "String", "StringValue": "user.deleted"}},
    )
    return str(published["MessageId"])


def _deliveries(endpoint: str, message_id: str) -> list[dict[str, Any]]:
    items = _client(endpoint, "dynamodb").scan(TableName="deliveries")["Items"]
    found = [{k: v["S"] for k, v in item.items()} for item in items]
    return [item for item in found if item["messageId"] == message_id]


def _settled(endpoint: str) -> dict[str, Any]:
    answer = control.async_invocations(endpoint, wait_seconds=60)
    assert answer["idle"], answer
    return answer


def test_a_published_message_reaches_the_subscribed_function(
    endpoint: str, stack: dict[str, str]
) -> None:
    message_id = _publish(endpoint, stack["topic"], '{"type":"user.deleted"}')
    _settled(endpoint)
    [delivered] = _deliveries(endpoint, message_id)  # once, and only by the permitted one
    assert delivered["id"].startswith("purge:")
    assert (delivered["source"], delivered["type"]) == ("aws:sns", "user.deleted")
    assert delivered["message"] == '{"type":"user.deleted"}'


def test_publish_answers_before_the_function_has_run(endpoint: str, stack: dict[str, str]) -> None:
    message_id = _publish(endpoint, stack["topic"], "slow")  # held until the gate opens
    assert not control.async_invocations(endpoint)["idle"]
    assert _deliveries(endpoint, message_id) == []
    _client(endpoint, "dynamodb").put_item(
        TableName="deliveries",
        Item={"id": {"S": f"gate:{message_id}"}, "messageId": {"S": "gate"}},
    )
    _settled(endpoint)
    assert len(_deliveries(endpoint, message_id)) == 1


def test_a_failing_function_is_retried_then_its_event_lands_in_the_dead_letter_queue(
    endpoint: str, stack: dict[str, str]
) -> None:
    message_id = _publish(endpoint, stack["topic"], "fail")
    status = _settled(endpoint)
    assert len(_deliveries(endpoint, message_id)) == 3  # the attempt and two retries
    sqs = _client(endpoint, "sqs")
    answer = sqs.receive_message(
        QueueUrl=stack["dlq"], MessageAttributeNames=["All"], WaitTimeSeconds=1
    )
    [message] = answer["Messages"]
    event = json.loads(message["Body"])
    assert event["Records"][0]["Sns"]["MessageId"] == message_id
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ErrorCode"] == "200"
    assert attributes["ErrorMessage"] == "purge failed on purpose"
    [outcome] = [r for r in status["recent"] if r["requestId"] == attributes["RequestID"]]
    assert (outcome["outcome"], outcome["attempts"]) == ("deadLettered", 3)


def test_the_function_without_sns_permission_never_ran(
    endpoint: str, stack: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="pplocalaws.resources.sns_delivery"):
        message_id = _publish(endpoint, stack["topic"], "for both")
    _settled(endpoint)
    delivered = _deliveries(endpoint, message_id)
    assert [d["id"].split(":")[0] for d in delivered] == ["purge"]
    assert "SNS delivery refused" in caplog.text
    assert "Unpermitted" in caplog.text
    assert "has no resource-based policy" in caplog.text
