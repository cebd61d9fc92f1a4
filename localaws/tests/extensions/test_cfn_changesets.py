"""Change sets behave like CloudFormation's: outputs, empty change sets, Changes shape."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

NO_CHANGES = (
    "The submitted information didn't contain changes. "
    "Submit different information to create a change set."
)

TABLE_STACK = """
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Stage: {Type: String, Default: dev}
  Billing: {Type: String, Default: PAY_PER_REQUEST}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
    Properties:
      TableName: !Sub purposepath-users-${Stage}
      BillingMode: !Ref Billing
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Topic:
    Type: AWS::SNS::Topic
Outputs:
  TableName:
    Value: !Ref Table
    Export: {Name: !Sub "purposepath-users-table-${Stage}"}
  TopicArn:
    Value: !Ref Topic
"""


def changes_by_id(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        change["ResourceChange"]["LogicalResourceId"]: change["ResourceChange"]
        for change in described["Changes"]
    }


def test_executing_a_create_change_set_gives_outputs_and_exports(change_sets: Any) -> None:
    described = change_sets.create("shared", TABLE_STACK, kind="CREATE")

    assert described["Status"] == "CREATE_COMPLETE"
    assert described["ExecutionStatus"] == "AVAILABLE"
    assert {c["Type"] for c in described["Changes"]} == {"Resource"}
    assert changes_by_id(described)["Table"]["Action"] == "Add"
    assert "Replacement" not in changes_by_id(described)["Table"]
    assert change_sets.stack("shared")["StackStatus"] == "REVIEW_IN_PROGRESS"

    stack = change_sets.execute(described)

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert change_sets.outputs("shared")["TableName"] == "purposepath-users-dev"
    exports = change_sets.client.list_exports()["Exports"]
    assert [(e["Name"], e["Value"]) for e in exports] == [
        ("purposepath-users-table-dev", "purposepath-users-dev")
    ]
    executed = change_sets.client.describe_change_set(
        StackName="shared", ChangeSetName=described["ChangeSetName"]
    )
    assert executed["ExecutionStatus"] == "EXECUTE_COMPLETE"


def test_import_value_in_a_create_change_set_resolves_against_live_exports(
    change_sets: Any,
) -> None:
    change_sets.deploy("shared", TABLE_STACK)
    importer = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Join ["-", [!ImportValue purposepath-users-table-dev, queue]]
Outputs:
  QueueName: {Value: !GetAtt Queue.QueueName}
"""
    change_sets.deploy("service", importer)

    assert change_sets.outputs("service")["QueueName"] == "purposepath-users-dev-queue"


def test_an_import_nothing_exports_fails_the_change_set_naming_it(change_sets: Any) -> None:
    importer = """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !ImportValue purposepath-missing-dev}
"""
    described = change_sets.create("service", importer)

    assert described["Status"] == "FAILED"
    assert described["StatusReason"] == "No export named purposepath-missing-dev found."


@pytest.mark.parametrize(
    "parameters",
    [
        [],
        [{"ParameterKey": "Stage", "ParameterValue": "dev"}],
        [{"ParameterKey": "Stage", "UsePreviousValue": True}],
    ],
    ids=["defaults", "explicit-default", "use-previous-value"],
)
def test_an_identical_redeploy_is_an_empty_change_set_that_cannot_run(
    change_sets: Any, parameters: list[dict[str, Any]]
) -> None:
    change_sets.deploy("shared", TABLE_STACK)

    described = change_sets.create("shared", TABLE_STACK, parameters=parameters)

    assert described["Status"] == "FAILED"
    assert described["ExecutionStatus"] == "UNAVAILABLE"
    assert described["StatusReason"] == NO_CHANGES
    with pytest.raises(ClientError) as refused:
        change_sets.execute(described)
    assert refused.value.response["Error"]["Code"] == "InvalidChangeSetStatus"
    change_sets.client.delete_change_set(
        StackName="shared", ChangeSetName=described["ChangeSetName"]
    )
    names = [
        s["ChangeSetName"]
        for s in change_sets.client.list_change_sets(StackName="shared")["Summaries"]
    ]
    assert described["ChangeSetName"] not in names


