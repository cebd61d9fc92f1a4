"""IAM enforced over HTTP: a role session's calls to an in-process local AWS server.

Each service the functions call: allowed by the role's policy, refused with the service's
error code naming the action and resource otherwise; KMS through DynamoDB and Secrets
Manager; credentials checks; administrator calls untouched; the switch off lets all pass.
"""

from __future__ import annotations

import datetime
import functools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.iam import enforcement
from pplocalaws.iam.serving import EnforcingServer

REGION = "us-east-1"
ACCOUNT = "123456789012"
ADMIN = "testing"
_SESSION = boto3.session.Session()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = EnforcingServer("127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _client(endpoint: str, service: str, credentials: dict[str, str] | None = None) -> Any:
    keys = credentials or {"aws_access_key_id": ADMIN, "aws_secret_access_key": ADMIN}
    return _cached_client(endpoint, service, tuple(sorted(keys.items())))


@functools.lru_cache(maxsize=256)
def _cached_client(endpoint: str, service: str, keys: tuple[tuple[str, str], ...]) -> Any:
    # boto3 clients take a while to build: one per endpoint, service and credentials.
    return _SESSION.client(service, endpoint_url=endpoint, region_name=REGION, **dict(keys))


class World:
    """A table and a secret under a customer managed key, a role, its policy, a session."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        suffix = uuid.uuid4().hex[:8]
        kms = _client(endpoint, "kms")
        key_policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
        self.key_arn = kms.create_key(Policy=json.dumps(key_policy))["KeyMetadata"]["Arn"]
        self.table = f"t-{suffix}"
        _client(endpoint, "dynamodb").create_table(
            TableName=self.table,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": self.key_arn},
        )
        self.table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.table}"
        self.secret_arn = _client(endpoint, "secretsmanager").create_secret(
            Name=f"s-{suffix}", SecretString="{}", KmsKeyId=self.key_arn
        )["ARN"]
        self.role = f"r-{suffix}"
        self.iam = _client(endpoint, "iam")
        self.iam.create_role(RoleName=self.role, AssumeRolePolicyDocument="{}")
        self.statements: dict[str, dict[str, Any]] = {
            "Table": {
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem", "dynamodb:GetItem"],
                "Resource": self.table_arn,
            },
            "Secret": {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": self.secret_arn,
            },
            "Key": {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": self.key_arn,
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [
                            f"dynamodb.{REGION}.amazonaws.com",
                            f"secretsmanager.{REGION}.amazonaws.com",
                        ]
                    }
                },
            },
        }
        self.put_policy()
        answer = _client(endpoint, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{self.role}", RoleSessionName="fn"
        )["Credentials"]
        self.credentials = {
            "aws_access_key_id": answer["AccessKeyId"],
            "aws_secret_access_key": answer["SecretAccessKey"],
            "aws_session_token": answer["SessionToken"],
        }
        self.session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.role}/fn"

    def put_policy(self, *without: str, extra: list[dict[str, Any]] | None = None) -> None:
        statements = [s for sid, s in self.statements.items() if sid not in without] + (extra or [])
        self.iam.put_role_policy(
            RoleName=self.role,
            PolicyName="fn",
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )

    def client(self, service: str) -> Any:
        return _client(self.endpoint, service, self.credentials)


@pytest.fixture
def world(endpoint: str) -> World:
    return World(endpoint)


def _refused(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_allowed_calls_pass_through_dynamodb_and_kms_via_service(world: World) -> None:
    dynamodb = world.client("dynamodb")
    dynamodb.put_item(TableName=world.table, Item={"id": {"S": "1"}})
    assert (
        dynamodb.get_item(TableName=world.table, Key={"id": {"S": "1"}})["Item"]["id"]["S"] == "1"
    )
    assert (
        world.client("secretsmanager").get_secret_value(SecretId=world.secret_arn)["SecretString"]
        == "{}"
    )


def test_an_action_outside_the_policy_is_refused_naming_action_and_resource(world: World) -> None:
    code, message, status = _refused(
        world.client("dynamodb").delete_item, TableName=world.table, Key={"id": {"S": "1"}}
    )
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (
        f"User: {world.session_arn} is not authorized to perform: dynamodb:DeleteItem on resource: "
        f"{world.table_arn} because no identity-based policy allows the dynamodb:DeleteItem action"
    )


def test_explicit_deny_wins(world: World) -> None:
    world.put_policy(extra=[{"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}])
    code, message, _ = _refused(
        world.client("dynamodb").put_item, TableName=world.table, Item={"id": {"S": "1"}}
    )
    assert code == "AccessDeniedException"
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_dynamodb_needs_the_key_through_dynamodb(world: World) -> None:
    world.put_policy("Key")
    code, message, _ = _refused(
        world.client("dynamodb").get_item, TableName=world.table, Key={"id": {"S": "1"}}
    )
    assert code == "AccessDeniedException"
    assert f"kms:Decrypt on resource: {world.key_arn}" in message
    world.put_policy()
    world.client("dynamodb").get_item(TableName=world.table, Key={"id": {"S": "1"}})


def test_secrets_manager_needs_the_key_through_secrets_manager(world: World) -> None:
    world.put_policy("Key")
    code, message, _ = _refused(
        world.client("secretsmanager").get_secret_value, SecretId=world.secret_arn
    )
    assert code == "AccessDeniedException"
    assert message.startswith("Access to KMS is not allowed")
    assert f"kms:Decrypt on resource: {world.key_arn}" in message


def test_the_key_policy_must_allow_too(world: World) -> None:
    kms = _client(world.endpoint, "kms")
    only_logs = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logs.amazonaws.com"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    kms.put_key_policy(KeyId=world.key_arn, PolicyName="default", Policy=json.dumps(only_logs))
    _, message, _ = _refused(
        world.client("dynamodb").get_item, TableName=world.table, Key={"id": {"S": "1"}}
    )
    assert "because no resource-based policy allows the kms:Decrypt action" in message


def test_direct_kms_call_lacks_via_service(world: World) -> None:
    blob = _client(world.endpoint, "kms").encrypt(KeyId=world.key_arn, Plaintext=b"x")[
        "CiphertextBlob"
    ]
    code, message, _ = _refused(world.client("kms").decrypt, CiphertextBlob=blob)
    assert code == "AccessDeniedException"
    assert f"kms:Decrypt on resource: {world.key_arn}" in message


def test_s3_sns_ses_events_logs_cloudwatch_refuse_in_their_own_shapes(world: World) -> None:
    s3 = _client(world.endpoint, "s3")
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    code, message, status = _refused(world.client("s3").get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)
    assert f"s3:GetObject on resource: arn:aws:s3:::{bucket}/k" in message
    topic = _client(world.endpoint, "sns").create_topic(Name=f"t-{bucket}")["TopicArn"]
    code, message, status = _refused(world.client("sns").publish, TopicArn=topic, Message="m")
    assert (code, status) == ("AuthorizationError", 403)
    assert f"sns:Publish on resource: {topic}" in message
    code, message, _ = _refused(
        world.client("ses").send_email,
        Source="noreply@example.com",
        Destination={"ToAddresses": ["a@example.com"]},
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    )
    assert code == "AccessDenied"
    assert (
        "ses:SendEmail on resource: arn:aws:ses:us-east-1:123456789012:identity/example.com"
        in message
    )
    code, message, _ = _refused(
        world.client("events").put_events,
        Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}],
    )
    assert code == "AccessDeniedException"
    assert (
        "events:PutEvents on resource: arn:aws:events:us-east-1:123456789012:event-bus/default"
        in message
    )
    code, message, _ = _refused(
        world.client("logs").put_log_events,
        logGroupName="g",
        logStreamName="s",
        logEvents=[{"timestamp": 1, "message": "m"}],
    )
    assert code == "AccessDeniedException"
    assert (
        "logs:PutLogEvents on resource: "
        "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s" in message
    )
    code, message, _ = _refused(
        world.client("cloudwatch").put_metric_data,
        Namespace="N",
        MetricData=[{"MetricName": "m", "Value": 1.0}],
    )
    assert code == "AccessDeniedException"
    assert "cloudwatch:PutMetricData on resource: *" in message


def _verified_domain(endpoint: str, domain: str) -> None:
    """A domain identity SES has verified: its _amazonses TXT record is in Route53."""
    import pplocalaws.resources.ses_sending  # noqa: F401, PLC0415 - SES's checks, as the server has them

    token = _client(endpoint, "ses").verify_domain_identity(Domain=domain)["VerificationToken"]
    route53 = _client(endpoint, "route53")
    zone = route53.create_hosted_zone(Name=domain, CallerReference=uuid.uuid4().hex)
    route53.change_resource_record_sets(
        HostedZoneId=zone["HostedZone"]["Id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": f"_amazonses.{domain}",
                        "Type": "TXT",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": f'"{token}"'}],
                    },
                }
            ]
        },
    )


def test_ses_from_address_condition(world: World) -> None:
    _verified_domain(world.endpoint, "example.com")
    world.put_policy(
        extra=[
            {
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": "*",
                "Condition": {"StringEquals": {"ses:FromAddress": "noreply@example.com"}},
            }
        ]
    )
    send = {
        "Destination": {"ToAddresses": ["a@example.com"]},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
    }
    world.client("ses").send_email(Source="noreply@example.com", **send)
    code, _, _ = _refused(world.client("ses").send_email, Source="other@example.com", **send)
    assert code == "AccessDenied"


def test_a_wrong_session_token_is_invalid(world: World) -> None:
    forged = {**world.credentials, "aws_session_token": "forged"}
    code, _, _ = _refused(
        _client(world.endpoint, "dynamodb", forged).get_item,
        TableName=world.table,
        Key={"id": {"S": "1"}},
    )
    assert code == "UnrecognizedClientException"


def test_sts_get_caller_identity_needs_no_permission(world: World) -> None:
    assert (
        world.client("sts").get_caller_identity()["Arn"].endswith(f"assumed-role/{world.role}/fn")
    )


def test_administrator_calls_are_not_evaluated(world: World) -> None:
    _client(world.endpoint, "dynamodb").delete_item(TableName=world.table, Key={"id": {"S": "1"}})


def test_the_switch_off_lets_every_call_pass(world: World) -> None:
    server = EnforcingServer("127.0.0.1", 0, enforce=False)
    server.start()
    try:
        off = _client(f"http://127.0.0.1:{server.port}", "dynamodb", world.credentials)
        off.delete_item(TableName=world.table, Key={"id": {"S": "1"}})
    finally:
        server.stop()


def test_an_expired_session_is_refused_as_expired(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(hours=2)
    monkeypatch.setattr(enforcement, "utcnow", lambda: later)
    code, message, _ = _refused(
        world.client("dynamodb").get_item, TableName=world.table, Key={"id": {"S": "1"}}
    )
    assert (code, message) == (
        "ExpiredTokenException",
        "The security token included in the request is expired",
    )


def _bucket_with_policy(world: World, *statements: dict[str, Any]) -> str:
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3 = _client(world.endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document).replace("BUCKET", bucket))
    return bucket


def test_a_bucket_policy_deny_wins_over_the_role_s_allow(world: World) -> None:
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{world.role}"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::BUCKET/*",
    }
    world.put_policy(extra=[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    bucket = _bucket_with_policy(world, deny)
    code, message, status = _refused(world.client("s3").get_object, Bucket=bucket, Key="k")
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("with an explicit deny in a resource-based policy")


def test_a_secret_s_resource_policy_deny_wins(world: World) -> None:
    deny = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
            }
        ],
    }
    _client(world.endpoint, "secretsmanager").put_resource_policy(
        SecretId=world.secret_arn, ResourcePolicy=json.dumps(deny)
    )
    code, message, _ = _refused(
        world.client("secretsmanager").get_secret_value, SecretId=world.secret_arn
    )
    assert code == "AccessDeniedException"
    assert message.endswith("with an explicit deny in a resource-based policy")


def test_publishing_to_an_encrypted_topic_needs_the_key_through_sns(world: World) -> None:
    topic = _client(world.endpoint, "sns").create_topic(
        Name=f"t-{uuid.uuid4().hex[:8]}", Attributes={"KmsMasterKeyId": world.key_arn}
    )["TopicArn"]
    publish = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    world.put_policy(extra=[publish])
    code, message, status = _refused(world.client("sns").publish, TopicArn=topic, Message="m")
    assert (code, status) == ("KMSAccessDenied", 400)
    assert f"kms:GenerateDataKey on resource: {world.key_arn}" in message
    key_use = {
        "Effect": "Allow",
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
        "Resource": world.key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": f"sns.{REGION}.amazonaws.com"}},
    }
    world.put_policy(extra=[publish, key_use])
    world.client("sns").publish(TopicArn=topic, Message="m")
