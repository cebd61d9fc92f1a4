"""AWS::Logs::LogGroup: KMS key and retention on create, in-place update, delete."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}},
        },
        "Access": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": "/aws/apigateway/purposepath-account-api-dev",
                "RetentionInDays": 30,
                "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                "Tags": [{"Key": "stage", "Value": "dev"}],
            },
        },
    },
    "Outputs": {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
}


def _group(logs: Any) -> dict[str, Any]:
    return logs.describe_log_groups(logGroupNamePrefix="/aws/apigateway/")["logGroups"][0]  # type: ignore[no-any-return]


def test_log_group_gets_retention_and_key(aws: boto3.Session) -> None:
    cfn, logs = aws.client("cloudformation"), aws.client("logs")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    key_arn = cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"][0]["OutputValue"]

    group = _group(logs)
    assert (group["retentionInDays"], group["kmsKeyId"]) == (30, key_arn)


def test_retention_and_tags_update_in_place(aws: boto3.Session) -> None:
    cfn, logs = aws.client("cloudformation"), aws.client("logs")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Access"]["Properties"].update(
        RetentionInDays=365, Tags=[{"Key": "tier", "Value": "prod"}]
    )

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    group = _group(logs)
    assert group["retentionInDays"] == 365
    assert logs.list_tags_for_resource(resourceArn=group["logGroupArn"])["tags"] == {"tier": "prod"}


def test_delete_stack_removes_the_log_group(aws: boto3.Session) -> None:
    cfn, logs = aws.client("cloudformation"), aws.client("logs")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert logs.describe_log_groups()["logGroups"] == []
