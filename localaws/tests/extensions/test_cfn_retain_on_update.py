"""DeletionPolicy / UpdateReplacePolicy Retain keep the physical resource when an update
removes or replaces it, with its data, and the stack lets go of it."""

from __future__ import annotations

from typing import Any

import boto3

REGION = "us-east-1"

STATEFUL = """
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      TableName: {table}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
  Bucket:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties: {{BucketName: purposepath-artifacts}}
  Secret:
    Type: AWS::SecretsManager::Secret
    DeletionPolicy: RetainExceptOnCreate
    Properties: {{Name: purposepath/jwt, SecretString: s3cr3t}}
  Topic: {{Type: AWS::SNS::Topic}}
"""

ONLY_TOPIC = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"


def put_item(table: str) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=table, Item={"id": {"S": "user-1"}, "name": {"S": "Ada"}}
    )


def item(table: str) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={"id": {"S": "user-1"}}
    )["Item"]
    return found


def stack_resources(cfn: Any, stack: str) -> set[str]:
    return {
        resource["LogicalResourceId"]
        for resource in cfn.describe_stack_resources(StackName=stack)["StackResources"]
    }


def test_removed_resources_with_retain_policies_stay_with_their_data(change_sets: Any) -> None:
    change_sets.deploy("legacy", STATEFUL.format(table="users"))
    put_item("users")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket="purposepath-artifacts", Key="build.zip", Body=b"zip"
    )

    stack = change_sets.deploy("legacy", ONLY_TOPIC)

    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert item("users")["name"] == {"S": "Ada"}
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket="purposepath-artifacts", Key="build.zip"
    )["Body"]
    assert body.read() == b"zip"
    secret = boto3.client("secretsmanager", region_name=REGION).get_secret_value(
        SecretId="purposepath/jwt"
    )
    assert secret["SecretString"] == "s3cr3t"
    skipped = {
        event["LogicalResourceId"]
        for event in change_sets.events("legacy")
        if event["ResourceStatus"] == "DELETE_SKIPPED"
    }
    assert skipped == {"Table", "Bucket", "Secret"}
    assert stack_resources(change_sets.client, "legacy") == {"Topic"}


def test_a_replaced_table_with_update_replace_policy_retain_stays(change_sets: Any) -> None:
    change_sets.deploy("legacy", STATEFUL.format(table="users"))
    put_item("users")

    described = change_sets.create("legacy", STATEFUL.format(table="users-v2"))
    table_change = next(
        change["ResourceChange"]
        for change in described["Changes"]
        if change["ResourceChange"]["LogicalResourceId"] == "Table"
    )
    stack = change_sets.execute(described)

    assert table_change["PolicyAction"] == "ReplaceAndRetain"
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    tables = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert sorted(tables) == ["users", "users-v2"]
    assert item("users")["name"] == {"S": "Ada"}
    resource = change_sets.client.describe_stack_resource(
        StackName="legacy", LogicalResourceId="Table"
    )["StackResourceDetail"]
    assert resource["PhysicalResourceId"] == "users-v2"


def test_without_retain_the_removed_table_is_deleted(change_sets: Any) -> None:
    """The control case: the retain tests above fail if policies are ignored."""
    deletable = STATEFUL.format(table="users").replace("    DeletionPolicy: Retain\n", "", 1)
    change_sets.deploy("legacy", deletable)

    change_sets.deploy("legacy", ONLY_TOPIC)

    assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == []
