"""IMPORT change sets adopt existing tables and secrets without recreating them."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"

TABLE = """
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: users
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""
SECRET = """
  Secret:
    Type: AWS::SecretsManager::Secret
    DeletionPolicy: Retain
    Properties: {Name: purposepath/jwt, GenerateSecretString: {PasswordLength: 40}}
"""
TOPIC = "  Topic: {Type: AWS::SNS::Topic}\n"
OUTPUTS = "Outputs:\n  TopicArn: {Value: !Ref Topic, Export: {Name: shared-topic}}\n"

LEGACY = "Resources:\n" + TABLE + SECRET + TOPIC
LEGACY_WITHOUT_STATE = "Resources:\n" + TOPIC
SHARED = "Resources:\n" + TOPIC + OUTPUTS
SHARED_WITH_STATE = "Resources:\n" + TOPIC + TABLE + SECRET + OUTPUTS


def put_item() -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName="users", Item={"id": {"S": "user-1"}, "name": {"S": "Ada"}}
    )


def stored_name() -> str:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="users", Key={"id": {"S": "user-1"}}
    )["Item"]
    return str(item["name"]["S"])


def secret_value() -> str:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return str(secrets.get_secret_value(SecretId="purposepath/jwt")["SecretString"])


def secret_arn() -> str:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    return str(secrets.describe_secret(SecretId="purposepath/jwt")["ARN"])


def to_import(*, table: bool = True, secret: bool = True) -> list[dict[str, Any]]:
    wanted = []
    if table:
        wanted.append(
            {
                "ResourceType": "AWS::DynamoDB::Table",
                "LogicalResourceId": "Table",
                "ResourceIdentifier": {"TableName": "users"},
            }
        )
    if secret:
        wanted.append(
            {
                "ResourceType": "AWS::SecretsManager::Secret",
                "LogicalResourceId": "Secret",
                "ResourceIdentifier": {"Id": secret_arn()},
            }
        )
    return wanted


def create_import(
    cfn: Any, stack: str, body: str, resources: list[dict[str, Any]], name: str = "import-1"
) -> dict[str, Any]:
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName=name,
        ChangeSetType="IMPORT",
        TemplateBody=body,
        ResourcesToImport=resources,
    )
    described: dict[str, Any] = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
    return described


@pytest.fixture
def released(change_sets: Any) -> Any:
    """A legacy stack that held the table (with an item) and the secret, then let go."""
    change_sets.deploy("legacy", LEGACY)
    put_item()
    change_sets.deploy("legacy", LEGACY_WITHOUT_STATE)
    change_sets.deploy("shared", SHARED)
    return change_sets


def test_import_adopts_the_released_table_and_secret_with_their_data(released: Any) -> None:
    cfn = released.client
    value_before = secret_value()

    described = create_import(cfn, "shared", SHARED_WITH_STATE, to_import())
    assert described["Status"] == "CREATE_COMPLETE", described.get("StatusReason")
    assert [
        (c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"])
        for c in described["Changes"]
    ] == [("Import", "Table"), ("Import", "Secret")]

    stack = released.execute(described)

    assert stack["StackStatus"] == "IMPORT_COMPLETE"
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName="shared")["StackResources"]
    }
    assert physical["Table"] == "users"
    assert physical["Secret"] == secret_arn()
    assert stored_name() == "Ada"  # adopted, not recreated
    assert secret_value() == value_before
    statuses = [
        (e["LogicalResourceId"], e["ResourceStatus"])
        for e in released.events("shared")
        if e["ResourceStatus"].startswith("IMPORT_")
    ]
    assert ("Table", "IMPORT_COMPLETE") in statuses
    assert ("shared", "IMPORT_COMPLETE") in statuses
    assert {e["Name"] for e in cfn.list_exports()["Exports"]} == {"shared-topic"}


def test_the_imported_stack_updates_and_exports_as_usual(released: Any) -> None:
    released.execute(create_import(released.client, "shared", SHARED_WITH_STATE, to_import()))
    exported = SHARED_WITH_STATE + "  TableName: {Value: !Ref Table, Export: {Name: users-table}}\n"

    stack = released.deploy("shared", exported)

    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    exports = {e["Name"]: e["Value"] for e in released.client.list_exports()["Exports"]}
    assert exports["users-table"] == "users"
    assert stored_name() == "Ada"
    released.client.delete_stack(StackName="shared")  # Retain: the data survives the stack
    assert stored_name() == "Ada"


