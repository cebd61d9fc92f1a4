"""ElastiCache subnet group and Redis replication group through CloudFormation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import boto3

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


def test_replication_group_is_created_encrypted_with_auth_and_endpoint(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
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
    assert stack_outputs("s") == {
        "Address": primary["Address"],
        "Port": str(primary["Port"]),
        "Group": "purposepath-redis-dev",
        "Subnets": "purposepath-redis-dev",
    }
    subnet_group = cache.describe_cache_subnet_groups(CacheSubnetGroupName="purposepath-redis-dev")
    assert len(subnet_group["CacheSubnetGroups"][0]["Subnets"]) == 2


def test_an_unresolved_or_invalid_auth_token_fails_naming_the_rule(
    assert_create_fails: Callable[[str, str], None],
) -> None:
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Redis"]["Properties"]["AuthToken"] = "short/token"

    assert_create_fails(json.dumps(template), "AuthToken is invalid")


def test_node_type_update_is_in_place(
    aws: boto3.Session, stack_outputs: Callable[[str], dict[str, str]]
) -> None:
    cfn, cache = aws.client("cloudformation"), aws.client("elasticache")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    address = stack_outputs("s")["Address"]
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Redis"]["Properties"]["CacheNodeType"] = "cache.t4g.small"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    group = cache.describe_replication_groups(ReplicationGroupId="purposepath-redis-dev")[
        "ReplicationGroups"
    ][0]
    assert group["CacheNodeType"] == "cache.t4g.small"
    assert stack_outputs("s")["Address"] == address


def test_delete_stack_leaves_no_cache_resources(aws: boto3.Session) -> None:
    cfn, cache = aws.client("cloudformation"), aws.client("elasticache")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert cache.describe_replication_groups()["ReplicationGroups"] == []
    assert [
        g["CacheSubnetGroupName"] for g in cache.describe_cache_subnet_groups()["CacheSubnetGroups"]
    ] in ([], ["default"])
