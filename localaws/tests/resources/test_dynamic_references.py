"""Dynamic references resolved against moto's Secrets Manager and SSM backends."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation.exceptions import ValidationError
from moto.core import DEFAULT_ACCOUNT_ID

from pplocalaws.resources.dynamic_references import resolve

REGION = "us-east-1"


@pytest.fixture
def secret_arn() -> Iterator[str]:
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name=REGION)
        created = secrets.create_secret(
            Name="purposepath/redis-auth/dev",
            SecretString=json.dumps({"token": "t0ken-value-1234567"}),
        )
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name="/pp/level", Value="info", Type="String"
        )
        yield created["ARN"]


def _resolve(value: object) -> object:
    return resolve(value, DEFAULT_ACCOUNT_ID, REGION)


def test_secret_json_key_by_name(secret_arn: str) -> None:
    reference = "{{resolve:secretsmanager:purposepath/redis-auth/dev:SecretString:token}}"
    assert _resolve(reference) == "t0ken-value-1234567"


def test_secret_json_key_by_arn_inside_a_longer_string(secret_arn: str) -> None:
    value = f"auth={{{{resolve:secretsmanager:{secret_arn}:SecretString:token}}}};"
    assert _resolve(value) == "auth=t0ken-value-1234567;"


def test_whole_secret_string_without_a_key(secret_arn: str) -> None:
    assert json.loads(str(_resolve(f"{{{{resolve:secretsmanager:{secret_arn}}}}}"))) == {
        "token": "t0ken-value-1234567"
    }


def test_ssm_parameter(secret_arn: str) -> None:
    assert _resolve("{{resolve:ssm:/pp/level}}") == "info"
    assert _resolve("{{resolve:ssm:/pp/level:1}}") == "info"


def test_values_without_references_pass_through(secret_arn: str) -> None:
    assert _resolve("plain") == "plain"
    assert _resolve(42) == 42


@pytest.mark.parametrize(
    ("reference", "cause"),
    [
        (
            "{{resolve:secretsmanager:purposepath/redis-auth/dev:SecretString:missing}}",
            "no JSON key",
        ),
        ("{{resolve:secretsmanager:no/such/secret:SecretString:token}}", "cannot be read"),
        ("{{resolve:secretsmanager:purposepath/redis-auth/dev:SecretBinary}}", "not SecretString"),
        ("{{resolve:ssm:/no/such}}", "ssm:/no/such"),
    ],
)
def test_unresolvable_reference_names_it_and_the_cause(
    secret_arn: str, reference: str, cause: str
) -> None:
    with pytest.raises(ValidationError, match=cause):
        _resolve(reference)