def test_import_can_create_the_stack(change_sets: Any) -> None:
    change_sets.deploy("legacy", LEGACY)
    put_item()
    change_sets.deploy("legacy", LEGACY_WITHOUT_STATE)
    template = "Resources:\n" + TABLE

    stack = change_sets.execute(
        create_import(change_sets.client, "data", template, to_import(secret=False))
    )

    assert stack["StackStatus"] == "IMPORT_COMPLETE"
    assert stored_name() == "Ada"


def test_a_resource_still_in_a_stack_cannot_be_imported(change_sets: Any) -> None:
    change_sets.deploy("legacy", LEGACY)
    change_sets.deploy("shared", SHARED)

    described = create_import(change_sets.client, "shared", SHARED_WITH_STATE, to_import())

    assert described["Status"] == "FAILED"
    legacy_id = change_sets.stack("legacy")["StackId"]
    assert described["StatusReason"] == f"users already exists in stack {legacy_id}"


def test_a_missing_resource_fails_the_change_set(change_sets: Any) -> None:
    change_sets.deploy("shared", SHARED)

    described = create_import(
        change_sets.client,
        "shared",
        "Resources:\n" + TOPIC + TABLE + OUTPUTS,
        to_import(secret=False),
    )

    assert described["Status"] == "FAILED"
    assert described["StatusReason"] == (
        "Resource of type 'AWS::DynamoDB::Table' with identifier '{TableName=users}' was not found."
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            SHARED_WITH_STATE.replace("    DeletionPolicy: Retain\n", ""),
            "The following resources to import [Table, Secret] must have DeletionPolicy "
            "attribute specified in the template.",
        ),
        (
            SHARED_WITH_STATE + "  Extra: {Value: !Ref Table}\n",
            "As part of the import operation, you cannot modify or add [Outputs]",
        ),
        (
            SHARED_WITH_STATE.replace("Outputs:", "  Queue: {Type: AWS::SQS::Queue}\nOutputs:"),
            "Import operations don't allow new resource creations",
        ),
        (
            SHARED_WITH_STATE.replace(
                TOPIC, "  Topic: {Type: AWS::SNS::Topic, Properties: {DisplayName: x}}\n"
            ),
            "Import operations don't allow new resource creations",
        ),
    ],
)
def test_imports_are_validated_as_aws_does(released: Any, template: str, message: str) -> None:
    with pytest.raises(ClientError) as error:
        create_import(released.client, "shared", template, to_import())

    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert message in error.value.response["Error"]["Message"]


def test_the_identifier_must_be_the_types_primary_identifier(released: Any) -> None:
    wrong = to_import(secret=False)
    wrong[0]["ResourceIdentifier"] = {"Arn": "users"}

    with pytest.raises(ClientError) as error:
        create_import(released.client, "shared", "Resources:\n" + TOPIC + TABLE + OUTPUTS, wrong)

    assert "must be exactly {TableName: ...}" in error.value.response["Error"]["Message"]


def test_a_rejected_import_leaves_no_new_stack(released: Any) -> None:
    with pytest.raises(ClientError):
        create_import(
            released.client,
            "data",
            "Resources:\n" + TABLE.replace("    DeletionPolicy: Retain\n", ""),
            to_import(secret=False),
        )

    with pytest.raises(ClientError):
        released.client.describe_stacks(StackName="data")


def test_an_import_whose_resource_vanished_rolls_back(released: Any) -> None:
    described = create_import(released.client, "shared", SHARED_WITH_STATE, to_import())
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName="users")

    stack = released.execute(described)

    assert stack["StackStatus"] == "IMPORT_ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == "The following resource(s) failed to import: [Table]."
    resources = released.client.describe_stack_resources(StackName="shared")["StackResources"]
    assert [r["LogicalResourceId"] for r in resources] == ["Topic"]
    assert released.client.get_template(StackName="shared")["TemplateBody"] == SHARED
    assert secret_value()  # the secret was not touched either
