"""AWS::KMS::Key beyond symmetric keys: KeySpec/KeyUsage, refusals, deletion window."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from pplocalaws.extensions import install

ACCOUNT = "123456789012"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AccountDelegatesToIam",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
SIGNING_KEY = {
    "Type": "AWS::KMS::Key",
    "Properties": {
        "KeySpec": "ECC_NIST_P256",
        "KeyUsage": "SIGN_VERIFY",
        "PendingWindowInDays": 7,
        "KeyPolicy": POLICY,
    },
}


@pytest.fixture(autouse=True)
def _cloudformation_as_aws(aws: boto3.Session) -> None:
    install()  # failed creates and updates roll back with events, as CloudFormation does


def _template(**properties: Any) -> dict[str, Any]:
    key = copy.deepcopy(SIGNING_KEY)
    key["Properties"].update(properties)
    return {
        "Resources": {"SigningKey": key},
        "Outputs": {"KeyId": {"Value": {"Ref": "SigningKey"}}},
    }


def test_an_ecc_signing_key_is_created_asymmetric(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    aws.client("cloudformation").create_stack(StackName="s", TemplateBody=json.dumps(_template()))
    key_id = stack_outputs("s")["KeyId"]
    metadata = aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["KeySpec"], metadata["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert metadata["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    assert metadata["KeyState"] == "Enabled"
    signed = aws.client("kms").sign(
        KeyId=key_id, Message=b"m", MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )
    assert signed["KeyId"] == metadata["Arn"]


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        # "AWS KMS supports automatic rotation only for symmetric encryption KMS keys"
        ({"EnableKeyRotation": True}, "UnsupportedOperationException"),
        # CreateKey, KeyUsage: an ECC key signs (or agrees keys), it never encrypts
        ({"KeyUsage": "ENCRYPT_DECRYPT"}, "KeyUsage ENCRYPT_DECRYPT is not compatible"),
        ({"KeyUsage": None}, "KeyUsage ENCRYPT_DECRYPT is not compatible"),
        ({"KeySpec": "SYMMETRIC_DEFAULT"}, "KeyUsage SIGN_VERIFY is not compatible"),
        ({"KeySpec": "ECC_NIST_P257"}, "KeySpec ECC_NIST_P257 is not one of"),
        ({"PendingWindowInDays": 6}, "PendingWindowInDays is 6"),
        ({"PendingWindowInDays": 31}, "PendingWindowInDays is 31"),
        ({"KeyUsage": "KEY_AGREEMENT"}, "not modelled by the local AWS"),
    ],
)
def test_what_aws_refuses_fails_the_create(
    assert_create_fails: Callable[[str, str], None], properties: dict[str, Any], reason: str
) -> None:
    template = _template(**properties)
    key_properties = template["Resources"]["SigningKey"]["Properties"]
    for name in [n for n, v in properties.items() if v is None]:
        del key_properties[name]
    assert_create_fails(json.dumps(template), reason)


def test_rotation_on_a_symmetric_key_is_still_allowed(aws: boto3.Session) -> None:
    template = _template(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT")
    template["Resources"]["SigningKey"]["Properties"]["EnableKeyRotation"] = True
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(template))
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_enabled_false_creates_a_disabled_key(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=json.dumps(_template(Enabled=False))
    )
    metadata = aws.client("kms").describe_key(KeyId=stack_outputs("s")["KeyId"])["KeyMetadata"]
    assert (metadata["Enabled"], metadata["KeyState"]) == (False, "Disabled")


def test_removing_the_key_schedules_its_deletion_after_the_window(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, kms = aws.client("cloudformation"), aws.client("kms")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template()))
    key_id = stack_outputs("s")["KeyId"]

    cfn.delete_stack(StackName="s")

    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    window = metadata["DeletionDate"] - metadata["CreationDate"]
    assert 6.9 * 86400 < window.total_seconds() < 7.1 * 86400
    with pytest.raises(kms.exceptions.KMSInvalidStateException, match="pending deletion"):
        kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")


@pytest.mark.parametrize(
    "change",
    [
        {"KeySpec": "ECC_NIST_P384"},
        {"KeySpec": "RSA_2048"},
        {"MultiRegion": True},
    ],
)
def test_changing_an_immutable_property_fails_the_update_and_keeps_the_key(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]], change: dict[str, Any]
) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template()))
    key_id = stack_outputs("s")["KeyId"]

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(_template(**change)))

    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    reasons = " ".join(
        e.get("ResourceStatusReason", "")
        for e in cfn.describe_stack_events(StackName="s")["StackEvents"]
    )
    assert "cannot change on an existing key" in reasons
    assert stack_outputs("s")["KeyId"] == key_id
    assert aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_turning_rotation_on_for_a_signing_key_fails_the_update(
    aws: boto3.Session,
) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template()))
    cfn.update_stack(StackName="s", TemplateBody=json.dumps(_template(EnableKeyRotation=True)))
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
