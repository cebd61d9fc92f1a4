"""AWS::CodeDeploy::Application and DeploymentGroup, checked as CodeDeploy checks them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from pplocalaws.extensions import install

ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "codedeploy.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    },
}


def template(platform: str = "Lambda", **group: Any) -> str:
    properties = {
        "ApplicationName": {"Ref": "App"},
        "ServiceRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
        "DeploymentConfigName": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
        "DeploymentStyle": {
            "DeploymentType": "BLUE_GREEN",
            "DeploymentOption": "WITH_TRAFFIC_CONTROL",
        },
        **group,
    }
    return json.dumps(
        {
            "Resources": {
                "Role": ROLE,
                "App": {
                    "Type": "AWS::CodeDeploy::Application",
                    "Properties": {"ApplicationName": "app", "ComputePlatform": platform},
                },
                "Group": {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": properties},
            },
            "Outputs": {"Group": {"Value": {"Ref": "Group"}}, "App": {"Value": {"Ref": "App"}}},
        }
    )


@pytest.fixture
def cfn(aws: boto3.Session) -> Any:
    install()
    return aws.client("cloudformation")


def test_a_lambda_application_and_group_are_created_and_deleted(
    aws: boto3.Session, cfn: Any, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn.create_stack(StackName="s", TemplateBody=template(), Capabilities=["CAPABILITY_IAM"])
    cfn.get_waiter("stack_create_complete").wait(StackName="s", WaiterConfig={"Delay": 1})
    outputs = stack_outputs("s")
    assert outputs["App"] == "app"
    codedeploy = aws.client("codedeploy")
    info = codedeploy.get_deployment_group(
        applicationName="app", deploymentGroupName=outputs["Group"]
    )
    assert info["deploymentGroupInfo"]["deploymentConfigName"] == (
        "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
    )
    cfn.delete_stack(StackName="s")
    cfn.get_waiter("stack_delete_complete").wait(StackName="s", WaiterConfig={"Delay": 1})
    assert codedeploy.list_applications()["applications"] == []


@pytest.mark.parametrize(
    ("platform", "group", "reason"),
    [
        (
            "Lambda",
            {"DeploymentConfigName": "CodeDeployDefault.OneAtATime"},
            "DeploymentConfigDoesNotExistException",
        ),
        (
            "Lambda",
            {"ServiceRoleArn": "arn:aws:iam::123456789012:role/nobody"},
            "InvalidRoleException",
        ),
        (
            "Lambda",
            {
                "DeploymentStyle": {
                    "DeploymentType": "IN_PLACE",
                    "DeploymentOption": "WITHOUT_TRAFFIC_CONTROL",
                }
            },
            "BLUE_GREEN",
        ),
        (
            "Lambda",
            {
                "AlarmConfiguration": {
                    "Enabled": True,
                    "Alarms": [{"Name": f"a{i}"} for i in range(11)],
                }
            },
            "AlarmsLimitExceededException",
        ),
        ("Functions", {}, "ComputePlatform"),
    ],
)
def test_a_group_codedeploy_refuses_fails_the_stack(
    cfn: Any, platform: str, group: dict[str, Any], reason: str
) -> None:
    cfn.create_stack(
        StackName="s", TemplateBody=template(platform, **group), Capabilities=["CAPABILITY_IAM"]
    )
    deadline = time.monotonic() + 30  # stack operations may run in the background
    while True:
        stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="s")["StackEvents"]
    assert any(reason in e.get("ResourceStatusReason", "") for e in events)
