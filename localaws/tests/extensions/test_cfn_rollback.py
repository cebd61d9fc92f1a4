"""Unsupported types fail the deploy; failures roll back like CloudFormation."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.cloudformation import parsing

# A real CloudFormation type the local AWS has no model for (checked below).
UNSUPPORTED = "AWS::CodeBuild::Project"

BASE = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn: {Value: !Ref Topic}
"""

WITH_UNSUPPORTED = f"""
Resources:
  Topic: {{Type: AWS::SNS::Topic}}
  Build:
    Type: {UNSUPPORTED}
    DependsOn: Topic
    Properties: {{Name: build}}
Outputs:
  TopicArn: {{Value: !Ref Topic}}
  BuildArn: {{Value: !GetAtt Build.Arn}}
"""


def topics() -> list[str]:
    sns = boto3.client("sns", region_name="us-east-1")
    return [topic["TopicArn"] for topic in sns.list_topics()["Topics"]]


def test_the_chosen_type_really_has_no_model() -> None:
    assert UNSUPPORTED not in parsing.get_model_map()


def test_an_unsupported_type_fails_the_create_and_rolls_back(change_sets: Any) -> None:
    stack = change_sets.execute(change_sets.create("broken", WITH_UNSUPPORTED))

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == (
        "The following resource(s) failed to create: [Build]. Rollback requested by user."
    )
    failed = [e for e in change_sets.events("broken") if e["ResourceStatus"] == "CREATE_FAILED"]
    assert [(e["LogicalResourceId"], e["ResourceType"]) for e in failed] == [("Build", UNSUPPORTED)]
    assert UNSUPPORTED in failed[0]["ResourceStatusReason"]
    assert "not supported by the local AWS" in failed[0]["ResourceStatusReason"]
    assert topics() == []  # what the failed create made is gone
    assert "Outputs" not in stack


def test_a_stack_in_rollback_complete_can_only_be_deleted(change_sets: Any) -> None:
    change_sets.execute(change_sets.create("broken", WITH_UNSUPPORTED))
    client = change_sets.client

    with pytest.raises(ClientError) as update:
        change_sets.create("broken", BASE, kind="UPDATE")
    assert "is in ROLLBACK_COMPLETE state and can not be updated" in str(update.value)
    with pytest.raises(ClientError) as create:
        change_sets.create("broken", BASE, kind="CREATE")
    assert create.value.response["Error"]["Code"] == "AlreadyExistsException"

    client.delete_stack(StackName="broken")
    assert client.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert change_sets.deploy("broken", BASE)["StackStatus"] == "CREATE_COMPLETE"


def test_a_failed_update_restores_the_previous_template_and_resources(change_sets: Any) -> None:
    change_sets.deploy("app", BASE)
    before = change_sets.outputs("app")
    grown = BASE.replace(
        "Resources:\n",
        "Resources:\n  Queue: {Type: AWS::SQS::Queue}\n"
        f"  Build:\n    Type: {UNSUPPORTED}\n    DependsOn: Queue\n",
    )

    stack = change_sets.execute(change_sets.create("app", grown), token="update-1")

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"] == "The following resource(s) failed to create: [Build]."
    assert change_sets.outputs("app") == before
    assert change_sets.client.get_template(StackName="app")["TemplateBody"] == BASE
    queues = boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", [])
    assert queues == []  # the queue the update added was deleted by the rollback
    assert topics() == [before["TopicArn"]]
    # The stack is usable again: an identical redeploy is empty, a real change works.
    assert change_sets.create("app", BASE)["Status"] == "FAILED"
    assert change_sets.deploy("app", BASE + "Description: v2\n")["StackStatus"] == "UPDATE_COMPLETE"


def test_an_unknown_type_is_a_template_format_error(change_sets: Any) -> None:
    with pytest.raises(ClientError) as error:
        change_sets.create("typo", "Resources:\n  Thing: {Type: AWS::SNS::Topik}\n")

    assert error.value.response["Error"]["Message"] == (
        "Template format error: Unrecognized resource types: [AWS::SNS::Topik]"
    )


def test_disable_rollback_leaves_create_failed(change_sets: Any) -> None:
    described = change_sets.create("kept", WITH_UNSUPPORTED)

    change_sets.client.execute_change_set(
        StackName="kept", ChangeSetName=described["ChangeSetName"], DisableRollback=True
    )

    assert change_sets.stack("kept")["StackStatus"] == "CREATE_FAILED"
    assert len(topics()) == 1


def test_create_stack_rolls_back_too(cfn: Any) -> None:
    cfn.create_stack(StackName="direct", TemplateBody=WITH_UNSUPPORTED)

    stack = cfn.describe_stacks(StackName="direct")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert topics() == []


def test_replacing_a_custom_named_resource_under_the_same_name_fails(change_sets: Any) -> None:
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
      GroupName: lambda
      GroupDescription: !Sub "lambda in ${Cidr}"
      VpcId: !Ref Vpc
"""
    change_sets.deploy("network", body)

    stack = change_sets.execute(
        change_sets.create(
            "network", body, parameters=[{"ParameterKey": "Cidr", "ParameterValue": "10.9.0.0/16"}]
        )
    )

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = [
        e["ResourceStatusReason"]
        for e in change_sets.events("network")
        if e["ResourceStatus"] == "UPDATE_FAILED"
    ]
    assert reasons == [
        "CloudFormation cannot update a stack when a custom-named resource requires "
        "replacing. Rename lambda and update the stack again."
    ]
    vpcs = boto3.client("ec2", region_name="us-east-1").describe_vpcs()["Vpcs"]
    assert "10.9.0.0/16" not in [vpc["CidrBlock"] for vpc in vpcs]


def test_a_create_rollback_keeps_resources_with_deletion_policy_retain(change_sets: Any) -> None:
    body = WITH_UNSUPPORTED.replace(
        "  Topic: {Type: AWS::SNS::Topic}\n",
        "  Topic: {Type: AWS::SNS::Topic, DeletionPolicy: Retain}\n"
        "  Scratch: {Type: AWS::SQS::Queue, DeletionPolicy: RetainExceptOnCreate}\n",
    )
    assert body != WITH_UNSUPPORTED

    stack = change_sets.execute(change_sets.create("retained", body))

    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert len(topics()) == 1  # Retain: kept, as CloudFormation keeps it
    queues = boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls", [])
    assert queues == []  # RetainExceptOnCreate: deleted when its create rolls back
    statuses = {
        (e["LogicalResourceId"], e["ResourceStatus"]) for e in change_sets.events("retained")
    }
    assert ("Topic", "DELETE_SKIPPED") in statuses
    assert ("Scratch", "DELETE_COMPLETE") in statuses
