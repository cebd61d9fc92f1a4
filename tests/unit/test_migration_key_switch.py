"""Issue 11 item 5: the adopted data switches to the shared key only once the legacy role
may use it; the template edits that order it."""

from __future__ import annotations

from typing import Any

from ppdeploy.workflows.migration import key_switch
from ppdeploy.workflows.migration.state import shared_template

KEY = "arn:aws:kms:us-east-1:123456789012:key/k"


def legacy_document() -> dict[str, Any]:
    return {
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyName": "account-data"}]},
            },
            "Bare": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function"},
        }
    }


def test_every_legacy_role_is_granted_the_key_only_through_the_data_services() -> None:
    document = legacy_document()
    assert not key_switch.granted(document)

    result = key_switch.with_grant(document, KEY, "eu-west-1")

    assert key_switch.granted(result)
    assert key_switch.legacy_roles(result) == ["Bare", "Role"]
    policies = result["Resources"]["Role"]["Properties"]["Policies"]
    assert [p["PolicyName"] for p in policies] == ["account-data", key_switch.GRANT_POLICY]
    (statement,) = policies[1]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == KEY
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == [
        "secretsmanager.eu-west-1.amazonaws.com",
        "dynamodb.eu-west-1.amazonaws.com",
    ]
    assert key_switch.with_grant(result, KEY, "eu-west-1") == result  # granted once
    assert not key_switch.granted(document)  # the input is not changed


def test_the_held_shared_template_leaves_the_adopted_resources_encryption_alone() -> None:
    full = shared_template().document

    held = key_switch.held(full, ["JwtSecret", "UsersTable"])

    assert "KmsKeyId" in full["Resources"]["JwtSecret"]["Properties"]
    assert "KmsKeyId" not in held["Resources"]["JwtSecret"]["Properties"]
    assert "SSESpecification" not in held["Resources"]["UsersTable"]["Properties"]
    # Everything else is as the template says, the key itself included.
    assert held["Resources"]["TenantsTable"] == full["Resources"]["TenantsTable"]
    assert held["Resources"]["DataKey"] == full["Resources"]["DataKey"]
    assert (
        held["Resources"]["UsersTable"]["Properties"]["KeySchema"]
        == (full["Resources"]["UsersTable"]["Properties"]["KeySchema"])
    )
