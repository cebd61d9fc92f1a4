"""IAM roles and managed policies: attachments, updates and clean deletes."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

BASIC_EXECUTION = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def _statement(action: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    }


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
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "AccountPolicy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": "pp-account",
                "PolicyDocument": _statement("dynamodb:GetItem"),
            },
        },
        "FunctionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "pp-account-fn",
                "AssumeRolePolicyDocument": TRUST,
                "ManagedPolicyArns": [{"Ref": "AccountPolicy"}, BASIC_EXECUTION],
                "Policies": [
                    {"PolicyName": "inline", "PolicyDocument": _statement("s3:GetObject")}
                ],
            },
        },
    },
}


def _attached(iam: Any) -> list[str]:
    return sorted(
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName="pp-account-fn")["AttachedPolicies"]
    )


def test_role_gets_its_managed_policies_including_aws_managed_ones(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_NAMED_IAM"]
    )

    assert _attached(iam) == sorted(
        [BASIC_EXECUTION, "arn:aws:iam::123456789012:policy/pp-account"]
    )
    assert iam.list_role_policies(RoleName="pp-account-fn")["PolicyNames"] == ["inline"]


def test_updates_detach_policies_and_version_the_managed_policy(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["FunctionRole"]["Properties"]["ManagedPolicyArns"] = [
        {"Ref": "AccountPolicy"}
    ]
    template["Resources"]["FunctionRole"]["Properties"]["Policies"] = []
    template["Resources"]["AccountPolicy"]["Properties"]["PolicyDocument"] = _statement(
        "dynamodb:Query"
    )

    cfn.update_stack(
        StackName="s", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"]
    )

    arn = "arn:aws:iam::123456789012:policy/pp-account"
    assert _attached(iam) == [arn]
    assert iam.list_role_policies(RoleName="pp-account-fn")["PolicyNames"] == []
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    assert document["Statement"][0]["Action"] == "dynamodb:Query"


def test_delete_stack_removes_role_and_policy(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_NAMED_IAM"]
    )

    cfn.delete_stack(StackName="s")

    assert iam.list_roles()["Roles"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
