"""A role whose inline policy CloudFormation wrote (AWS::IAM::Role ``Policies``) is
evaluated like one written with PutRolePolicy.

moto keeps a CloudFormation inline policy document as the template's mapping, not as the
JSON text PutRolePolicy stores; the authorizer parsed only text and answered every call of
such a role with a 500. AWS evaluates both alike (an inline policy is "embedded in an IAM
identity", IAM User Guide, "Managed policies and inline policies").
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.iam.serving import EnforcingServer

REGION = "us-east-1"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = EnforcingServer("127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_a_cloudformation_inline_role_policy_allows_and_denies(endpoint: str) -> None:
    def client(service: str, keys: dict[str, str]) -> object:
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **keys)

    name = f"inline-{uuid.uuid4().hex[:8]}"
    secrets = client("secretsmanager", ADMIN)
    allowed = secrets.create_secret(Name=f"{name}-a", SecretString="a")["ARN"]  # type: ignore[attr-defined]
    other = secrets.create_secret(Name=f"{name}-b", SecretString="b")["ARN"]  # type: ignore[attr-defined]
    template = {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": name,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "Policies": [
                        {
                            "PolicyName": "read",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "secretsmanager:GetSecretValue",
                                        "Resource": allowed,
                                    }
                                ],
                            },
                        }
                    ],
                },
            }
        }
    }
    cfn = client("cloudformation", ADMIN)
    cfn.create_stack(
        StackName=name, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"]
    )  # type: ignore[attr-defined]
    answer = client("sts", ADMIN).assume_role(  # type: ignore[attr-defined]
        RoleArn=f"arn:aws:iam::123456789012:role/{name}", RoleSessionName="fn"
    )["Credentials"]
    role = {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }

    assert client("secretsmanager", role).get_secret_value(SecretId=allowed)["SecretString"] == "a"  # type: ignore[attr-defined]
    with pytest.raises(ClientError) as refused:
        client("secretsmanager", role).get_secret_value(SecretId=other)  # type: ignore[attr-defined]
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
