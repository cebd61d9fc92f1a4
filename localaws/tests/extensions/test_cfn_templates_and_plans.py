"""Template reading, dependency order, parameters and replacement rules (no AWS calls)."""

from __future__ import annotations

import pytest
from moto.cloudformation.exceptions import ValidationError

from pplocalaws.extensions import schemas
from pplocalaws.extensions.parameters import effective_parameters, masked
from pplocalaws.extensions.templates import creation_order, parse_template


def test_short_tags_and_dates_read_like_cloudformation() -> None:
    template = parse_template(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Resources:\n"
        "  A:\n"
        "    Type: AWS::SNS::Topic\n"
        "    Properties:\n"
        "      DisplayName: !Sub '${AWS::StackName}-a'\n"
        "      Other: !GetAtt B.Arn\n"
        "      List: !Split [',', !Ref P]\n"
    )

    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    properties = template["Resources"]["A"]["Properties"]
    assert properties["DisplayName"] == {"Fn::Sub": "${AWS::StackName}-a"}
    assert properties["Other"] == {"Fn::GetAtt": ["B", "Arn"]}
    assert properties["List"] == {"Fn::Split": [",", {"Ref": "P"}]}


def test_creation_order_follows_references_and_depends_on() -> None:
    template = {
        "Resources": {
            "C": {"Type": "T", "Properties": {"X": {"Fn::Sub": "${B.Arn}"}}},
            "B": {"Type": "T", "DependsOn": "A"},
            "A": {"Type": "T"},
            "D": {"Type": "T", "Properties": {"Y": {"Ref": "C"}}},
        }
    }

    assert creation_order(template) == ["A", "B", "C", "D"]


def test_a_dependency_cycle_is_refused_naming_the_resources() -> None:
    template = {
        "Resources": {
            "A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}},
            "B": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}},
            "C": {"Type": "T"},
        }
    }

    with pytest.raises(ValidationError, match=r"Circular dependency between resources: \[A, B\]"):
        creation_order(template)


def test_effective_parameters_use_defaults_previous_values_and_check_constraints() -> None:
    declared = {
        "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
        "Size": {"Type": "Number", "Default": 3},
        "Secret": {"Type": "String", "NoEcho": True},
    }
    supplied = [{"ParameterKey": "Secret", "UsePreviousValue": True}]

    values = effective_parameters(declared, supplied, previous={"Secret": "old"})

    assert values == {"Stage": "dev", "Size": "3", "Secret": "old"}
    assert masked(values, declared)["Secret"] == "****"
    with pytest.raises(ValidationError, match="must be one of AllowedValues"):
        effective_parameters(
            declared,
            [
                {"ParameterKey": "Stage", "ParameterValue": "qa"},
                {"ParameterKey": "Secret", "ParameterValue": "x"},
            ],
        )
    with pytest.raises(ValidationError, match="UsePreviousValue needs a previous value"):
        effective_parameters(declared, supplied, previous=None)


def test_replacement_rules_come_from_the_provider_schemas() -> None:
    rules = schemas.replacement_rules("AWS::DynamoDB::Table")

    assert "/properties/TableName" in rules.always
    assert "/properties/BillingMode" not in rules.always
    assert schemas.is_known_type("AWS::ElastiCache::ReplicationGroup")
    assert schemas.is_known_type("Custom::Anything")
    assert not schemas.is_known_type("AWS::SNS::Topik")