@pytest.mark.parametrize(
    ("body", "options"),
    [
        (TABLE_STACK.replace("Resources:\n", "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n"), {}),
        (TABLE_STACK, {"parameters": [{"ParameterKey": "Billing", "ParameterValue": "X"}]}),
        (TABLE_STACK, {"tags": {"team": "platform"}}),
    ],
    ids=["template", "parameter", "tags"],
)
def test_a_template_parameter_or_tag_change_is_not_empty(
    change_sets: Any, body: str, options: dict[str, Any]
) -> None:
    change_sets.deploy("shared", TABLE_STACK)

    described = change_sets.create("shared", body, **options)

    assert described["Status"] == "CREATE_COMPLETE"
    assert described["ExecutionStatus"] == "AVAILABLE"


def test_changes_say_replacement_from_create_only_properties(change_sets: Any) -> None:
    change_sets.deploy("shared", TABLE_STACK)
    table_name = change_sets.outputs("shared")["TableName"]
    renamed = TABLE_STACK.replace("purposepath-users-${Stage}", "purposepath-people-${Stage}")
    renamed = renamed.replace("  Topic:\n    Type: AWS::SNS::Topic\n", "")
    renamed = renamed.replace("  TopicArn:\n    Value: !Ref Topic\n", "")

    described = change_sets.create("shared", renamed)

    table = changes_by_id(described)["Table"]
    assert table["Action"] == "Modify"
    assert table["Replacement"] == "True"
    assert table["PhysicalResourceId"] == table_name
    assert table["PolicyAction"] == "ReplaceAndRetain"
    assert table["Scope"] == ["Properties"]
    assert table["Details"] == [
        {
            "Target": {
                "Attribute": "Properties",
                "Name": "TableName",
                "RequiresRecreation": "Always",
            },
            "Evaluation": "Static",
            "ChangeSource": "DirectModification",
        }
    ]
    topic = changes_by_id(described)["Topic"]
    assert topic["Action"] == "Remove"
    assert topic["PolicyAction"] == "Delete"
    assert topic["PhysicalResourceId"].startswith("arn:aws:sns:")


def test_a_parameter_change_to_an_updatable_property_is_an_in_place_modify(
    change_sets: Any,
) -> None:
    change_sets.deploy("shared", TABLE_STACK)

    described = change_sets.create(
        "shared",
        TABLE_STACK,
        parameters=[{"ParameterKey": "Billing", "ParameterValue": "PROVISIONED"}],
    )

    table = changes_by_id(described)["Table"]
    assert table["Replacement"] == "False"
    assert table["Details"] == [
        {
            "Target": {
                "Attribute": "Properties",
                "Name": "BillingMode",
                "RequiresRecreation": "Never",
            },
            "Evaluation": "Static",
            "ChangeSource": "ParameterReference",
            "CausingEntity": "Billing",
        }
    ]


def test_a_reference_to_a_replaced_resource_makes_replacement_conditional(
    change_sets: Any,
) -> None:
    body = """
Parameters:
  Cidr: {Type: String, Default: 10.0.0.0/16}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref Cidr}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: lambda
      VpcId: !Ref Vpc
"""
    change_sets.deploy("network", body)

    described = change_sets.create(
        "network", body, parameters=[{"ParameterKey": "Cidr", "ParameterValue": "10.1.0.0/16"}]
    )

    changes = changes_by_id(described)
    assert changes["Vpc"]["Replacement"] == "True"
    assert changes["Group"]["Replacement"] == "Conditional"
    assert changes["Group"]["Details"] == [
        {
            "Target": {
                "Attribute": "Properties",
                "Name": "VpcId",
                "RequiresRecreation": "Conditionally",
            },
            "Evaluation": "Dynamic",
            "ChangeSource": "ResourceReference",
            "CausingEntity": "Vpc",
        }
    ]


