"""The shared infrastructure template keeps the contract the services and the engine rely on.

The template is parsed with cfn-lint's YAML decoder (it turns ``!Ref``/``!Sub``/... into
their ``Ref``/``Fn::Sub`` forms) and linted through cfn-lint's Python API; nothing here
touches the network. Expected names come from ``ppdeploy.naming`` called with the literal
stage ``${Stage}``, so a template name that drifts from the naming contract fails here.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from ppdeploy import naming, templates

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "shared-infrastructure" / "template.yaml"

# The stage as the template spells it inside !Sub; naming.* builds the expected strings.
STAGE = "${Stage}"

Node = Any  # a decoded template node: mapping, list or scalar
Template = Mapping[str, Node]

# Deleting or replacing any of these loses data, a certificate or a DNS name.
STATEFUL_TYPES = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
        "AWS::KMS::Key",
        "AWS::Logs::LogGroup",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::CertificateManager::Certificate",
        "AWS::ApiGatewayV2::DomainName",
    }
)

# The types real CloudFormation and the project's local AWS (moto plus the project's models)
# both create; a new type needs the local AWS to model it first.
ALLOWED_TYPES = frozenset(
    {
        f"AWS::EC2::{name}"
        for name in (
            "VPC",
            "Subnet",
            "InternetGateway",
            "VPCGatewayAttachment",
            "EIP",
            "NatGateway",
            "RouteTable",
            "Route",
            "SubnetRouteTableAssociation",
            "SecurityGroup",
            "SecurityGroupIngress",
            "SecurityGroupEgress",
            "VPCEndpoint",
            "FlowLog",
        )
    }
    | {
        "AWS::Logs::LogGroup",
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
        "AWS::KMS::Key",
        "AWS::KMS::Alias",
        "AWS::DynamoDB::Table",
        "AWS::ElastiCache::SubnetGroup",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::Secret",
        "AWS::CertificateManager::Certificate",
        "AWS::ApiGatewayV2::DomainName",
        "AWS::Route53::RecordSet",
        "AWS::CloudWatch::Dashboard",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::SNS::TopicPolicy",
        # moto models these two; the ElastiCache RBAC users and group are the local AWS's
        # own models (its ElastiCache users, with ACL users on the local redis-server).
        "AWS::SSM::Parameter",
        "AWS::SQS::Queue",
        "AWS::ElastiCache::User",
        "AWS::ElastiCache::UserGroup",
        # The sender (issue 13): the local AWS's SES model (the ses work of that issue).
        "AWS::SES::EmailIdentity",
    }
)

DOMAIN_TYPES = (
    "AWS::CertificateManager::Certificate",
    "AWS::ApiGatewayV2::DomainName",
    "AWS::Route53::RecordSet",
)


@dataclass(frozen=True)
class TableContract:
    """The key schema a service depends on; every key attribute is a string."""

    hash_key: str
    range_key: str | None = None
    indexes: Mapping[str, str] = field(default_factory=dict)  # index name -> its hash key
    ttl_attribute: str | None = None


TABLE_CONTRACTS = {
    "users": TableContract("userId", indexes={"email-index": "email"}),
    "tokens": TableContract(
        "tokenHash", indexes={"session-index": "sessionId"}, ttl_attribute="expiresAt"
    ),
    "tenants": TableContract("tenantId"),
    "sessions": TableContract(
        "sessionId", indexes={"user-index": "userId"}, ttl_attribute="expiresAt"
    ),
    "coaching": TableContract("pk", range_key="sk", ttl_attribute="expiresAt"),
    "traction": TableContract("pk", range_key="sk"),
}

SERVICE_TABLES = {
    "account": ("users", "tokens", "tenants", "sessions"),
    "coaching": ("coaching",),
    "traction": ("traction",),
}

SERVICE_DYNAMODB_ACTIONS = frozenset(
    f"dynamodb:{action}"
    for action in (
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "ConditionCheckItem",
        "BatchWriteItem",
    )
)

SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@pytest.fixture(scope="module")
def template() -> Template:
    loaded: Template = cfn_yaml.load(str(TEMPLATE_PATH))
    return loaded


# --- helpers --------------------------------------------------------------------------------


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def get_att(resource: str, attribute: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [resource, attribute]}


def resources_of_type(template: Template, resource_type: str) -> dict[str, Mapping[str, Node]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def resource_named(template: Template, resource_type: str, prop: str, value: Node) -> str:
    """Logical id of the one resource of ``resource_type`` whose ``prop`` equals ``value``."""
    matches = [
        logical_id
        for logical_id, resource in resources_of_type(template, resource_type).items()
        if resource.get("Properties", {}).get(prop) == value
    ]
    assert len(matches) == 1, f"expected one {resource_type} with {prop}={value}, got {matches}"
    return matches[0]


def output_exporting(template: Template, name: str) -> Mapping[str, Node]:
    wanted = sub(naming.export(name, STAGE))
    matches: list[Mapping[str, Node]] = [
        output
        for output in template["Outputs"].values()
        if output.get("Export", {}).get("Name") == wanted
    ]
    assert len(matches) == 1, f"export {name!r} is declared {len(matches)} times, expected once"
    return matches[0]


def as_list(node: Node) -> list[Node]:
    """IAM lets Action and Resource be one value or a list; tests read both as a list."""
    return node if isinstance(node, list) else [node]


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Mapping):
        for child in node.values():
            yield from walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)


def references(
    node: Node, guards: frozenset[str] = frozenset()
) -> Iterator[tuple[str, frozenset[str]]]:
    """Yield (logical id, conditions known true there) for every Ref, GetAtt and Sub variable.

    Inside the first branch of ``Fn::If [C, a, b]`` condition C is known to be true, inside
    the second ``!C`` (C is false).
    """
    if isinstance(node, list):
        for child in node:
            yield from references(child, guards)
        return
    if not isinstance(node, Mapping):
        return
    if set(node) == {"Ref"}:
        yield node["Ref"], guards
    elif set(node) == {"Fn::GetAtt"}:
        yield node["Fn::GetAtt"][0], guards
    elif set(node) == {"Fn::If"}:
        condition, when_true, when_false = node["Fn::If"]
        yield from references(when_true, guards | {condition})
        yield from references(when_false, guards | {f"!{condition}"})
    elif set(node) == {"Fn::Sub"}:
        text, variables = (
            (node["Fn::Sub"], {}) if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"]
        )
        for name in SUB_VARIABLE.findall(text):
            if name.split(".")[0] not in variables:
                yield name.split(".")[0], guards
        yield from references(list(variables.values()), guards)
    else:
        for child in node.values():
            yield from references(child, guards)


# --- exports: the naming contract -----------------------------------------------------------


@pytest.mark.parametrize("name", naming.SHARED_EXPORTS)
def test_shared_export_is_declared_once_and_always(template: Template, name: str) -> None:
    output = output_exporting(template, name)
    assert "Condition" not in output, f"service stacks import {name!r} on every stage"


def test_no_export_outside_the_naming_contract(template: Template) -> None:
    declared = Counter(
        repr(output["Export"]["Name"])
        for output in template["Outputs"].values()
        if "Export" in output
    )
    contract = Counter(
        repr(sub(naming.export(name, STAGE)))
        for name in (*naming.SHARED_EXPORTS, *naming.DOMAIN_EXPORTS)
    )
    assert declared == contract


@pytest.mark.parametrize("name", naming.DOMAIN_EXPORTS)
def test_domain_export_exists_only_with_a_hosted_zone(template: Template, name: str) -> None:
    assert output_exporting(template, name)["Condition"] == "HasHostedZone"
    assert template["Conditions"]["HasHostedZone"] == {
        "Fn::Not": [{"Fn::Equals": [ref("HostedZoneId"), ""]}]
    }


def test_export_values_follow_the_contract(template: Template) -> None:
    def value(name: str) -> Node:
        return output_exporting(template, name)["Value"]

    subnets = value("private-subnet-ids")
    assert subnets["Fn::Join"][0] == ","
    assert len(subnets["Fn::Join"][1]) == 2  # one private subnet per AZ
    redis = resources_of_type(template, "AWS::ElastiCache::ReplicationGroup")
    (redis_id,) = redis
    assert value("redis-endpoint") == get_att(redis_id, "PrimaryEndPoint.Address")
    assert value("redis-port") == get_att(redis_id, "PrimaryEndPoint.Port")
    assert value("domain-name") == ref("DomainName")
    assert value("stage") == ref("Stage")
    (domain_id,) = resources_of_type(template, "AWS::ApiGatewayV2::DomainName")
    assert output_exporting(template, "api-domain-name")["Value"] == ref(domain_id)
    for table in naming.TABLES:
        table_id = resource_named(
            template, "AWS::DynamoDB::Table", "TableName", sub(naming.table(table, STAGE))
        )
        assert value(f"{table}-table") == ref(table_id)
        assert value(f"{table}-table-arn") == get_att(table_id, "Arn")
    for service in naming.SERVICES:
        group_id = resource_named(
            template,
            "AWS::Logs::LogGroup",
            "LogGroupName",
            sub(naming.access_log_group(service, STAGE)),
        )
        assert group_id in {
            name for name, _ in references(value(f"{service}-access-log-group-arn"))
        }


# --- parameters -------------------------------------------------------------------------------


def test_stage_parameter_uses_the_naming_rule(template: Template) -> None:
    assert template["Parameters"]["Stage"]["AllowedPattern"] == naming.STAGE_PATTERN.pattern


def test_every_pattern_explains_itself_and_admits_its_default(template: Template) -> None:
    for name, parameter in template["Parameters"].items():
        if "AllowedPattern" not in parameter:
            continue
        assert parameter.get("ConstraintDescription"), f"{name} has no ConstraintDescription"
        if "Default" in parameter:
            assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"]), name


@pytest.mark.parametrize(
    ("arn", "accepted"),
    [
        ("", True),
        (
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:purposepath/jwt-secret/dev-AbC123",
            True,
        ),
        # IAM matches exact ARNs: a name without the 6-character suffix would grant nothing.
        ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:purposepath/jwt-secret/dev", False),
        ("purposepath/jwt-secret/dev", False),
        ("arn:aws:ssm:eu-west-1:123456789012:parameter/jwt-AbC123", False),
    ],
)
def test_jwt_secret_arn_parameter_takes_only_a_full_secret_arn(
    template: Template, arn: str, accepted: bool
) -> None:
    pattern = template["Parameters"]["JwtSecretArn"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, arn)) is accepted


# --- stateful resources -----------------------------------------------------------------------


# Retiring a signing key slot must delete its key (scheduled, PendingWindowInDays); the
# engine's stateful guard still refuses it unless `rotate-signing-key --retire` allows it.
SIGNING_KEYS = ("SigningKeyA", "SigningKeyB")


def test_every_stateful_resource_is_retained(template: Template) -> None:
    stateful = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in STATEFUL_TYPES and logical_id not in SIGNING_KEYS
    }
    assert {resource["Type"] for resource in stateful.values()} == STATEFUL_TYPES
    not_retained = sorted(
        logical_id
        for logical_id, resource in stateful.items()
        if (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
        != ("Retain", "Retain")
    )
    assert not not_retained, f"need DeletionPolicy and UpdateReplacePolicy Retain: {not_retained}"


def test_tables_are_exactly_the_contract(template: Template) -> None:
    names = {
        resource["Properties"]["TableName"]["Fn::Sub"]
        for resource in resources_of_type(template, "AWS::DynamoDB::Table").values()
    }
    assert names == {naming.table(table, STAGE) for table in naming.TABLES}
    assert set(TABLE_CONTRACTS) == set(naming.TABLES)


@pytest.mark.parametrize("table", naming.TABLES)
def test_table_key_schema_and_ttl(template: Template, table: str) -> None:
    contract = TABLE_CONTRACTS[table]
    table_id = resource_named(
        template, "AWS::DynamoDB::Table", "TableName", sub(naming.table(table, STAGE))
    )
    props = template["Resources"][table_id]["Properties"]

    key_schema = [{"AttributeName": contract.hash_key, "KeyType": "HASH"}]
    if contract.range_key:
        key_schema.append({"AttributeName": contract.range_key, "KeyType": "RANGE"})
    assert props["KeySchema"] == key_schema

    indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == set(contract.indexes)
    for index_name, hash_key in contract.indexes.items():
        assert indexes[index_name]["KeySchema"] == [{"AttributeName": hash_key, "KeyType": "HASH"}]
        assert indexes[index_name]["Projection"] == {"ProjectionType": "ALL"}

    key_attributes = {contract.hash_key, contract.range_key, *contract.indexes.values()} - {None}
    assert {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]} == {
        attribute: "S" for attribute in key_attributes
    }

    if contract.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": contract.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in props


@pytest.mark.parametrize("table", naming.TABLES)
def test_table_is_on_demand_encrypted_recoverable_and_protected_in_prod(
    template: Template, table: str
) -> None:
    table_id = resource_named(
        template, "AWS::DynamoDB::Table", "TableName", sub(naming.table(table, STAGE))
    )
    props = template["Resources"][table_id]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": get_att("DataKey", "Arn"),
    }
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}


# --- conditional resources --------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", DOMAIN_TYPES)
def test_domain_resources_exist_only_with_a_hosted_zone(
    template: Template, resource_type: str
) -> None:
    resources = resources_of_type(template, resource_type)
    assert resources, f"no {resource_type} in the template"
    for logical_id, resource in resources.items():
        assert resource.get("Condition") == "HasHostedZone", logical_id


# What a known condition implies: a slot that is active or previous has its key; when slot
# A is not active, B is (the template's Rules keep exactly one slot active, tested below).
IMPLIED_CONDITIONS = {
    "SigningKeyAIsActive": "HasSigningKeyA",
    "SigningKeyAIsPrevious": "HasSigningKeyA",
    "SigningKeyBIsPrevious": "HasSigningKeyB",
    "!SigningKeyAIsActive": "HasSigningKeyB",
}


def _with_implied(guards: frozenset[str]) -> frozenset[str]:
    return guards | {IMPLIED_CONDITIONS[g] for g in guards if g in IMPLIED_CONDITIONS}


def test_conditional_resources_are_referenced_only_where_they_exist(template: Template) -> None:
    conditions = {
        logical_id: resource["Condition"]
        for logical_id, resource in template["Resources"].items()
        if "Condition" in resource
    }
    referrers = {**template["Resources"], **template["Outputs"]}
    dangling = [
        f"{referrer} -> {target}"
        for referrer, body in referrers.items()
        for target, guards in references(body)
        if target in conditions
        and conditions[target] not in _with_implied(guards) | {body.get("Condition")}
    ]
    assert not dangling, f"references to resources that may not exist: {dangling}"


def test_jwt_secret_is_created_only_when_none_is_given(template: Template) -> None:
    secret_id = resource_named(
        template, "AWS::SecretsManager::Secret", "Name", sub(naming.jwt_secret(STAGE))
    )
    secret = template["Resources"][secret_id]
    assert secret["Condition"] == "CreateJwtSecret"
    assert template["Conditions"]["CreateJwtSecret"] == {"Fn::Equals": [ref("JwtSecretArn"), ""]}
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == "{}"
    assert generated["GenerateStringKey"] == "secret"
    assert generated["PasswordLength"] >= 64
    assert generated["ExcludePunctuation"] is True

    in_use = {"Fn::If": ["CreateJwtSecret", ref(secret_id), ref("JwtSecretArn")]}
    assert output_exporting(template, "jwt-secret-arn")["Value"] == in_use
    for policy_id, policy in resources_of_type(template, "AWS::IAM::ManagedPolicy").items():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        secret_resources = [
            resource
            for statement in statements
            if "secretsmanager:GetSecretValue" in as_list(statement["Action"])
            for resource in as_list(statement["Resource"])
        ]
        assert in_use in secret_resources, f"{policy_id} cannot read the JWT secret in use"


# --- network and Redis ------------------------------------------------------------------------


def _ingress_rules(template: Template) -> Iterator[tuple[Node, Mapping[str, Node]]]:
    """(target group, rule) for every ingress rule, inline or standalone."""
    for logical_id, group in resources_of_type(template, "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            yield get_att(logical_id, "GroupId"), rule
    for rule in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values():
        yield rule["Properties"]["GroupId"], rule["Properties"]


def test_redis_port_is_reachable_only_from_the_lambda_group(template: Template) -> None:
    redis_group = get_att("RedisSecurityGroup", "GroupId")
    from_lambda_on_6379 = {
        "IpProtocol": "tcp",
        "FromPort": 6379,
        "ToPort": 6379,
        "SourceSecurityGroupId": get_att("LambdaSecurityGroup", "GroupId"),
    }
    rules = list(_ingress_rules(template))
    on_redis = [rule for group, rule in rules if group == redis_group]
    assert on_redis, "the functions cannot reach Redis"
    for rule in on_redis:
        assert from_lambda_on_6379.items() <= rule.items(), f"Redis admits {dict(rule)}"
        assert not set(rule) & {"CidrIp", "CidrIpv6", "SourcePrefixListId"}
    opening_6379_elsewhere = [
        dict(rule)
        for group, rule in rules
        if group != redis_group
        and (str(rule["IpProtocol"]) == "-1" or rule["FromPort"] <= 6379 <= rule["ToPort"])
    ]
    assert not opening_6379_elsewhere
    redis = template["Resources"]["RedisReplicationGroup"]["Properties"]
    assert redis["SecurityGroupIds"] == [redis_group]
    assert redis["Port"] == 6379


def test_redis_is_encrypted_and_admits_only_the_group_of_service_users(
    template: Template,
) -> None:
    redis = template["Resources"]["RedisReplicationGroup"]["Properties"]
    # AWS refuses AuthToken together with UserGroupIds (CreateReplicationGroup).
    assert "AuthToken" not in redis
    assert redis["UserGroupIds"] == [ref("RedisUserGroup")]
    assert redis["Engine"] == "redis"
    assert redis["AtRestEncryptionEnabled"] is True
    assert redis["TransitEncryptionEnabled"] is True
    assert redis["NumCacheClusters"] == {"Fn::If": ["IsProd", 2, 1]}
    assert redis["MultiAZEnabled"] == {"Fn::If": ["IsProd", True, False]}
    assert redis["AutomaticFailoverEnabled"] == {"Fn::If": ["IsProd", True, False]}
    # The former AUTH token's secret stays exported while deployed stacks import it.
    secret_id = resource_named(
        template, "AWS::SecretsManager::Secret", "Name", sub(naming.redis_auth_secret(STAGE))
    )
    assert output_exporting(template, "redis-auth-secret-arn")["Value"] == ref(secret_id)


def test_gateway_endpoints_serve_every_private_route_table(template: Template) -> None:
    endpoints = resources_of_type(template, "AWS::EC2::VPCEndpoint").values()
    gateways = {
        endpoint["Properties"]["ServiceName"]["Fn::Sub"]: endpoint["Properties"]
        for endpoint in endpoints
        if endpoint["Properties"]["VpcEndpointType"] == "Gateway"
    }
    assert set(gateways) == {
        "com.amazonaws.${AWS::Region}.dynamodb",
        "com.amazonaws.${AWS::Region}.s3",
    }
    for props in gateways.values():
        assert props["RouteTableIds"] == {
            "Fn::If": [
                "NatPerAz",
                [ref("PrivateRouteTable"), ref("PrivateRouteTableB")],
                [ref("PrivateRouteTable")],
            ]
        }


# --- egress: what survives the loss of one AZ --------------------------------------------------


def test_egress_parameter_offers_the_three_choices(template: Template) -> None:
    egress = template["Parameters"]["Egress"]
    assert egress["AllowedValues"] == ["single-nat", "nat-per-az", "endpoints"]
    assert egress["Default"] == "single-nat"
    assert template["Conditions"]["NatPerAz"] == {"Fn::Equals": [ref("Egress"), "nat-per-az"]}
    assert template["Conditions"]["SecretsEndpoint"] == {"Fn::Equals": [ref("Egress"), "endpoints"]}


def test_nat_per_az_gives_az_b_its_own_nat_and_route(template: Template) -> None:
    resources = template["Resources"]
    for name in ("NatElasticIpB", "NatGatewayB", "PrivateRouteTableB", "PrivateDefaultRouteB"):
        assert resources[name]["Condition"] == "NatPerAz", name
    assert resources["NatGatewayB"]["Properties"]["SubnetId"] == ref("PublicSubnetB")
    assert resources["PrivateDefaultRouteB"]["Properties"]["NatGatewayId"] == ref("NatGatewayB")
    association = resources["PrivateSubnetBRouteTableAssociation"]["Properties"]
    assert association["RouteTableId"] == {
        "Fn::If": ["NatPerAz", ref("PrivateRouteTableB"), ref("PrivateRouteTable")]
    }
    # The one NAT every choice keeps stays in AZ A, serving subnet A.
    assert resources["NatGateway"]["Properties"]["SubnetId"] == ref("PublicSubnetA")
    assert "Condition" not in resources["NatGateway"]


def test_secrets_endpoint_sits_in_every_az_behind_its_own_group(template: Template) -> None:
    resources = template["Resources"]
    endpoint = resources["SecretsManagerEndpoint"]
    props = endpoint["Properties"]
    assert endpoint["Condition"] == "SecretsEndpoint"
    assert props["VpcEndpointType"] == "Interface"
    assert props["ServiceName"] == sub("com.amazonaws.${AWS::Region}.secretsmanager")
    assert props["PrivateDnsEnabled"] is True  # the SDK's default endpoint name resolves here
    assert props["SubnetIds"] == [ref("PrivateSubnetA"), ref("PrivateSubnetB")]
    assert props["SecurityGroupIds"] == [get_att("EndpointSecurityGroup", "GroupId")]
    group = resources["EndpointSecurityGroup"]
    assert group["Condition"] == "SecretsEndpoint"
    [ingress] = group["Properties"]["SecurityGroupIngress"]
    assert (ingress["IpProtocol"], ingress["FromPort"], ingress["ToPort"]) == ("tcp", 443, 443)
    assert ingress["SourceSecurityGroupId"] == get_att("LambdaSecurityGroup", "GroupId")
    [statement] = props["PolicyDocument"]["Statement"]
    assert statement["Resource"] == sub(
        "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*"
    )


# --- least privilege and encryption -----------------------------------------------------------


@pytest.mark.parametrize("service", naming.SERVICES)
def test_service_policy_grants_only_its_own_tables(template: Template, service: str) -> None:
    policy_id = output_exporting(template, f"{service}-policy-arn")["Value"]["Ref"]
    statements = template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"]
    dynamodb = [
        statement
        for statement in statements
        if any(str(action).startswith("dynamodb:") for action in as_list(statement["Action"]))
    ]
    assert len(dynamodb) == 1
    # Coaching's tenant purge scans its table (its keys start with the user, not the tenant).
    extra = {"dynamodb:Scan"} if service == "coaching" else set()
    assert set(as_list(dynamodb[0]["Action"])) == SERVICE_DYNAMODB_ACTIONS | extra
    granted_tables = {target for target, _ in references(dynamodb[0]["Resource"])}
    expected_tables = {
        resource_named(template, "AWS::DynamoDB::Table", "TableName", sub(naming.table(t, STAGE)))
        for t in SERVICE_TABLES[service]
    }
    assert granted_tables == expected_tables
    for table_id in expected_tables:
        if template["Resources"][table_id]["Properties"].get("GlobalSecondaryIndexes"):
            assert sub(f"${{{table_id}.Arn}}/index/*") in as_list(dynamodb[0]["Resource"])
    wildcards = [node for node in walk(statements) if node == "*"]
    assert not wildcards, f"{policy_id} grants a wildcard"


@pytest.mark.parametrize("service", naming.SERVICES)
def test_service_log_groups_are_encrypted_and_expire(template: Template, service: str) -> None:
    for name in (naming.log_group(service, STAGE), naming.access_log_group(service, STAGE)):
        group_id = resource_named(template, "AWS::Logs::LogGroup", "LogGroupName", sub(name))
        props = template["Resources"][group_id]["Properties"]
        assert props["KmsKeyId"] == get_att("DataKey", "Arn")
        assert props["RetentionInDays"] == {"Fn::If": ["IsProd", 365, 30]}


def test_data_key_rotates_and_admits_no_anonymous_principal(template: Template) -> None:
    key = template["Resources"]["DataKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    alias_id = resource_named(
        template, "AWS::KMS::Alias", "AliasName", sub(f"alias/{naming.PREFIX}-{STAGE}")
    )
    assert template["Resources"][alias_id]["Properties"]["TargetKeyId"] == ref("DataKey")
    principals = [statement["Principal"] for statement in key["KeyPolicy"]["Statement"]]
    assert "*" not in principals
    assert all(principal.get("AWS", "") != "*" for principal in principals)


def test_alarm_topic_key_lets_cloudwatch_alarms_of_the_stage_publish(template: Template) -> None:
    # SNS Developer Guide, "Key management", "Enable compatibility between event sources
    # from AWS services and encrypted topics".
    statements = template["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    [statement] = [
        s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"
    ]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")},
        "ArnLike": {
            "aws:SourceArn": sub(
                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}"
                ":alarm:purposepath-*-${Stage}"
            )
        },
    }
    alarm_names = [
        alarm["Properties"]["AlarmName"]["Fn::Sub"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
    ]
    assert all(re.fullmatch(r"purposepath-.*-\$\{Stage\}", name) for name in alarm_names)
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == get_att("DataKey", "Arn")


def test_every_bucket_blocks_public_access_and_plain_http(template: Template) -> None:
    buckets = resources_of_type(template, "AWS::S3::Bucket")
    policies = {
        policy["Properties"]["Bucket"]["Ref"]: policy["Properties"]["PolicyDocument"]
        for policy in resources_of_type(template, "AWS::S3::BucketPolicy").values()
    }
    assert len(buckets) == 3
    for bucket_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["BucketName"]["Fn::Sub"].endswith(
            "-${AWS::AccountId}-${AWS::Region}-${Stage}"
        ), bucket_id
        assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
        assert len(props["PublicAccessBlockConfiguration"]) == 4
        deny_plain_http = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        }
        statements = policies[bucket_id]["Statement"]
        assert any(deny_plain_http.items() <= statement.items() for statement in statements), (
            f"{bucket_id} accepts plain HTTP"
        )


def test_dashboard_watches_every_function(template: Template) -> None:
    dashboard_id = resource_named(
        template, "AWS::CloudWatch::Dashboard", "DashboardName", sub(naming.dashboard(STAGE))
    )
    body = template["Resources"][dashboard_id]["Properties"]["DashboardBody"]["Fn::Sub"]
    for service in naming.SERVICES:
        assert naming.function_name(service, STAGE) in body
    alarmed = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::Sub"]
        for alarm in resources_of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == "AWS/Lambda"
    }
    assert alarmed == {naming.function_name(service, STAGE) for service in naming.SERVICES}


# --- portability and lint ---------------------------------------------------------------------


def test_template_uses_only_types_the_local_aws_supports(template: Template) -> None:
    used = {resource["Type"] for resource in template["Resources"].values()}
    assert used <= ALLOWED_TYPES, f"unsupported types: {sorted(used - ALLOWED_TYPES)}"
    assert "Transform" not in template


def test_availability_zones_never_name_the_region(template: Template) -> None:
    get_azs = [
        node["Fn::GetAZs"]
        for node in walk(template)
        if isinstance(node, Mapping) and "Fn::GetAZs" in node
    ]
    assert get_azs, "the subnets no longer spread over AZs"
    named = [region for region in get_azs if region != ""]
    assert not named, f"moto breaks on !GetAZs with a region ({named}); use !GetAZs ''"


def test_template_fits_cloudformations_template_url_limit() -> None:
    # "CloudFormation quotas": a TemplateBody is at most 51,200 bytes, a template in S3
    # (TemplateURL) 1 MB. The shared template is past the first since the signing keys
    # and Redis users: the engine sends it as compact JSON through the stage's deployment
    # bucket (aws/template_store.py, the bootstrap stack made on first need).
    compact = json.dumps(
        templates.load(TEMPLATE_PATH).document, separators=(",", ":"), sort_keys=True
    )
    assert len(compact.encode()) <= 1_000_000


def test_stages_choose_their_egress_and_dev_keeps_one_nat(template: Template) -> None:
    from ppdeploy import config  # noqa: PLC0415 - only this test reads stages.toml

    allowed = template["Parameters"]["Egress"]["AllowedValues"]
    chosen = {
        name: config.stage(name).shared_parameters()["Egress"]
        for name in ("dev", "staging", "prod")
    }
    assert chosen["dev"] == "single-nat"
    assert chosen["staging"] != "single-nat"
    assert chosen["prod"] != "single-nat"
    assert set(chosen.values()) <= set(allowed)
    assert list(config.EGRESS_CHOICES) == allowed


def test_an_unknown_egress_is_refused_naming_stage_and_choices() -> None:
    from ppdeploy import config  # noqa: PLC0415
    from ppdeploy.errors import InputError  # noqa: PLC0415

    with pytest.raises(InputError) as refused:
        config.Stage(name="qa", region="us-east-1", account_id="0" * 12, domain="x", egress="two")
    assert "'qa'" in str(refused.value)
    assert "'two'" in str(refused.value)


SERVICE_TEMPLATES = sorted((TEMPLATE_PATH.parents[1] / "services").glob("*/template*.yaml"))
# A variable with one of these in its name would hold a secret; *_ARN, *_TABLE and *_PARAMETER
# (an SSM parameter's name, such as the public signing key set's) only name one.
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY", "CREDENTIAL")


@pytest.mark.parametrize("path", SERVICE_TEMPLATES, ids=lambda p: str(p.parent.name + "/" + p.name))
def test_functions_hold_no_secret_so_need_no_customer_key(path: Path) -> None:
    # Lambda Developer Guide, "Securing environment variables": without KmsKeyArn Lambda
    # encrypts the environment with its AWS managed key and the role needs nothing; with
    # one, the role needs kms:Decrypt on it. The environment holds no secret, so none.
    for resource in templates.load(path).resources.values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        assert "KmsKeyArn" not in props
        variables = props["Environment"]["Variables"]
        holding = [
            name
            for name in variables
            if any(word in name for word in SECRET_WORDS)
            and not name.endswith(("_ARN", "_TABLE", "_PARAMETER"))
        ]
        assert holding == []
