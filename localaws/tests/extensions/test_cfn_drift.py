"""Drift detection in the local AWS: settings changed behind CloudFormation's back are found.

DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts and
DetectStackResourceDrift as the CloudFormation API Reference shapes them.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.resources.drift_readers import READERS
from pplocalaws.resources.lambda_updates import UPDATE_SECONDS_VARIABLE

REGION = "us-east-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TEMPLATE = {
    "Parameters": {"Memory": {"Type": "Number", "Default": "256"}},
    "Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": "drift-users",
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "DeletionProtectionEnabled": False,
            },
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "drift-api",
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "MemorySize": {"Ref": "Memory"},
                "Timeout": 10,
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "artifacts", "S3Key": "v1.zip"},
                "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
            },
        },
        "Logs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": "/drift/logs", "RetentionInDays": 30},
        },
        "Retries": {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "Qualifier": "$LATEST",
                "MaximumRetryAttempts": 0,
                "DestinationConfig": {},  # as SAM writes it: no destinations
            },
        },
        "Sender": {
            "Type": "AWS::SES::EmailIdentity",
            "Properties": {"EmailIdentity": "drift@example.com"},
        },
        "Stage": {
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "prod", "AutoDeploy": True},
        },
        "Version": {
            "Type": "AWS::Lambda::Version",
            "Properties": {"FunctionName": {"Ref": "Function"}},
        },
        "Api": {
            "Type": "AWS::ApiGatewayV2::Api",
            "Properties": {"Name": "drift-api", "ProtocolType": "HTTP", "Description": "v1"},
        },
        "Invoke": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": {"Fn::Sub": "arn:aws:execute-api:us-east-1:123456789012:${Api}/*"},
            },
        },
    },
}


def _zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return archive.getvalue()


@pytest.fixture
def stack(aws: None, change_sets: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(UPDATE_SECONDS_VARIABLE, "0")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="v1.zip", Body=_zip())
    change_sets.deploy("drifty", json.dumps(TEMPLATE))
    return "drifty"


def _detect(cfn: Any, stack: str, **options: Any) -> dict[str, Any]:
    detection = cfn.detect_stack_drift(StackName=stack, **options)["StackDriftDetectionId"]
    status: dict[str, Any] = cfn.describe_stack_drift_detection_status(
        StackDriftDetectionId=detection
    )
    return status


def _drifts(cfn: Any, stack: str) -> dict[str, dict[str, Any]]:
    found = cfn.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]
    return {drift["LogicalResourceId"]: drift for drift in found}


def _differences(drift: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (d["PropertyPath"], d["ExpectedValue"], d["ActualValue"], d["DifferenceType"])
        for d in drift.get("PropertyDifferences", [])
    }


def test_a_stack_nobody_touched_is_in_sync(cfn: Any, stack: str) -> None:
    status = _detect(cfn, stack)
    drifts = _drifts(cfn, stack)

    assert status["StackDriftStatus"] == "IN_SYNC"
    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    assert status["DriftedStackResourceCount"] == 0
    names = ("Table", "Function", "Logs", "Version", "Api", "Invoke", "Stage", "Retries", "Sender")
    for name in names:
        assert drifts[name]["StackResourceDriftStatus"] == "IN_SYNC", drifts[name]
        assert drifts[name]["PropertyDifferences"] == []


def test_a_type_the_local_aws_cannot_read_is_unknown_never_in_sync(
    cfn: Any, stack: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every type the templates use has a reader; a type without one stands in here.
    monkeypatch.delitem(READERS, "AWS::SES::EmailIdentity")

    status = _detect(cfn, stack)
    drifts = _drifts(cfn, stack)

    assert drifts["Sender"]["StackResourceDriftStatus"] == "UNKNOWN"
    assert "AWS::SES::EmailIdentity" in drifts["Sender"]["DriftStatusReason"]
    assert status["DetectionStatus"] == "DETECTION_FAILED"
    assert "Sender" in status["DetectionStatusReason"]


def test_changes_behind_cloudformations_back_are_exactly_the_differences(
    cfn: Any, stack: str
) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.update_continuous_backups(
        TableName="drift-users",
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False},
    )
    dynamodb.update_table(TableName="drift-users", DeletionProtectionEnabled=True)
    awslambda = boto3.client("lambda", region_name=REGION)
    awslambda.update_function_configuration(
        FunctionName="drift-api",
        Timeout=30,
        Environment={"Variables": {"TABLE": "drift-users", "DEBUG": "1"}},
    )

    status = _detect(cfn, stack)
    drifts = _drifts(cfn, stack)

    assert status["StackDriftStatus"] == "DRIFTED"
    assert status["DriftedStackResourceCount"] == 2
    assert drifts["Table"]["StackResourceDriftStatus"] == "MODIFIED"
    assert _differences(drifts["Table"]) == {
        ("/DeletionProtectionEnabled", "false", "true", "NOT_EQUAL"),
        (
            "/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled",
            "true",
            "false",
            "NOT_EQUAL",
        ),
    }
    assert _differences(drifts["Function"]) == {
        ("/Timeout", "10", "30", "NOT_EQUAL"),
        ("/Environment/Variables/DEBUG", "null", "1", "ADD"),
    }
    assert drifts["Logs"]["StackResourceDriftStatus"] == "IN_SYNC"
    expected = json.loads(drifts["Function"]["ExpectedProperties"])
    assert expected["MemorySize"] == 256  # resolved from the parameter
    assert json.loads(drifts["Function"]["ActualProperties"])["Timeout"] == 30


def test_a_deleted_resource_is_deleted_and_filters_apply(cfn: Any, stack: str) -> None:
    boto3.client("logs", region_name=REGION).delete_log_group(logGroupName="/drift/logs")

    _detect(cfn, stack)
    deleted = cfn.describe_stack_resource_drifts(
        StackName=stack, StackResourceDriftStatusFilters=["DELETED"]
    )["StackResourceDrifts"]

    assert [d["LogicalResourceId"] for d in deleted] == ["Logs"]


def test_one_resource_is_checked_on_its_own(cfn: Any, stack: str) -> None:
    boto3.client("logs", region_name=REGION).put_retention_policy(
        logGroupName="/drift/logs", retentionInDays=7
    )

    drift = cfn.detect_stack_resource_drift(StackName=stack, LogicalResourceId="Logs")[
        "StackResourceDrift"
    ]

    assert drift["StackResourceDriftStatus"] == "MODIFIED"
    assert _differences(drift) == {("/RetentionInDays", "30", "7", "NOT_EQUAL")}


def test_detection_limited_to_named_resources(cfn: Any, stack: str) -> None:
    status = _detect(cfn, stack, LogicalResourceIds=["Table"])

    assert status["DetectionStatus"] == "DETECTION_COMPLETE"
    assert set(_drifts(cfn, stack)) == {"Table"}


def test_bad_requests_are_refused_naming_the_thing(cfn: Any, stack: str) -> None:
    with pytest.raises(ClientError, match="Stack with id nope does not exist"):
        cfn.detect_stack_drift(StackName="nope")
    with pytest.raises(ClientError, match="Resource Ghost does not exist for stack drifty"):
        cfn.detect_stack_resource_drift(StackName=stack, LogicalResourceId="Ghost")
    with pytest.raises(ClientError, match="Drift detection id"):
        cfn.describe_stack_drift_detection_status(StackDriftDetectionId="0" * 36)
    with pytest.raises(ClientError, match="not resources of stack drifty"):
        cfn.detect_stack_drift(StackName=stack, LogicalResourceIds=["Ghost"])


def test_a_removed_permission_and_version_are_deleted_and_an_api_change_modified(
    cfn: Any, stack: str
) -> None:
    awslambda = boto3.client("lambda", region_name=REGION)
    statement = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Invoke")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    awslambda.remove_permission(FunctionName="drift-api", StatementId=statement)
    awslambda.delete_function(FunctionName="drift-api", Qualifier="1")
    api = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Api")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    apigatewayv2 = boto3.client("apigatewayv2", region_name=REGION)
    apigatewayv2.update_api(ApiId=api, Description="v2")
    apigatewayv2.delete_stage(ApiId=api, StageName="prod")  # moto has no UpdateStage
    # moto's Put appends to the function's configs and Get answers the first: replace it.
    awslambda.delete_function_event_invoke_config(FunctionName="drift-api")
    awslambda.put_function_event_invoke_config(FunctionName="drift-api", MaximumRetryAttempts=2)

    _detect(cfn, stack)
    drifts = _drifts(cfn, stack)

    assert drifts["Invoke"]["StackResourceDriftStatus"] == "DELETED"
    assert drifts["Version"]["StackResourceDriftStatus"] == "DELETED"
    assert _differences(drifts["Api"]) == {("/Description", "v1", "v2", "NOT_EQUAL")}
    assert drifts["Stage"]["StackResourceDriftStatus"] == "DELETED"
    assert _differences(drifts["Retries"]) == {("/MaximumRetryAttempts", "0", "2", "NOT_EQUAL")}
