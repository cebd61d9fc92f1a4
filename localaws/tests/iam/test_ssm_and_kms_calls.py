"""Systems Manager parameters and KMS signing calls in IAM's terms (no server)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from pplocalaws.iam import calls

ACCOUNT = "123456789012"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _json(service: str, target: str, body: dict[str, object]) -> calls.Call:
    request = calls.Request(
        "POST", "/", {}, {"x-amz-target": target}, json.dumps(body).encode(), service,
        "us-east-1", ACCOUNT,
    )  # fmt: skip
    return calls.describe(request)


def _needs(call: calls.Call) -> list[tuple[str, str]]:
    return [(need.action, need.resource) for need in call.needs]


@pytest.mark.parametrize(
    "name",
    [
        "/purposepath/dev/signing-keys",
        "/purposepath/dev/signing-keys:3",  # a version selector is not part of the resource
        "/purposepath/dev/signing-keys:current",  # nor is a label
        f"{PARAMETER}purposepath/dev/signing-keys",
        f"{PARAMETER}purposepath/dev/signing-keys:2",
    ],
)
def test_get_parameter_is_authorised_on_the_parameter_arn(aws: None, name: str) -> None:
    call = _json("ssm", "AmazonSSM.GetParameter", {"Name": name})
    assert _needs(call) == [("ssm:GetParameter", PARAMETER + "purposepath/dev/signing-keys")]
    assert call.kms == ()


def test_get_parameters_needs_each_and_by_path_the_path(aws: None) -> None:
    call = _json("ssm", "AmazonSSM.GetParameters", {"Names": ["/a/b", "c"]})
    assert _needs(call) == [
        ("ssm:GetParameters", PARAMETER + "a/b"),
        ("ssm:GetParameters", PARAMETER + "c"),
    ]
    call = _json("ssm", "AmazonSSM.GetParametersByPath", {"Path": "/purposepath/dev/"})
    assert _needs(call) == [("ssm:GetParametersByPath", PARAMETER + "purposepath/dev")]


def test_a_secure_string_under_a_customer_key_needs_the_key_through_ssm(aws: None) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    ssm = boto3.client("ssm", region_name="us-east-1")
    ssm.put_parameter(Name="/p/secure", Type="SecureString", Value="v", KeyId=key)
    ssm.put_parameter(Name="/p/default", Type="SecureString", Value="v")
    call = _json("ssm", "AmazonSSM.GetParameter", {"Name": "/p/secure", "WithDecryption": True})
    [use] = call.kms
    assert (use.key_arn, use.action, use.via_service) == (
        key,
        "kms:Decrypt",
        "ssm.us-east-1.amazonaws.com",
    )
    assert use.encryption_context == {"PARAMETER_ARN": PARAMETER + "p/secure"}
    # without decryption, or under the AWS managed key: no key use to authorise
    assert _json("ssm", "AmazonSSM.GetParameter", {"Name": "/p/secure"}).kms == ()
    body = {"Name": "/p/default", "WithDecryption": True}
    assert _json("ssm", "AmazonSSM.GetParameter", body).kms == ()


def test_unmodelled_ssm_operations_are_denied(aws: None) -> None:
    assert _json("ssm", "AmazonSSM.SendCommand", {}).unmodelled


def test_sign_carries_the_signing_algorithm_and_message_type(aws: None) -> None:
    key = boto3.client("kms", region_name="us-east-1").create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY"
    )["KeyMetadata"]["Arn"]
    call = _json("kms", "TrentService.Sign", {"KeyId": key, "SigningAlgorithm": "ECDSA_SHA_256"})
    [need] = call.needs
    assert (need.action, need.resource) == ("kms:Sign", key)
    assert need.context["kms:signingalgorithm"] == ("ECDSA_SHA_256",)
    assert need.context["kms:messagetype"] == ("RAW",)
