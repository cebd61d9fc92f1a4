"""SAM templates are transformed server side, with CAPABILITY_AUTO_EXPAND like AWS."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

SAM_STACK = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
Resources:
  Sessions:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: !Sub purposepath-sessions-${Stage}
      PrimaryKey: {Name: id, Type: String}
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub purposepath-account-api-${Stage}
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(event, context):\\n    return {}\\n"
      Policies:
        - AWSLambdaBasicExecutionRole
Outputs:
  TableName:
    Value: !Ref Sessions
"""


def test_a_sam_change_set_needs_capability_auto_expand(change_sets: Any) -> None:
    with pytest.raises(ClientError) as error:
        change_sets.create("sam", SAM_STACK, capabilities=["CAPABILITY_IAM"])

    assert error.value.response["Error"]["Code"] == "InsufficientCapabilitiesException"
    assert error.value.response["Error"]["Message"] == (
        "Requires capabilities : [CAPABILITY_AUTO_EXPAND]"
    )


def test_a_sam_change_set_creates_the_transformed_resources(change_sets: Any) -> None:
    described = change_sets.create("sam", SAM_STACK)
    types = sorted(c["ResourceChange"]["ResourceType"] for c in described["Changes"])
    assert types == ["AWS::DynamoDB::Table", "AWS::IAM::Role", "AWS::Lambda::Function"]

    stack = change_sets.execute(described)

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert change_sets.outputs("sam")["TableName"] == "purposepath-sessions-dev"
    functions = boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"]
    assert [f["FunctionName"] for f in functions] == ["purposepath-account-api-dev"]


def test_an_identical_sam_redeploy_is_an_empty_change_set(change_sets: Any) -> None:
    change_sets.deploy("sam", SAM_STACK)
    assert change_sets.outputs("sam")["TableName"] == "purposepath-sessions-dev"

    described = change_sets.create("sam", SAM_STACK)

    assert described["Status"] == "FAILED"
    assert "didn't contain changes" in described["StatusReason"]


def test_get_template_returns_original_or_processed(change_sets: Any) -> None:
    change_sets.deploy("sam", SAM_STACK)
    client = change_sets.client

    original = client.get_template(StackName="sam")
    processed = client.get_template(StackName="sam", TemplateStage="Processed")

    assert original["TemplateBody"] == SAM_STACK
    assert original["StagesAvailable"] == ["Original", "Processed"]
    processed_template = processed["TemplateBody"]
    if isinstance(processed_template, str):
        processed_template = json.loads(processed_template)
    assert "Transform" not in processed_template
    assert processed_template["Resources"]["Handler"]["Type"] == "AWS::Lambda::Function"


def test_create_stack_runs_the_transform_too(cfn: Any) -> None:
    cfn.create_stack(
        StackName="direct",
        TemplateBody=SAM_STACK,
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )

    stack = cfn.describe_stacks(StackName="direct")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    tables = boto3.client("dynamodb", region_name="us-east-1").list_tables()["TableNames"]
    assert tables == ["purposepath-sessions-dev"]


def test_an_invalid_sam_template_fails_the_change_set_with_the_transform_error(
    change_sets: Any,
) -> None:
    # A function needs code: CodeUri, ImageUri or InlineCode.
    broken = SAM_STACK.replace(
        '      InlineCode: "def handler(event, context):\\n    return {}\\n"\n', ""
    )
    assert broken != SAM_STACK

    described = change_sets.create("sam", broken)

    assert described["Status"] == "FAILED"
    assert described["StatusReason"].startswith("Transform AWS::Serverless-2016-10-31 failed with:")


def test_validate_template_reports_the_transform_and_capabilities(cfn: Any) -> None:
    answer = cfn.validate_template(TemplateBody=SAM_STACK)

    assert answer["DeclaredTransforms"] == ["AWS::Serverless-2016-10-31"]
    assert answer["Capabilities"] == ["CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"]
    assert answer["Parameters"] == [
        {"ParameterKey": "Stage", "DefaultValue": "dev", "NoEcho": False}
    ]
