"""DescribeStacks, termination protection, capabilities and ValidateTemplate like AWS."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

SECRET_STACK = """
Parameters:
  Stage: {Type: String, Default: dev}
  JwtSecret: {Type: String, NoEcho: true}
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: !Ref Stage}
Outputs:
  First: {Value: !Ref Stage, Export: {Name: first-export}}
  Second: {Value: !Ref Stage, Export: {Name: second-export}}
"""


def test_no_echo_parameters_are_masked_everywhere(change_sets: Any) -> None:
    described = change_sets.create(
        "secret",
        SECRET_STACK,
        parameters=[{"ParameterKey": "JwtSecret", "ParameterValue": "x" * 64}],
    )
    change_sets.execute(described)

    shown = {
        p["ParameterKey"]: p["ParameterValue"] for p in change_sets.stack("secret")["Parameters"]
    }
    assert shown == {"Stage": "dev", "JwtSecret": "****"}
    masked = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    assert masked["JwtSecret"] == "****"


def test_each_output_names_its_own_export(change_sets: Any) -> None:
    change_sets.deploy(
        "secret", SECRET_STACK, parameters=[{"ParameterKey": "JwtSecret", "ParameterValue": "x"}]
    )

    outputs = change_sets.stack("secret")["Outputs"]

    assert {o["OutputKey"]: o["ExportName"] for o in outputs} == {
        "First": "first-export",
        "Second": "second-export",
    }


def test_termination_protection_blocks_delete(cfn: Any) -> None:
    cfn.create_stack(
        StackName="protected",
        TemplateBody="Resources:\n  Topic: {Type: AWS::SNS::Topic}\n",
        EnableTerminationProtection=True,
    )

    with pytest.raises(ClientError) as error:
        cfn.delete_stack(StackName="protected")
    assert error.value.response["Error"]["Message"] == (
        "Stack [protected] cannot be deleted while TerminationProtection is enabled"
    )

    cfn.update_termination_protection(StackName="protected", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="protected")
    assert cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] == []


def test_iam_resources_need_the_iam_capabilities(cfn: Any) -> None:
    role = """
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: purposepath-role
      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}
"""
    with pytest.raises(ClientError) as error:
        cfn.create_stack(StackName="iam", TemplateBody=role, Capabilities=["CAPABILITY_IAM"])
    assert error.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    assert "CAPABILITY_NAMED_IAM" in error.value.response["Error"]["Message"]

    cfn.create_stack(StackName="iam", TemplateBody=role, Capabilities=["CAPABILITY_NAMED_IAM"])
    assert cfn.describe_stacks(StackName="iam")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_update_stack_with_nothing_new_says_so(cfn: Any) -> None:
    body = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    cfn.create_stack(StackName="same", TemplateBody=body)

    with pytest.raises(ClientError) as error:
        cfn.update_stack(StackName="same", TemplateBody=body)

    assert error.value.response["Error"]["Message"] == "No updates are to be performed."


def test_validate_template_reports_parameters_and_refuses_broken_templates(cfn: Any) -> None:
    answer = cfn.validate_template(TemplateBody=SECRET_STACK)

    assert answer["Parameters"] == [
        {"ParameterKey": "Stage", "DefaultValue": "dev", "NoEcho": False},
        {"ParameterKey": "JwtSecret", "NoEcho": True},
    ]
    assert answer["Capabilities"] == []
    with pytest.raises(ClientError) as error:
        cfn.validate_template(TemplateBody="Resources: {}\n")
    assert "At least one Resources member must be defined" in str(error.value)


def test_missing_and_undeclared_parameters_are_refused(change_sets: Any) -> None:
    with pytest.raises(ClientError) as missing:
        change_sets.create("params", SECRET_STACK)
    assert "Parameters: [JwtSecret] must have values" in str(missing.value)

    with pytest.raises(ClientError) as undeclared:
        change_sets.create(
            "params",
            SECRET_STACK,
            parameters=[
                {"ParameterKey": "JwtSecret", "ParameterValue": "x"},
                {"ParameterKey": "Nope", "ParameterValue": "y"},
            ],
        )
    assert "Parameters: [Nope] do not exist in the template" in str(undeclared.value)
    assert change_sets.client.list_stacks()["StackSummaries"] == []


def test_list_stacks_summarises_live_and_deleted_stacks(cfn: Any) -> None:
    body = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    cfn.create_stack(StackName="gone", TemplateBody=body)
    cfn.delete_stack(StackName="gone")
    cfn.create_stack(StackName="kept", TemplateBody=body)

    summaries = cfn.list_stacks()["StackSummaries"]

    assert sorted((s["StackName"], s["StackStatus"]) for s in summaries) == [
        ("gone", "DELETE_COMPLETE"),
        ("kept", "CREATE_COMPLETE"),
    ]
