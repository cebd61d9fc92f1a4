"""The real shared-infrastructure template deployed on moto with the project's models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.route53.models import route53_backends

from ppdeploy import naming
from pplocalaws.resources import register

TEMPLATE_PATH = Path(__file__).parents[2] / "shared-infrastructure" / "template.yaml"
STACK = naming.shared_stack("dev")

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    """moto in-process with the local AWS's resource models registered."""
    with mock_aws():
        register()
        yield boto3.Session(region_name=REGION)


def _template_json() -> str:
    # cfn-lint's loader reads the short intrinsic forms as CloudFormation does
    # (moto's own YAML loader splits "!GetAtt A.B.C" into three parts).
    return json.dumps(cfn_yaml.load(str(TEMPLATE_PATH)))


def _deploy(aws: boto3.Session, **parameters: str) -> dict[str, Any]:
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=_template_json(),
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v}
            for k, v in {"Stage": "dev", **parameters}.items()
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    return cfn.describe_stacks(StackName=STACK)["Stacks"][0]  # type: ignore[no-any-return]


def _created(aws: boto3.Session) -> dict[str, str]:
    summaries = aws.client("cloudformation").list_stack_resources(StackName=STACK)[
        "StackResourceSummaries"
    ]
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries if r["LogicalResourceId"]
    }


def _hosted_zone_with_an_aws_style_id(route53: Any) -> str:
    """A hosted zone whose id starts with Z like AWS's (moto's ids do not, and the
    template's HostedZoneId AllowedPattern, enforced by the extensions, requires it)."""
    zone = route53.create_hosted_zone(Name="purposepath.app", CallerReference="shared-stack-test")
    moto_id = zone["HostedZone"]["Id"].split("/")[-1]
    zones = route53_backends[DEFAULT_ACCOUNT_ID]["aws"].zones
    fake_zone = zones.pop(moto_id)
    fake_zone.resource_id = "Z" + moto_id[1:]
    zones[fake_zone.resource_id] = fake_zone
    return fake_zone.resource_id


def _export_names(aws: boto3.Session) -> set[str]:
    return {e["Name"] for e in aws.client("cloudformation").list_exports()["Exports"]}


def _conditional_resources(has_zone: bool) -> set[str]:
    """Logical ids the template creates for Stage=dev with or without a hosted zone."""
    resources = cfn_yaml.load(str(TEMPLATE_PATH))["Resources"]
    # Egress defaults to single-nat: no second NAT, no Secrets Manager endpoint.
    # Signing key slot B is absent until the first rotation.
    skipped = {"IsProd", "HasAlarmEmail", "NatPerAz", "SecretsEndpoint", "HasSigningKeyB"}
    skipped |= set() if has_zone else {"HasHostedZone"}
    return {name for name, body in resources.items() if body.get("Condition") not in skipped}


def test_dev_stack_creates_every_resource_and_exports_the_contract(aws: boto3.Session) -> None:
    stack = _deploy(aws)

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    created = _created(aws)
    assert set(created) == _conditional_resources(has_zone=False)
    assert all(created.values()), [k for k, v in created.items() if not v]
    # Subset: moto 5.2.5 also registers exports of outputs whose Condition is false
    # (a CloudFormation-layer bug the extensions own).
    assert {naming.export(name, "dev") for name in naming.SHARED_EXPORTS} <= _export_names(aws)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert all(outputs.values())
    assert "ApiDomainName" not in outputs

    cache = aws.client("elasticache").describe_replication_groups()["ReplicationGroups"][0]
    # RBAC users instead of the AUTH token (the user group is the local AWS's model).
    assert cache.get("AuthTokenEnabled") is not True
    assert cache["UserGroupIds"] == ["purposepath-dev"]
    assert cache["TransitEncryptionEnabled"] is True
    assert cache["AtRestEncryptionEnabled"] is True
    dynamodb = aws.client("dynamodb")
    for table in naming.TABLES:
        name = naming.table(table, "dev")
        assert (
            dynamodb.describe_table(TableName=name)["Table"]["SSEDescription"]["Status"]
            == "ENABLED"
        )
        backups = dynamodb.describe_continuous_backups(TableName=name)[
            "ContinuousBackupsDescription"
        ]
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    secret = aws.client("secretsmanager").get_secret_value(SecretId=naming.jwt_secret("dev"))
    assert len(json.loads(secret["SecretString"])["secret"]) >= 64

    # The key set names slot A's key (a P-256 signing key) as active and only accepted one.
    key_id = created["SigningKeyA"]
    key = aws.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    value = aws.client("ssm").get_parameter(Name=naming.signing_keys_parameter("dev"))
    assert json.loads(value["Parameter"]["Value"]) == {
        "active": key_id,
        "accepted": [key_id],
        "legacyHs256Until": "",
    }


def test_with_a_hosted_zone_the_custom_domain_and_its_alias_exist(aws: boto3.Session) -> None:
    route53 = aws.client("route53")
    zone_id = _hosted_zone_with_an_aws_style_id(route53)

    stack = _deploy(aws, HostedZoneId=zone_id)

    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert set(_created(aws)) == _conditional_resources(has_zone=True)
    domain = aws.client("apigatewayv2").get_domain_name(DomainName=naming.default_domain("dev"))
    target = domain["DomainNameConfigurations"][0]["ApiGatewayDomainName"]
    records = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    assert any(r.get("AliasTarget", {}).get("DNSName", "").rstrip(".") == target for r in records)
    expected = {
        naming.export(name, "dev") for name in naming.SHARED_EXPORTS + naming.DOMAIN_EXPORTS
    }
    assert _export_names(aws) == expected
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["ApiDomainName"] == naming.default_domain("dev")
    assert outputs["ApiRegionalDomainName"] == target
