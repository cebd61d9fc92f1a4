"""The migration's template edits: release keeps values, import templates stand alone."""

from __future__ import annotations

import pytest

from ppdeploy.errors import InputError
from ppdeploy.workflows.migration import surgery

LEGACY = {
    "Parameters": {"Stage": {"Type": "String"}},
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "users"}},
        "Role": {
            "Type": "AWS::IAM::Role",
            "DependsOn": ["Table"],
            "Properties": {
                "Resource": [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"}],
                "Name": {"Ref": "Table"},
                "Stage": {"Fn::Sub": "${Stage}-${Table}"},
            },
        },
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "Table"}, "Export": {"Name": "users-table"}},
        "RoleName": {"Value": {"Ref": "Role"}, "Export": {"Name": "role"}},
    },
}
RESOLVED = {"Table": surgery.Resolved(ref="users", attributes={"Arn": "arn:table/users"})}


def test_release_writes_values_where_references_were_and_drops_dependent_outputs() -> None:
    released = surgery.released(LEGACY, RESOLVED)

    assert "Table" not in released["Resources"]
    role = released["Resources"]["Role"]
    assert role["Properties"] == {
        "Resource": ["arn:table/users", {"Fn::Sub": "arn:table/users/index/*"}],
        "Name": "users",
        "Stage": {"Fn::Sub": "${Stage}-users"},
    }
    assert "DependsOn" not in role
    assert set(released["Outputs"]) == {"RoleName"}
    assert "Table" in LEGACY["Resources"]  # the input is not changed


def test_release_refuses_an_attribute_it_cannot_write_as_a_value() -> None:
    document = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table"},
            "Fn": {"Type": "X", "Properties": {"S": {"Fn::GetAtt": ["Table", "StreamArn"]}}},
        }
    }
    with pytest.raises(InputError, match=r"Table\.StreamArn"):
        surgery.released(document, RESOLVED)


def test_retain_and_unexport() -> None:
    document = surgery.unexported(surgery.retained(LEGACY, ["Table"]), ["TableName"])

    assert surgery.is_retained(document, "Table")
    assert document["Resources"]["Table"]["UpdateReplacePolicy"] == "Retain"
    assert "Export" not in document["Outputs"]["TableName"]
    assert document["Outputs"]["RoleName"]["Export"] == {"Name": "role"}


def test_an_import_template_holds_only_what_it_imports_and_what_it_can_reference() -> None:
    full = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key"},
            "Users": {
                "Type": "AWS::DynamoDB::Table",
                "DeletionPolicy": "Retain",
                "DependsOn": "Key",
                "Properties": {
                    "TableName": {"Fn::Sub": "users-${Stage}-${AWS::Region}"},
                    "SSESpecification": {"KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}},
                },
            },
        },
        "Outputs": {"Users": {"Value": {"Ref": "Users"}}},
    }

    document = surgery.import_template(full, ["Users"])

    assert set(document) == {"Parameters", "Conditions", "Resources"}
    assert document["Resources"] == {
        "Users": {
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": "Retain",
            "Properties": {"TableName": {"Fn::Sub": "users-${Stage}-${AWS::Region}"}},
        }
    }


@pytest.mark.parametrize(
    ("parameters", "holds"), [({"JwtSecretArn": ""}, True), ({"JwtSecretArn": "arn:x"}, False)]
)
def test_conditions_over_parameters(parameters: dict[str, str], holds: bool) -> None:
    document = {
        "Parameters": {"JwtSecretArn": {"Type": "String", "Default": ""}},
        "Conditions": {
            "Create": {"Fn::Equals": [{"Ref": "JwtSecretArn"}, ""]},
            "Both": {
                "Fn::And": [{"Condition": "Create"}, {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}]
            },
        },
    }
    assert surgery.condition_holds(document, "Both", parameters) is holds
    assert surgery.condition_holds(document, None, parameters)
