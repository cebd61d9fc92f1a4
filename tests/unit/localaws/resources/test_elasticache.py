"""ElastiCache subnet group and Redis replication group through CloudFormation."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from ppdeploy.localaws.resources import register

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        register()
        yield boto3.Session(region_name=REGION)


def _assert_create_fails(cfn: Any, template: str, reason: str) -> None:
    """moto alone raises from CreateStack; with the project's extensions the stack rolls back."""
    failure = ""
    try:
        cfn.create_stack(StackName="s", TemplateBody=template)
    except ClientError as error:
        failure = str(error)
    if not failure:
        stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
        assert stack["StackStatus"] in {"ROLLBACK_COMPLETE", "CREATE_FAILED"}
        events = cfn.describe_stack_events(StackName="s")["StackEvents"]
        failure = " ".join(
            [stack.get("StackStatusReason", "")]
            + [e.get("ResourceStatusReason", "") for e in events]
        )
    assert reason in failure


TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "SubnetA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
        },
        "SubnetB": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/24"},
        },
        "RedisAuth": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": "purposepath/redis-auth/dev",
                "GenerateSecretString": {
                    "SecretStringTemplate": "{}",
                    "GenerateStringKey": "token",
                    "PasswordLength": 32,
                    "ExcludePunctuation": True,
                },
            },
        },
        "CacheSubnets": {
            "Type": "AWS::ElastiCache::SubnetGroup",
            "Properties": {
                "CacheSubnetGroupName": "PurposePath-Redis-Dev",
                "Description": "private subnets",
                "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}],
            },
        },
        "Redis": {
            "Type": "AWS::ElastiCache::ReplicationGroup",
            "Properties": {
                "ReplicationGroupId": "purposepath-redis-dev",
                "ReplicationGroupDescription": "cache",
                "Engine": "redis",
                "CacheNodeType": "cache.t4g.micro",
                "NumCacheClusters": 1,
                "CacheSubnetGroupName": {"Ref": "CacheSubnets"},
                "AtRestEncryptionEnabled": True,
                "TransitEncryptionEnabled": True,
                "AuthToken": {
                    "Fn::Sub": "{{resolve:secretsmanager:${RedisAuth}:SecretString:token}}"
                },
            },
        },
    },
    "Outputs": {
        "Address": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Address"]}},
        "Port": {"Value": {"Fn::GetAtt": ["Redis", "PrimaryEndPoint.Port"]}},
        "Group": {"Value": {"Ref": "Redis"}},
        "Subnets": {"Value": {"Ref": "CacheSubnets"}},
    },
}


def _outputs(cfn: Any) -> dict[str, str]:
    return {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"]
    }


def test_replication_group_is_created_encrypted_with_auth_and_endpoint(aws: boto3.Session) -> None:
    cfn, cache = aws.client("cloudformation"), aws.client("elasticache")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    group = cache.describe_replication_groups(ReplicationGroupId="purposepath-redis-dev")[
        "ReplicationGroups"
    ][0]
    primary = group["NodeGroups"][0]["PrimaryEndpoint"]
    assert group["AtRestEncryptionEnabled"] is True
    assert group["TransitEncryptionEnabled"] is True
    assert group["AuthTokenEnabled"] is True
    assert group["CacheNodeType"] == "cache.t4g.micro"
    assert _outputs(cfn) == {
        "Address": primary["Address"],
        "Port": str(primary["Port"]),
        "Group": "purposepath-redis-dev",
        "Subnets": "purposepath-redis-dev",
    }
    subnet_group = cache.describe_cache_subnet_groups(CacheSubnetGroupName="purposepath-redis-dev")
    assert len(subnet_group["CacheSubnetGroups"][0]["Subnets"]) == 2


def test_an_unresolved_or_invalid_auth_token_fails_naming_the_rule(aws: boto3.Session) -> None:
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Redis"]["Properties"]["AuthToken"] = "short/token"

    _assert_create_fails(aws.client("cloudformation"), json.dumps(template), "AuthToken is invalid")


def test_node_type_update_is_in_place(aws: boto3.Session) -> None:
    cfn, cache = aws.client("cloudformation"), aws.client("elasticache")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    address = _outputs(cfn)["Address"]
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Redis"]["Properties"]["CacheNodeType"] = "cache.t4g.small"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    group = cache.describe_replication_groups(ReplicationGroupId="purposepath-redis-dev")[
        "ReplicationGroups"
    ][0]
    assert group["CacheNodeType"] == "cache.t4g.small"
    assert _outputs(cfn)["Address"] == address


def test_delete_stack_leaves_no_cache_resources(aws: boto3.Session) -> None:
    cfn, cache = aws.client("cloudformation"), aws.client("elasticache")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert cache.describe_replication_groups()["ReplicationGroups"] == []
    assert [
        g["CacheSubnetGroupName"] for g in cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
    ] in ([], ["default"])
