"""SNS -> Lambda delivery and the asynchronous invocation settings, on moto in-process.

"Invoking Lambda functions with Amazon SNS notifications" (Lambda Developer Guide): SNS
invokes the function asynchronously with the SNS event, when the function's resource
policy allows ``sns.amazonaws.com`` (SourceArn the topic). SAM's ``Events: Type: SNS``
generates the subscription and that permission; ``DeadLetterQueue`` and
``EventInvokeConfig`` generate the function's DeadLetterConfig (and the role's
sqs:SendMessage) and AWS::Lambda::EventInvokeConfig. Nothing runs here: the queue is
inspected (the gateway's runner is tested through the server in tests/gateway).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.extensions import install
from pplocalaws.resources.lambda_async import AsyncSettings, Invocation
from pplocalaws.resources.lambda_async_moto import queue, send_to_dead_letter, settings_of

ACCOUNT = "123456789012"
SAM = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq:
    Type: AWS::SQS::Queue
    Properties: {QueueName: purge-dlq}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: account-events}
  Purge:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: purge
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {Bucket: code, Key: purge.zip}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      EventInvokeConfig: {MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600}
      Events:
        Deleted:
          Type: SNS
          Properties: {Topic: !Ref Topic}
"""
# The same subscription without SAM's permission: SNS may not invoke the function.
UNPERMITTED = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: unpermitted
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: code, S3Key: purge.zip}
  Subscription:
    Type: AWS::SNS::Subscription
    Properties: {Protocol: lambda, Endpoint: !GetAtt Fn.Arn, TopicArn: TOPIC}
