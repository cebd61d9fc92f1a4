"""AWS::SecretsManager::Secret through CloudFormation, read back through Secrets Manager."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


def _secret(properties: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Resources": {
                "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": properties}
            },
            "Outputs": {
                "Ref": {"Value": {"Ref": "Secret"}},
                "Id": {"Value": {"Fn::GetAtt": ["Secret", "Id"]}},
            },
        }
    )


GENERATED = {
    "Name": "purposepath/jwt-secret/dev",
    "Description": "JWT signing secret",
    "GenerateSecretString": {
        "SecretStringTemplate": "{}",
        "GenerateStringKey": "secret",
        "PasswordLength": 96,
        "ExcludePunctuation": True,
    },
    "Tags": [{"Key": "stage", "Value": "dev"}],
}


def test_generated_secret_is_created_with_its_json_key_and_ref_is_the_arn(
    aws: boto3.Session,
    stack_outputs: Callable[[str], dict[str, str]],
) -> None:
    cfn, secrets = aws.client("cloudformation"), aws.client("secretsmanager")
    cfn.create_stack(StackName="s", TemplateBody=_secret(GENERATED))

    described = secrets.describe_secret(SecretId="purposepath/jwt-secret/dev")
    value = json.loads(
        secrets.get_secret_value(SecretId="purposepath/jwt-secret/dev")["SecretString"]
    )
    assert stack_outputs("s") == {"Ref": described["ARN"], "Id": described["ARN"]}
    assert len(value["secret"]) == 96
    assert not set(value["secret"]) & set(string.punctuation)
    assert described["Description"] == "JWT signing secret"
    assert described["Tags"] == [{"Key": "stage", "Value": "dev"}]


def test_update_keeps_the_generated_value_and_applies_the_description(aws: boto3.Session) -> None:
    cfn, secrets = aws.client("cloudformation"), aws.client("secretsmanager")
    cfn.create_stack(StackName="s", TemplateBody=_secret(GENERATED))
    before = secrets.get_secret_value(SecretId="purposepath/jwt-secret/dev")["SecretString"]

    cfn.update_stack(
        StackName="s", TemplateBody=_secret({**GENERATED, "Description": "rotated doc"})
    )

    assert secrets.get_secret_value(SecretId="purposepath/jwt-secret/dev")["SecretString"] == before
    assert (
        secrets.describe_secret(SecretId="purposepath/jwt-secret/dev")["Description"]
        == "rotated doc"
    )


def test_a_changed_secret_string_writes_a_new_value(aws: boto3.Session) -> None:
    cfn, secrets = aws.client("cloudformation"), aws.client("secretsmanager")
    cfn.create_stack(StackName="s", TemplateBody=_secret({"Name": "plain", "SecretString": "one"}))

    cfn.update_stack(StackName="s", TemplateBody=_secret({"Name": "plain", "SecretString": "two"}))

    assert secrets.get_secret_value(SecretId="plain")["SecretString"] == "two"


def test_a_new_name_replaces_the_secret(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, secrets = aws.client("cloudformation"), aws.client("secretsmanager")
    cfn.create_stack(StackName="s", TemplateBody=_secret({"Name": "old", "SecretString": "v"}))

    cfn.update_stack(StackName="s", TemplateBody=_secret({"Name": "new", "SecretString": "v"}))

    assert [s["Name"] for s in secrets.list_secrets()["SecretList"]] == ["new"]
    assert stack_outputs("s")["Ref"] == secrets.describe_secret(SecretId="new")["ARN"]


def test_delete_stack_removes_the_secret_at_once(aws: boto3.Session) -> None:
    cfn, secrets = aws.client("cloudformation"), aws.client("secretsmanager")
    cfn.create_stack(StackName="s", TemplateBody=_secret(GENERATED))

    cfn.delete_stack(StackName="s")

    assert secrets.list_secrets()["SecretList"] == []
    with pytest.raises(ClientError, match="ResourceNotFound"):
        secrets.get_secret_value(SecretId="purposepath/jwt-secret/dev")
