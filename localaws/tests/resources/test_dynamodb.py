"""AWS::DynamoDB::Table: PITR, SSE with a KMS key, TTL, GSIs, deletion protection, updates."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3


def _key(name: str) -> dict[str, str]:
    return {"AttributeName": name, "KeyType": "HASH"}


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}},
        },
        "Tokens": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": "purposepath-tokens-dev",
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "tokenHash", "AttributeType": "S"},
                    {"AttributeName": "sessionId", "AttributeType": "S"},
                ],
                "KeySchema": [_key("tokenHash")],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "session-index",
                        "KeySchema": [_key("sessionId")],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                },
                "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
                "DeletionProtectionEnabled": False,
            },
        },
    },
    "Outputs": {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}}},
}


def test_table_gets_every_declared_setting(aws: boto3.Session) -> None:
    cfn, dynamodb = aws.client("cloudformation"), aws.client("dynamodb")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    key_arn = cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"][0]["OutputValue"]

    table = dynamodb.describe_table(TableName="purposepath-tokens-dev")["Table"]
    backups = dynamodb.describe_continuous_backups(TableName="purposepath-tokens-dev")[
        "ContinuousBackupsDescription"
    ]
    ttl = dynamodb.describe_time_to_live(TableName="purposepath-tokens-dev")[
        "TimeToLiveDescription"
    ]
    assert table["SSEDescription"] == {
        "Status": "ENABLED",
        "SSEType": "KMS",
        "KMSMasterKeyArn": key_arn,
    }
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["session-index"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}


def test_update_in_place_adds_an_index_turns_off_ttl_and_protects(aws: boto3.Session) -> None:
    cfn, dynamodb = aws.client("cloudformation"), aws.client("dynamodb")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    dynamodb.put_item(
        TableName="purposepath-tokens-dev", Item={"tokenHash": {"S": "h"}, "sessionId": {"S": "s"}}
    )
    template = copy.deepcopy(TEMPLATE)
    table = template["Resources"]["Tokens"]["Properties"]
    table["AttributeDefinitions"].append({"AttributeName": "userId", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"].append(
        {
            "IndexName": "user-index",
            "KeySchema": [_key("userId")],
            "Projection": {"ProjectionType": "ALL"},
        }
    )
    table["TimeToLiveSpecification"]["Enabled"] = False
    table["DeletionProtectionEnabled"] = True

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    described = dynamodb.describe_table(TableName="purposepath-tokens-dev")["Table"]
    assert sorted(i["IndexName"] for i in described["GlobalSecondaryIndexes"]) == [
        "session-index",
        "user-index",
    ]
    assert described["DeletionProtectionEnabled"] is True
    assert described["ItemCount"] == 1  # the same table, not a replacement
    ttl = dynamodb.describe_time_to_live(TableName="purposepath-tokens-dev")[
        "TimeToLiveDescription"
    ]
    assert ttl["TimeToLiveStatus"] == "DISABLED"
    assert [
        r["LogicalResourceId"]
        for r in cfn.list_stack_resources(StackName="s")["StackResourceSummaries"]
    ] == ["Key", "Tokens"]


def test_delete_stack_removes_the_table(aws: boto3.Session) -> None:
    cfn, dynamodb = aws.client("cloudformation"), aws.client("dynamodb")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert dynamodb.list_tables()["TableNames"] == []


def test_a_retained_table_survives_stack_delete(aws: boto3.Session) -> None:
    cfn, dynamodb = aws.client("cloudformation"), aws.client("dynamodb")
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Tokens"]["DeletionPolicy"] = "Retain"
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))

    cfn.delete_stack(StackName="s")

    assert dynamodb.list_tables()["TableNames"] == ["purposepath-tokens-dev"]