"""


@pytest.fixture
def deployed(aws: boto3.Session) -> Iterator[boto3.Session]:
    install()  # the SAM transform
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("app.py", "def handler(event, context):\n    return None\n")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="code")
    s3.put_object(Bucket="code", Key="purge.zip", Body=archive.getvalue())
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName="purge",
        TemplateBody=SAM,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    assert cfn.describe_stacks(StackName="purge")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    queue().reset()
    yield aws
    queue().reset()


def _topic(aws: boto3.Session) -> str:
    return f"arn:aws:sns:us-east-1:{ACCOUNT}:account-events"


def _queued() -> list[Invocation]:
    found = []
    while (claimed := queue().claim(0)) is not None:
        found.append(claimed)
    return found


def test_publish_queues_an_asynchronous_invocation_with_the_sns_event(
    deployed: boto3.Session,
) -> None:
    published = deployed.client("sns").publish(
        TopicArn=_topic(deployed),
        Message='{"type":"user.deleted"}',
        Subject="deleted",
        MessageAttributes={"type": {"DataType": "String", "StringValue": "user.deleted"}},
    )
    [invocation] = _queued()
    assert (invocation.function_name, invocation.qualifier) == ("purge", None)
    [record] = invocation.event["Records"]
    assert (record["EventSource"], record["EventVersion"]) == ("aws:sns", "1.0")
    assert record["EventSubscriptionArn"].startswith(_topic(deployed) + ":")
    sns = record["Sns"]
    assert sns["Type"] == "Notification"
    assert sns["MessageId"] == published["MessageId"]
    assert sns["TopicArn"] == _topic(deployed)
    assert (sns["Message"], sns["Subject"]) == ('{"type":"user.deleted"}', "deleted")
    assert sns["MessageAttributes"] == {"type": {"Type": "String", "Value": "user.deleted"}}
    assert sns["Timestamp"].endswith("Z")
    assert sns["Signature"]
    assert sns["SignatureVersion"]
    assert sns["SigningCertUrl"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert "Action=Unsubscribe" in sns["UnsubscribeUrl"]


def test_sam_s_settings_reach_the_queue(deployed: boto3.Session) -> None:
    settings = settings_of(Invocation(ACCOUNT, "us-east-1", "purge", None, {}, "test"))
    assert settings is not None
    assert (settings.maximum_retry_attempts, settings.maximum_event_age_seconds) == (1, 600)
    assert settings.dead_letter_arn == f"arn:aws:sqs:us-east-1:{ACCOUNT}:purge-dlq"
    assert settings.role_arn.startswith(f"arn:aws:iam::{ACCOUNT}:role/")


def test_without_the_lambda_permission_nothing_is_delivered(deployed: boto3.Session) -> None:
    cfn = deployed.client("cloudformation")
    cfn.create_stack(
        StackName="unpermitted",
        TemplateBody=UNPERMITTED.replace("TOPIC", _topic(deployed)),
        Capabilities=["CAPABILITY_IAM"],
    )
    deployed.client("sns").publish(TopicArn=_topic(deployed), Message="m")
    assert [i.function_name for i in _queued()] == ["purge"]  # not "unpermitted"


def test_a_permission_for_another_topic_does_not_let_this_one_invoke(
    deployed: boto3.Session,
) -> None:
    functions = deployed.client("lambda")
    sns = deployed.client("sns")
    other = sns.create_topic(Name="other")["TopicArn"]
    function_arn = functions.get_function(FunctionName="purge")["Configuration"]["FunctionArn"]
    sns.subscribe(TopicArn=other, Protocol="lambda", Endpoint=function_arn)
    sns.publish(TopicArn=other, Message="m")
    assert _queued() == []
    functions.add_permission(
        FunctionName="purge",
        StatementId="other",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=other,
    )
    sns.publish(TopicArn=other, Message="m")
    assert len(_queued()) == 1


def test_invoke_with_invocation_type_event_answers_202_and_queues(
    deployed: boto3.Session,
) -> None:
    answer = deployed.client("lambda").invoke(
        FunctionName="purge", InvocationType="Event", Payload=b'{"n": 1}'
    )
    assert answer["StatusCode"] == 202
    [invocation] = _queued()
    assert (invocation.event, invocation.source) == ({"n": 1}, "lambda:Invoke")


def test_invoke_event_of_an_unknown_function_is_refused(deployed: boto3.Session) -> None:
    with pytest.raises(ClientError) as raised:
        deployed.client("lambda").invoke(FunctionName="nope", InvocationType="Event")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert _queued() == []


def _settings(aws: boto3.Session, role_policy: dict[str, object] | None) -> AsyncSettings:
    iam = aws.client("iam")
    role = iam.create_role(RoleName="plain", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    if role_policy:
        iam.put_role_policy(
            RoleName="plain", PolicyName="p", PolicyDocument=json.dumps(role_policy)
        )
    return AsyncSettings(
        "arn:aws:lambda:us-east-1:123456789012:function:purge",
        role,
        3,
        dead_letter_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:purge-dlq",
    )


def test_the_dead_letter_send_carries_lambda_s_attributes(deployed: boto3.Session) -> None:
    allow = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    }
    invocation = Invocation(ACCOUNT, "us-east-1", "purge", None, {"n": 1}, "test")
    assert send_to_dead_letter(invocation, _settings(deployed, allow), 200, "boom") == ""
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName="purge-dlq")["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {"n": 1}
    attributes = {
        k: (v["DataType"], v["StringValue"]) for k, v in message["MessageAttributes"].items()
    }
    assert attributes == {
        "RequestID": ("String", invocation.request_id),
        "ErrorCode": ("Number", "200"),
        "ErrorMessage": ("String", "boom"),
    }


def test_a_role_without_sqs_send_message_cannot_dead_letter(deployed: boto3.Session) -> None:
    invocation = Invocation(ACCOUNT, "us-east-1", "purge", None, {"n": 1}, "test")
    refusal = send_to_dead_letter(invocation, _settings(deployed, None), 200, "boom")
    assert "sqs:SendMessage" in refusal
    assert "assumed-role/plain/purge" in refusal
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName="purge-dlq")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


ALIASED = """
Transform: AWS::Serverless-2016-10-31
Resources:
  AliasTopic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: aliased-events}
  Aliased:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: aliased
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {Bucket: code, Key: purge.zip}
      AutoPublishAlias: live
      Events:
        Deleted:
          Type: SNS
          Properties: {Topic: !Ref AliasTopic}
