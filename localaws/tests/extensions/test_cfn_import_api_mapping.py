"""IMPORT change sets adopt an API Gateway v2 mapping by {ApiMappingId, DomainName}.

The migration's mapping move: a legacy stack lets go of its mapping (Retain, then
removed), the mapping is re-pointed in place, and the new stack imports it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"
DOMAIN = "api.dev.example.com"

API = """
  Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: new, ProtocolType: HTTP}}
  ApiStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
"""
MAPPING = """
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    DeletionPolicy: Retain
    Properties: {DomainName: %s, ApiMappingKey: account, ApiId: !Ref Api, Stage: !Ref ApiStage}
"""
LEGACY = "Resources:\n" + API + MAPPING % DOMAIN
LEGACY_RELEASED = "Resources:\n" + API
NEW_API = "Resources:\n" + API


@pytest.fixture
def domain(aws: None) -> str:
    boto3.client("apigatewayv2", region_name=REGION).create_domain_name(
        DomainName=DOMAIN,
        DomainNameConfigurations=[{"EndpointType": "REGIONAL"}],
    )
    return DOMAIN


def mapping_of(stack: Any, change_sets: Any) -> str:
    resources = change_sets.client.describe_stack_resources(StackName=stack)["StackResources"]
    return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "Mapping")


def api_of(stack: str, change_sets: Any) -> str:
    resources = change_sets.client.describe_stack_resources(StackName=stack)["StackResources"]
    return next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "Api")


def create_import(cfn: Any, stack: str, body: str, identifier: dict[str, str]) -> dict[str, Any]:
    cfn.create_change_set(
        StackName=stack,
        ChangeSetName="import-mapping",
        ChangeSetType="IMPORT",
        TemplateBody=body,
        ResourcesToImport=[
            {
                "ResourceType": "AWS::ApiGatewayV2::ApiMapping",
                "LogicalResourceId": "Mapping",
                "ResourceIdentifier": identifier,
            }
        ],
    )
    described: dict[str, Any] = cfn.describe_change_set(
        StackName=stack, ChangeSetName="import-mapping"
    )
    return described


@pytest.fixture
def released(change_sets: Any, domain: str) -> tuple[Any, str]:
    """The legacy stack mapped the domain, then let go of the mapping; the new API exists."""
    change_sets.deploy("legacy", LEGACY)
    mapping_id = mapping_of("legacy", change_sets)
    change_sets.deploy("legacy", LEGACY_RELEASED)
    change_sets.deploy("new", NEW_API)
    gateway = boto3.client("apigatewayv2", region_name=REGION)
    gateway.update_api_mapping(
        DomainName=domain, ApiMappingId=mapping_id, ApiId=api_of("new", change_sets)
    )
    return change_sets, mapping_id


def test_a_released_mapping_is_imported_with_its_id_and_target(
    released: tuple[Any, str],
) -> None:
    change_sets, mapping_id = released
    described = create_import(
        change_sets.client,
        "new",
        "Resources:\n" + API + MAPPING % DOMAIN,
        {"ApiMappingId": mapping_id, "DomainName": DOMAIN},
    )
    assert described["Status"] == "CREATE_COMPLETE", described.get("StatusReason")
    assert [c["ResourceChange"]["Action"] for c in described["Changes"]] == ["Import"]

    stack = change_sets.execute(described)

    assert stack["StackStatus"] == "IMPORT_COMPLETE"
    assert mapping_of("new", change_sets) == mapping_id
    mappings = boto3.client("apigatewayv2", region_name=REGION).get_api_mappings(DomainName=DOMAIN)[
        "Items"
    ]
    assert [(m["ApiMappingId"], m["ApiId"]) for m in mappings] == [
        (mapping_id, api_of("new", change_sets))
    ]


def test_the_imported_mapping_is_deleted_with_its_new_stack(released: tuple[Any, str]) -> None:
    change_sets, mapping_id = released
    without_retain = (
        "Resources:\n" + API + (MAPPING % DOMAIN).replace("    DeletionPolicy: Retain\n", "")
    )
    change_sets.execute(
        create_import(
            change_sets.client,
            "new",
            "Resources:\n" + API + MAPPING % DOMAIN,
            {"ApiMappingId": mapping_id, "DomainName": DOMAIN},
        )
    )
    change_sets.deploy("new", without_retain)
    change_sets.client.delete_stack(StackName="new")
    gateway = boto3.client("apigatewayv2", region_name=REGION)
    assert gateway.get_api_mappings(DomainName=DOMAIN)["Items"] == []


def test_a_mapping_still_in_its_stack_cannot_be_imported(change_sets: Any, domain: str) -> None:
    change_sets.deploy("legacy", LEGACY)
    mapping_id = mapping_of("legacy", change_sets)
    change_sets.deploy("new", NEW_API)
    described = create_import(
        change_sets.client,
        "new",
        "Resources:\n" + API + MAPPING % DOMAIN,
        {"ApiMappingId": mapping_id, "DomainName": DOMAIN},
    )
    assert described["Status"] == "FAILED"
    assert "already exists in stack" in described["StatusReason"]


def test_the_domain_must_be_the_mappings_own(released: tuple[Any, str]) -> None:
    change_sets, mapping_id = released
    described = create_import(
        change_sets.client,
        "new",
        "Resources:\n" + API + MAPPING % DOMAIN,
        {"ApiMappingId": mapping_id, "DomainName": "api.other.example.com"},
    )
    assert described["Status"] == "FAILED"
    assert "was not found" in described["StatusReason"]


def test_the_identifier_needs_both_keys(released: tuple[Any, str]) -> None:
    change_sets, mapping_id = released
    with pytest.raises(ClientError, match=r"ApiMappingId: \.\.\., DomainName: \.\.\."):
        create_import(
            change_sets.client,
            "new",
            "Resources:\n" + API + MAPPING % DOMAIN,
            {"ApiMappingId": mapping_id},
        )


CONDITIONAL = (
    """
