"""Lambda function settings moto keeps, and AWS::Lambda::Permission (our model)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def aws(aws: boto3.Session) -> boto3.Session:
    """The shared mocked AWS, plus the function's code in the artifacts bucket."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return {}\n")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="account/abc.zip", Body=archive.getvalue())
    return aws


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
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
        "Group": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "fn", "VpcId": {"Ref": "Vpc"}},
        },
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": []}},
        },
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": "purposepath-account-api-dev",
                "Runtime": "python3.13",
                "Handler": "app.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Architectures": ["arm64"],
                "MemorySize": 512,
                "Timeout": 20,
                "Code": {"S3Bucket": "artifacts", "S3Key": "account/abc.zip"},
                "Environment": {"Variables": {"STAGE": "dev"}},
                "TracingConfig": {"Mode": "Active"},
                "KmsKeyArn": {"Fn::GetAtt": ["Key", "Arn"]},
                "VpcConfig": {
                    "SubnetIds": [{"Ref": "Subnet"}],
                    "SecurityGroupIds": [{"Ref": "Group"}],
                },
            },
        },
        "InvokeFromApi": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": {"Ref": "Function"},
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": "arn:aws:execute-api:us-east-1:123456789012:abc123/*/*",
            },
        },
    },
    "Outputs": {"Permission": {"Value": {"Ref": "InvokeFromApi"}}},
}


def test_function_keeps_every_setting_the_templates_use(aws: boto3.Session) -> None:
    cfn, functions = aws.client("cloudformation"), aws.client("lambda")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_IAM"]
    )

    config = functions.get_function_configuration(FunctionName="purposepath-account-api-dev")
    assert config["Environment"]["Variables"] == {"STAGE": "dev"}
    assert config["Architectures"] == ["arm64"]
    assert (config["MemorySize"], config["Timeout"], config["Runtime"]) == (512, 20, "python3.13")
    assert config["TracingConfig"]["Mode"] == "Active"
    assert config["KMSKeyArn"].startswith("arn:aws:kms:")
    assert len(config["VpcConfig"]["SubnetIds"]) == 1
    assert len(config["VpcConfig"]["SecurityGroupIds"]) == 1


def test_permission_is_a_policy_statement_whose_id_is_the_ref(aws: boto3.Session) -> None:
    cfn, functions = aws.client("cloudformation"), aws.client("lambda")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_IAM"]
    )
    statement_id = cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"][0]["OutputValue"]

    statements = json.loads(
        functions.get_policy(FunctionName="purposepath-account-api-dev")["Policy"]
    )["Statement"]
    assert [(s["Sid"], s["Principal"], s["Action"]) for s in statements] == [
        (statement_id, {"Service": "apigateway.amazonaws.com"}, "lambda:InvokeFunction")
    ]


def test_removing_the_permission_removes_the_statement(aws: boto3.Session) -> None:
    cfn, functions = aws.client("cloudformation"), aws.client("lambda")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_IAM"]
    )
    template = json.loads(json.dumps(TEMPLATE))
    del template["Resources"]["InvokeFromApi"]
    del template["Outputs"]

    cfn.update_stack(
        StackName="s", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"]
    )

    with pytest.raises(ClientError, match="ResourceNotFound"):
        functions.get_policy(FunctionName="purposepath-account-api-dev")


def test_delete_stack_removes_function_and_role(aws: boto3.Session) -> None:
    cfn, functions = aws.client("cloudformation"), aws.client("lambda")
    cfn.create_stack(
        StackName="s", TemplateBody=json.dumps(TEMPLATE), Capabilities=["CAPABILITY_IAM"]
    )

    cfn.delete_stack(StackName="s")

    assert functions.list_functions()["Functions"] == []
    assert aws.client("iam").list_roles()["Roles"] == []
