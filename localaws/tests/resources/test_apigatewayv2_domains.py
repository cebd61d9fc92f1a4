"""Custom domain, its Route53 alias and API mappings: created, re-pointed in place, deleted."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

DOMAIN = "api.dev.purposepath.app"


def _api(name: str) -> dict[str, Any]:
    return {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": name, "ProtocolType": "HTTP"}}


def _stage(api: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ApiGatewayV2::Stage",
        "Properties": {"ApiId": {"Ref": api}, "StageName": "$default"},
    }


def _template(zone_id: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Certificate": {
                "Type": "AWS::CertificateManager::Certificate",
                "Properties": {"DomainName": DOMAIN, "ValidationMethod": "DNS"},
            },
            "Domain": {
                "Type": "AWS::ApiGatewayV2::DomainName",
                "Properties": {
                    "DomainName": DOMAIN,
                    "DomainNameConfigurations": [
                        {
                            "CertificateArn": {"Ref": "Certificate"},
                            "EndpointType": "REGIONAL",
                            "SecurityPolicy": "TLS_1_2",
                        }
                    ],
                },
            },
            "Alias": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": zone_id,
                    "Name": DOMAIN,
                    "Type": "A",
                    "AliasTarget": {
                        "DNSName": {"Fn::GetAtt": ["Domain", "RegionalDomainName"]},
                        "HostedZoneId": {"Fn::GetAtt": ["Domain", "RegionalHostedZoneId"]},
                    },
                },
            },
            "AccountApi": _api("account"),
            "AccountStage": _stage("AccountApi"),
            "CoachingApi": _api("coaching"),
            "CoachingStage": _stage("CoachingApi"),
            "Mapping": {
                "Type": "AWS::ApiGatewayV2::ApiMapping",
                "DependsOn": ["AccountStage", "CoachingStage"],
                "Properties": {
                    "ApiId": {"Ref": "AccountApi"},
                    "DomainName": {"Ref": "Domain"},
                    "Stage": "$default",
                    "ApiMappingKey": "account",
                },
            },
        },
        "Outputs": {
            "Regional": {"Value": {"Fn::GetAtt": ["Domain", "RegionalDomainName"]}},
            "Zone": {"Value": {"Fn::GetAtt": ["Domain", "RegionalHostedZoneId"]}},
            "MappingId": {"Value": {"Ref": "Mapping"}},
            "AccountApi": {"Value": {"Ref": "AccountApi"}},
            "CoachingApi": {"Value": {"Ref": "CoachingApi"}},
        },
    }


@pytest.fixture
def zone_id(aws: boto3.Session) -> str:
    zone = aws.client("route53").create_hosted_zone(Name="purposepath.app", CallerReference="test")
    return str(zone["HostedZone"]["Id"].split("/")[-1])


def test_domain_alias_and_mapping_are_created(
    aws: boto3.Session, zone_id: str, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, apis, route53 = (
        aws.client("cloudformation"),
        aws.client("apigatewayv2"),
        aws.client("route53"),
    )
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template(zone_id)))
    outputs = stack_outputs("s")

    configuration = apis.get_domain_name(DomainName=DOMAIN)["DomainNameConfigurations"][0]
    assert (configuration["ApiGatewayDomainName"], configuration["HostedZoneId"]) == (
        outputs["Regional"],
        outputs["Zone"],
    )
    assert outputs["Regional"].endswith(".execute-api.us-east-1.amazonaws.com")
    assert configuration["SecurityPolicy"] == "TLS_1_2"
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    alias = next(r for r in records if r["Type"] == "A")
    assert alias["AliasTarget"]["DNSName"].rstrip(".") == outputs["Regional"]
    assert alias["AliasTarget"]["HostedZoneId"] == outputs["Zone"]
    mappings = apis.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert [(m["ApiMappingId"], m["ApiId"], m["ApiMappingKey"]) for m in mappings] == [
        (outputs["MappingId"], outputs["AccountApi"], "account")
    ]


def test_changing_the_mapped_api_repoints_the_same_mapping(
    aws: boto3.Session, zone_id: str, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, apis = aws.client("cloudformation"), aws.client("apigatewayv2")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template(zone_id)))
    before = stack_outputs("s")
    template = copy.deepcopy(_template(zone_id))
    template["Resources"]["Mapping"]["Properties"]["ApiId"] = {"Ref": "CoachingApi"}

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    mappings = apis.get_api_mappings(DomainName=DOMAIN)["Items"]
    assert [(m["ApiMappingId"], m["ApiId"]) for m in mappings] == [
        (before["MappingId"], before["CoachingApi"])
    ]
    assert stack_outputs("s")["MappingId"] == before["MappingId"]


def test_delete_stack_removes_domain_mapping_alias_and_certificate(
    aws: boto3.Session, zone_id: str
) -> None:
    cfn, apis, route53 = (
        aws.client("cloudformation"),
        aws.client("apigatewayv2"),
        aws.client("route53"),
    )
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(_template(zone_id)))

    cfn.delete_stack(StackName="s")

    assert apis.get_domain_names()["Items"] == []
    assert apis.get_apis()["Items"] == []
    assert aws.client("acm").list_certificates()["CertificateSummaryList"] == []
    record_types = {
        r["Type"]
        for r in route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    }
    assert "A" not in record_types