"""


def test_sam_s_alias_subscription_is_permitted_on_the_alias_only(deployed: boto3.Session) -> None:
    deployed.client("cloudformation").create_stack(
        StackName="aliased",
        TemplateBody=ALIASED,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    sns = deployed.client("sns")
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:aliased-events"
    sns.publish(TopicArn=topic, Message="m")
    [invocation] = _queued()
    assert (invocation.function_name, invocation.qualifier) == ("aliased", "live")
    # "Lambda resource-based policies": a permission on the alias does not cover the
    # unqualified function.
    unqualified = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:aliased"
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=unqualified)
    sns.publish(TopicArn=topic, Message="m")
    assert [i.qualifier for i in _queued()] == ["live"]


CONFIG_ONLY = """
Parameters:
  Retries: {Type: Number, Default: 1}
  Qualifier: {Type: String, Default: $LATEST}
Resources:
  Config:
    Type: AWS::Lambda::EventInvokeConfig
    Properties:
      FunctionName: purge
      Qualifier: !Ref Qualifier
      MaximumRetryAttempts: !Ref Retries
"""


def _retries(aws: boto3.Session) -> int | None:
    try:
        found = aws.client("lambda").get_function_event_invoke_config(FunctionName="purge")
    except ClientError:
        return None
    return int(found["MaximumRetryAttempts"])


def test_event_invoke_config_updates_in_place_refuses_bad_limits_and_deletes(
    deployed: boto3.Session,
) -> None:
    cfn = deployed.client("cloudformation")
    functions = deployed.client("lambda")
    functions.delete_function_event_invoke_config(FunctionName="purge")  # SAM's, set aside
    cfn.create_stack(StackName="config", TemplateBody=CONFIG_ONLY)
    assert _retries(deployed) == 1
    cfn.update_stack(
        StackName="config",
        TemplateBody=CONFIG_ONLY,
        Parameters=[{"ParameterKey": "Retries", "ParameterValue": "0"}],
    )
    assert _retries(deployed) == 0  # replaced, not appended (moto's Put appends)
    cfn.update_stack(
        StackName="config",
        TemplateBody=CONFIG_ONLY,
        Parameters=[{"ParameterKey": "Retries", "ParameterValue": "3"}],
    )
    stack = cfn.describe_stacks(StackName="config")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert _retries(deployed) == 0
    cfn.delete_stack(StackName="config")
    assert _retries(deployed) is None


def test_a_dead_letter_queue_with_a_customer_key_needs_the_key_too(
    deployed: boto3.Session,
) -> None:
    key = deployed.client("kms").create_key()["KeyMetadata"]["KeyId"]  # default policy: IAM decides
    deployed.client("sqs").create_queue(
        QueueName="purge-dlq-encrypted", Attributes={"KmsMasterKeyId": key}
    )
    queue_only = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}],
    }
    settings = _settings(deployed, queue_only)
    encrypted = AsyncSettings(
        settings.function_arn,
        settings.role_arn,
        3,
        dead_letter_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:purge-dlq-encrypted",
    )
    invocation = Invocation(ACCOUNT, "us-east-1", "purge", None, {"n": 1}, "test")
    assert "kms:GenerateDataKey" in send_to_dead_letter(invocation, encrypted, 200, "boom")
    with_key = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
            }
        ],
    }
    deployed.client("iam").put_role_policy(
        RoleName="plain", PolicyName="p", PolicyDocument=json.dumps(with_key)
    )
    assert send_to_dead_letter(invocation, encrypted, 200, "boom") == ""


def test_a_dead_letter_queue_whose_key_is_gone_refuses(deployed: boto3.Session) -> None:
    deployed.client("sqs").create_queue(
        QueueName="purge-dlq-lost-key",
        Attributes={"KmsMasterKeyId": "11111111-2222-3333-4444-555555555555"},
    )
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    settings = _settings(deployed, allow_all)
    lost = AsyncSettings(
        settings.function_arn,
        settings.role_arn,
        3,
        dead_letter_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:purge-dlq-lost-key",
    )
    invocation = Invocation(ACCOUNT, "us-east-1", "purge", None, {}, "test")
    assert "does not exist" in send_to_dead_letter(invocation, lost, 200, "boom")