def test_describe_change_set_reports_effective_parameters_and_tags(change_sets: Any) -> None:
    body = """
Parameters:
  Stage: {Type: String, Default: dev}
  Password: {Type: String, NoEcho: true}
Resources:
  Topic: {Type: AWS::SNS::Topic}
"""
    described = change_sets.create(
        "masked",
        body,
        parameters=[{"ParameterKey": "Password", "ParameterValue": "s3cret-value"}],
        tags={"owner": "platform"},
    )

    assert described["Parameters"] == [
        {"ParameterKey": "Stage", "ParameterValue": "dev"},
        {"ParameterKey": "Password", "ParameterValue": "****"},
    ]
    assert described["Tags"] == [{"Key": "owner", "Value": "platform"}]
    assert "CAPABILITY_IAM" in described["Capabilities"]


def test_change_set_names_belong_to_their_stack(change_sets: Any) -> None:
    client = change_sets.client
    body = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    for stack in ("one", "two"):
        client.create_change_set(
            StackName=stack, ChangeSetName="deploy", TemplateBody=body, ChangeSetType="CREATE"
        )

    client.execute_change_set(StackName="two", ChangeSetName="deploy")

    assert change_sets.stack("one")["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert change_sets.stack("two")["StackStatus"] == "CREATE_COMPLETE"
    listed = client.list_change_sets(StackName="one")["Summaries"]
    assert [(s["StackName"], s["ChangeSetName"]) for s in listed] == [("one", "deploy")]
    with pytest.raises(ClientError) as missing:
        client.describe_change_set(StackName="one", ChangeSetName="other")
    assert missing.value.response["Error"]["Code"] == "ChangeSetNotFound"


def test_a_retried_request_with_the_same_client_token_returns_the_same_change_set(
    cfn: Any,
) -> None:
    request = {
        "StackName": "retry",
        "ChangeSetName": "deploy",
        "TemplateBody": "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
        "ChangeSetType": "CREATE",
        "ClientToken": "same-token",
    }
    first = cfn.create_change_set(**request)
    second = cfn.create_change_set(**request)

    assert first["Id"] == second["Id"]
    with pytest.raises(ClientError) as clash:
        cfn.create_change_set(**dict(request, ClientToken="other-token"))
    assert clash.value.response["Error"]["Code"] == "AlreadyExistsException"


def test_executing_a_change_set_drops_the_stacks_other_change_sets(change_sets: Any) -> None:
    change_sets.deploy("shared", TABLE_STACK)
    params = [{"ParameterKey": "Billing", "ParameterValue": "PROVISIONED"}]
    first = change_sets.create("shared", TABLE_STACK, parameters=params)
    second = change_sets.create("shared", TABLE_STACK, tags={"team": "x"})

    change_sets.execute(second)

    names = [
        s["ChangeSetName"]
        for s in change_sets.client.list_change_sets(StackName="shared")["Summaries"]
    ]
    assert second["ChangeSetName"] in names
    assert first["ChangeSetName"] not in names


def test_update_change_set_applies_parameter_change(change_sets: Any, aws: None) -> None:
    change_sets.deploy("shared", TABLE_STACK)
    described = change_sets.create(
        "shared",
        TABLE_STACK,
        parameters=[{"ParameterKey": "Stage", "ParameterValue": "prod"}],
    )

    stack = change_sets.execute(described)

    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert change_sets.outputs("shared")["TableName"] == "purposepath-users-prod"
    assert [e["Name"] for e in change_sets.client.list_exports()["Exports"]] == [
        "purposepath-users-table-prod"
    ]
    tables = boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"]
    # UpdateReplacePolicy Retain keeps the replaced table, as on AWS.
    assert sorted(tables) == ["purposepath-users-dev", "purposepath-users-prod"]
