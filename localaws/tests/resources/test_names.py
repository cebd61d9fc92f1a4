"""Resource names: past the service's limits, or already taken, the resource's create fails.

Each case creates one stack whose named resource AWS would refuse: the resource gets
CREATE_FAILED with the service's error, and the stack rolls back (ROLLBACK_COMPLETE).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from pplocalaws.extensions import install

ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def cfn(aws: boto3.Session) -> Any:
    install()  # events and rollback as CloudFormation does them
    return aws.client("cloudformation")


def _bucket(name: str) -> dict[str, Any]:
    return {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}


def _role(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {"RoleName": name, "AssumeRolePolicyDocument": ROLE_TRUST},
    }


def _function(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": name,
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
        },
    }


def _log_group(name: str) -> dict[str, Any]:
    return {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name}}


def _table(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        },
    }


def _secret(name: str) -> dict[str, Any]:
    return {
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {"Name": name, "SecretString": "value"},
    }


def _replication_group(group_id: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ElastiCache::ReplicationGroup",
        "Properties": {
            "ReplicationGroupId": group_id,
            "ReplicationGroupDescription": "cache",
            "Engine": "redis",
            "CacheNodeType": "cache.t4g.micro",
            "NumCacheClusters": 1,
        },
    }


def _fails(cfn: Any, resources: dict[str, Any], logical_id: str, reason: str) -> None:
    """Creating a stack of ``resources`` fails at ``logical_id`` with ``reason``; it rolls back."""
    cfn.create_stack(
        StackName="s",
        TemplateBody=json.dumps({"Resources": resources}),
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    events = cfn.describe_stack_events(StackName="s")["StackEvents"]
    failed = {
        e["LogicalResourceId"]: e.get("ResourceStatusReason", "")
        for e in events
        if e["ResourceStatus"] == "CREATE_FAILED"
    }
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE", failed
    assert reason in failed.get(logical_id, ""), failed


# -- names past the service's limits -------------------------------------------------------
# S3 "General purpose bucket naming rules":
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "b" * 64,
        "Upper-Case-Bucket",
        "under_score",
        "two..dots",
        "-starts-with-hyphen",
        "ends-with-hyphen-",
        "192.168.5.4",
        "xn--punycode",
        "sthree-bucket",
        "access-point-s3alias",
        "bucket--ol-s3",
    ],
)
def test_a_bucket_name_s3_refuses(cfn: Any, name: str) -> None:
    _fails(cfn, {"Bucket": _bucket(name)}, "Bucket", "InvalidBucketName")


def test_a_bucket_name_of_3_and_63_characters_is_accepted(cfn: Any) -> None:
    resources = {"Short": _bucket("abc"), "Long": _bucket("a.b-" + "c" * 59)}
    cfn.create_stack(StackName="s", TemplateBody=json.dumps({"Resources": resources}))
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


# Lambda quotas, "Function name": 64 characters (CreateFunction FunctionName pattern).
def test_a_function_name_over_64_characters_is_refused(cfn: Any) -> None:
    resources = {"Role": _role("fn-role"), "Function": _function("f" * 65)}
    _fails(cfn, resources, "Function", "Member must have length less than or equal to 64")


def test_a_function_name_with_a_character_lambda_refuses_is_refused(cfn: Any) -> None:
    resources = {"Role": _role("fn-role"), "Function": _function("my.function")}
    _fails(cfn, resources, "Function", "Member must satisfy regular expression pattern")


# IAM quotas, "Role name": 64 characters; CreateRole RoleName pattern [\w+=,.@-]+.
def test_a_role_name_over_64_characters_is_refused(cfn: Any) -> None:
    _fails(
        cfn, {"Role": _role("r" * 65)}, "Role", "Member must have length less than or equal to 64"
    )


def test_a_role_name_with_a_character_iam_refuses_is_refused(cfn: Any) -> None:
    _fails(
        cfn, {"Role": _role("my role")}, "Role", "Member must satisfy regular expression pattern"
    )


# CloudWatch Logs CreateLogGroup: logGroupName 1-512 characters, [\.\-_/#A-Za-z0-9]+.
def test_a_log_group_name_over_512_characters_is_refused(cfn: Any) -> None:
    name = "/aws/" + "g" * 508
    _fails(
        cfn,
        {"Group": _log_group(name)},
        "Group",
        "Member must have length less than or equal to 512",
    )


def test_a_log_group_name_with_a_character_logs_refuses_is_refused(cfn: Any) -> None:
    _fails(
        cfn,
        {"Group": _log_group("/aws/my group")},
        "Group",
        "Member must satisfy regular expression",
    )


# DynamoDB "Naming rules": table names 3-255 characters of a-z, A-Z, 0-9, _ - .
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ab", "Member must have length greater than or equal to 3"),
        ("t" * 256, "Member must have length less than or equal to 255"),
        ("my table", "Member must satisfy regular expression pattern"),
    ],
)
def test_a_table_name_dynamodb_refuses(cfn: Any, name: str, reason: str) -> None:
    _fails(cfn, {"Table": _table(name)}, "Table", reason)


# ElastiCache CreateReplicationGroup, ReplicationGroupId constraints.
@pytest.mark.parametrize(
    "group_id",
    ["g" * 41, "1starts-with-digit", "double--hyphen", "ends-with-hyphen-", "under_score"],
)
def test_a_replication_group_id_elasticache_refuses(cfn: Any, group_id: str) -> None:
    _fails(cfn, {"Redis": _replication_group(group_id)}, "Redis", "InvalidParameterValue")


# -- names already taken ---------------------------------------------------------------------
def test_a_bucket_name_this_account_owns_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("s3").create_bucket(Bucket="taken-bucket")
    _fails(cfn, {"Bucket": _bucket("taken-bucket")}, "Bucket", "BucketAlreadyOwnedByYou")


def test_a_secret_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("secretsmanager").create_secret(Name="taken/secret", SecretString="x")
    _fails(cfn, {"Secret": _secret("taken/secret")}, "Secret", "ResourceExistsException")
    value = aws.client("secretsmanager").get_secret_value(SecretId="taken/secret")
    assert value["SecretString"] == "x"  # the rollback left the existing secret alone


def test_a_log_group_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("logs").create_log_group(logGroupName="/taken/group")
    _fails(cfn, {"Group": _log_group("/taken/group")}, "Group", "ResourceAlreadyExistsException")
    assert aws.client("logs").describe_log_groups(logGroupNamePrefix="/taken/")["logGroups"]


def test_a_role_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("iam").create_role(
        RoleName="taken-role", AssumeRolePolicyDocument=json.dumps(ROLE_TRUST)
    )
    _fails(cfn, {"Role": _role("taken-role")}, "Role", "EntityAlreadyExists")
    assert aws.client("iam").get_role(RoleName="taken-role")


def test_a_replication_group_id_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("elasticache").create_replication_group(
        ReplicationGroupId="taken-cache", ReplicationGroupDescription="cache"
    )
    _fails(
        cfn, {"Redis": _replication_group("taken-cache")}, "Redis", "ReplicationGroupAlreadyExists"
    )
    groups = aws.client("elasticache").describe_replication_groups()["ReplicationGroups"]
    assert [g["ReplicationGroupId"] for g in groups] == ["taken-cache"]


def test_a_table_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("dynamodb").create_table(**{k: v for k, v in _table("taken")["Properties"].items()})
    _fails(cfn, {"Table": _table("taken")}, "Table", "Table already exists: taken")
    assert aws.client("dynamodb").describe_table(TableName="taken")


def test_a_function_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    role = aws.client("iam").create_role(
        RoleName="existing-role", AssumeRolePolicyDocument=json.dumps(ROLE_TRUST)
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as code:
        code.writestr("app.py", "def handler(event, context):\n    return 'existing'\n")
    aws.client("lambda").create_function(
        FunctionName="taken-function",
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": archive.getvalue()},
    )
    resources = {"Role": _role("fn-role"), "Function": _function("taken-function")}
    _fails(cfn, resources, "Function", "ResourceConflictException")
    kept = aws.client("lambda").get_function(FunctionName="taken-function")["Configuration"]
    assert kept["Role"] == role  # the existing function is not overwritten


def test_a_topic_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    aws.client("sns").create_topic(Name="taken-topic")
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "taken-topic"}}
    _fails(cfn, {"Topic": topic}, "Topic", "with identifier 'taken-topic' already exists")
    assert len(aws.client("sns").list_topics()["Topics"]) == 1


def test_an_alarm_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    settings = {
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    aws.client("cloudwatch").put_metric_alarm(AlarmName="taken-alarm", **settings)
    alarm = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {"AlarmName": "taken-alarm", **settings},
    }
    _fails(cfn, {"Alarm": alarm}, "Alarm", "with identifier 'taken-alarm' already exists")


def _alias(name: str) -> dict[str, Any]:
    return {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}},
        },
        "Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": name, "TargetKeyId": {"Ref": "Key"}},
        },
    }


def test_an_alias_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    kms = aws.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/taken", TargetKeyId=key)
    _fails(cfn, _alias("alias/taken"), "Alias", "AlreadyExistsException")
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/taken"] == key  # not re-pointed at the stack's key


@pytest.mark.parametrize("name", ["no-prefix", "alias/with space", "alias/aws/reserved"])
def test_an_alias_name_kms_refuses(cfn: Any, name: str) -> None:
    _fails(cfn, _alias(name), "Alias", "Exception")


def test_a_managed_policy_name_that_exists_is_refused(cfn: Any, aws: boto3.Session) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
    aws.client("iam").create_policy(PolicyName="taken", PolicyDocument=json.dumps(document))
    policy = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"ManagedPolicyName": "taken", "PolicyDocument": document},
    }
    _fails(cfn, {"Policy": policy}, "Policy", "A policy called taken already exists")


# Secrets Manager CreateSecret Name: 1-512 characters of ASCII letters, digits and /_+=.@-
@pytest.mark.parametrize("name", ["s" * 513, "my secret", "secret#1"])
def test_a_secret_name_secrets_manager_refuses(cfn: Any, name: str) -> None:
    _fails(cfn, {"Secret": _secret(name)}, "Secret", "ValidationException")
