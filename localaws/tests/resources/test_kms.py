"""AWS::KMS::Key and Alias: rotation on create, in-place key update, delete (scheduled)."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {"EnableKeyRotation": True, "KeyPolicy": POLICY},
        },
        "Alias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": "alias/purposepath-dev", "TargetKeyId": {"Ref": "Key"}},
        },
    },
    "Outputs": {"KeyId": {"Value": {"Ref": "Key"}}},
}


def _key_id(cfn: Any) -> str:
    return str(cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"][0]["OutputValue"])


def test_key_rotates_and_alias_points_at_it(aws: boto3.Session) -> None:
    cfn, kms = aws.client("cloudformation"), aws.client("kms")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    key_id = _key_id(cfn)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/purposepath-dev"] == key_id


def test_policy_and_rotation_update_keep_the_key(aws: boto3.Session) -> None:
    cfn, kms = aws.client("cloudformation"), aws.client("kms")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    key_id = _key_id(cfn)
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Key"]["Properties"]["EnableKeyRotation"] = False
    template["Resources"]["Key"]["Properties"]["KeyPolicy"]["Statement"][0]["Sid"] = "AccountRoot"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    assert _key_id(cfn) == key_id
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Sid"] == "AccountRoot"


def test_delete_stack_removes_alias_and_schedules_the_key_s_deletion(aws: boto3.Session) -> None:
    cfn, kms = aws.client("cloudformation"), aws.client("kms")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    key_id = _key_id(cfn)

    cfn.delete_stack(StackName="s")

    assert "alias/purposepath-dev" not in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    # AWS::KMS::Key, PendingWindowInDays: removed from the stack, the key waits (30 days
    # by default) in PendingDeletion before KMS deletes it.
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_get_key_policy_answers_the_templates_policy_as_json_text(aws: boto3.Session) -> None:
    # "GetKeyPolicy": Policy is a String, also for a key whose template gave a mapping.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Account",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    template = {
        "Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy}}}
    }
    aws.client("cloudformation").create_stack(StackName="k", TemplateBody=json.dumps(template))
    [key] = aws.client("kms").list_keys()["Keys"]
    answered = aws.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")
    assert isinstance(answered["Policy"], str)
    assert json.loads(answered["Policy"]) == policy