Parameters:
  DomainName: {Type: String, Default: ""}
Conditions:
  HasDomain: !Not [!Equals [!Ref DomainName, ""]]
Resources:
"""
    + API
    + """
  Mapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Condition: HasDomain%s
    Properties:
      DomainName: !Ref DomainName
      ApiMappingKey: account
      ApiId: !Ref Api
      Stage: !Ref ApiStage
"""
)


def test_a_mapping_whose_condition_now_holds_is_imported_then_updated_in_place(
    released: tuple[Any, str],
) -> None:
    change_sets, mapping_id = released
    change_sets.deploy("new", CONDITIONAL % "")  # no domain yet: no mapping
    domain = [{"ParameterKey": "DomainName", "ParameterValue": DOMAIN}]
    change_sets.client.create_change_set(
        StackName="new",
        ChangeSetName="import-mapping",
        ChangeSetType="IMPORT",
        TemplateBody=CONDITIONAL % "\n    DeletionPolicy: Retain",
        Parameters=domain,
        ResourcesToImport=[
            {
                "ResourceType": "AWS::ApiGatewayV2::ApiMapping",
                "LogicalResourceId": "Mapping",
                "ResourceIdentifier": {"ApiMappingId": mapping_id, "DomainName": DOMAIN},
            }
        ],
    )
    described = change_sets.client.describe_change_set(
        StackName="new", ChangeSetName="import-mapping"
    )
    assert described["Status"] == "CREATE_COMPLETE", described.get("StatusReason")
    assert change_sets.execute(described)["StackStatus"] == "IMPORT_COMPLETE"

    update = change_sets.create("new", CONDITIONAL % "", parameters=domain)

    assert update["Status"] == "CREATE_COMPLETE", update.get("StatusReason")
    assert [c["ResourceChange"].get("Replacement") for c in update["Changes"]] in ([], ["False"]), (
        update["Changes"]
    )
    change_sets.execute(update)
    assert mapping_of("new", change_sets) == mapping_id
