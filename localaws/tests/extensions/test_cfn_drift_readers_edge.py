"""Drift readers of the shared stack's edge, links, cache and CodeDeploy: as deployed each is
IN_SYNC; changed through its API, exactly that property (or the resource) differs."""

from __future__ import annotations

import json
import shutil
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
DOMAIN = "api.drift.example.com"
TOPIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sns:Publish",
            "Resource": {"Ref": "Topic"},
            "Condition": {"Bool": {"aws:SecureTransport": False}},
        }
    ],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codedeploy.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _edge(zone_id: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.2.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.2.1.0/24"},
            },
            "Routes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Association": {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "Routes"}},
            },
            "Redis": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "redis", "VpcId": {"Ref": "Vpc"}},
            },
            "Functions": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "functions", "VpcId": {"Ref": "Vpc"}},
            },
            "RedisFromFunctions": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {
                    "GroupId": {"Fn::GetAtt": ["Redis", "GroupId"]},
                    "Description": "Redis from the functions",
                    "IpProtocol": "tcp",
                    "FromPort": 6379,
                    "ToPort": 6379,
                    "SourceSecurityGroupId": {"Fn::GetAtt": ["Functions", "GroupId"]},
                },
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "drift-events"}},
            "TopicPolicy": {
                "Type": "AWS::SNS::TopicPolicy",
                "Properties": {"Topics": [{"Ref": "Topic"}], "PolicyDocument": TOPIC_POLICY},
            },
            "Sender": {
                "Type": "AWS::SES::EmailIdentity",
                "Properties": {"EmailIdentity": "noreply@drift.example.com"},
            },
            "Certificate": {
                "Type": "AWS::CertificateManager::Certificate",
                "Properties": {
                    "DomainName": DOMAIN,
                    "ValidationMethod": "DNS",
                    "Tags": [{"Key": "Name", "Value": "drift"}],
                },
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
            "Api": {
                "Type": "AWS::ApiGatewayV2::Api",
                "Properties": {"Name": "drift", "ProtocolType": "HTTP"},
            },
            "Stage": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default"},
            },
            "Mapping": {
                "Type": "AWS::ApiGatewayV2::ApiMapping",
                "DependsOn": "Stage",
                "Properties": {
                    "ApiId": {"Ref": "Api"},
                    "DomainName": {"Ref": "Domain"},
                    "Stage": "$default",
                    "ApiMappingKey": "account",
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
                        "EvaluateTargetHealth": False,
                    },
                },
            },
            "Dkim": {
                "Type": "AWS::Route53::RecordSet",
                "Properties": {
                    "HostedZoneId": zone_id,
                    "Name": "token._domainkey.drift.example.com",
                    "Type": "CNAME",
                    "TTL": "1800",
                    "ResourceRecords": ["token.dkim.amazonses.com"],
                },
            },
            "DeployRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": TRUST},
            },
            "Deployments": {
                "Type": "AWS::CodeDeploy::Application",
                "Properties": {
                    "ApplicationName": "drift-app",
                    "ComputePlatform": "Lambda",
                    "Tags": [{"Key": "Name", "Value": "drift"}],
                },
            },
            "Shift": {
                "Type": "AWS::CodeDeploy::DeploymentGroup",
                "Properties": {
                    "ApplicationName": {"Ref": "Deployments"},
                    "DeploymentGroupName": "drift-group",
                    "ServiceRoleArn": {"Fn::GetAtt": ["DeployRole", "Arn"]},
                    "DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
                    "DeploymentStyle": {
                        "DeploymentType": "BLUE_GREEN",
                        "DeploymentOption": "WITH_TRAFFIC_CONTROL",
                    },
                    "AlarmConfiguration": {"Alarms": [{"Name": "drift-errors"}], "Enabled": True},
                    "AutoRollbackConfiguration": {
                        "Enabled": True,
                        "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
                    },
                },
            },
        }
    }


def _detect(cfn: Any, stack: str) -> dict[str, dict[str, Any]]:
    cfn.detect_stack_drift(StackName=stack)
    found = cfn.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]
    return {d["LogicalResourceId"]: d for d in found}


def _paths(drift: dict[str, Any]) -> set[str]:
    return {d["PropertyPath"] for d in drift.get("PropertyDifferences", [])}


def _statuses(drifts: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {lid: d["StackResourceDriftStatus"] for lid, d in drifts.items()}


def _resources(name: str) -> dict[str, str]:
    resources = boto3.client("cloudformation", region_name=REGION).describe_stack_resources(
        StackName=name
    )["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


@pytest.fixture
def edge(aws: None, change_sets: Any) -> tuple[dict[str, Any], dict[str, str]]:
    zone = boto3.client("route53", region_name=REGION).create_hosted_zone(
        Name="drift.example.com", CallerReference="drift"
    )
    template = _edge(zone["HostedZone"]["Id"].split("/")[-1])
    change_sets.deploy("edge", json.dumps(template), tags={"team": "drift"})
    return template, _resources("edge")


def test_the_edge_as_deployed_is_in_sync(
    cfn: Any, edge: tuple[dict[str, Any], dict[str, str]]
) -> None:
    template, _ = edge

    drifts = _detect(cfn, "edge")

    assert _statuses(drifts) == dict.fromkeys(template["Resources"], "IN_SYNC"), {
        lid: d.get("PropertyDifferences") or d.get("DriftStatusReason") for lid, d in drifts.items()
    }


def test_each_change_to_the_edge_is_the_one_difference(
    cfn: Any, edge: tuple[dict[str, Any], dict[str, str]]
) -> None:
    template, ids = edge
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.modify_security_group_rules(
        GroupId=ids["Redis"],
        SecurityGroupRules=[
            {
                "SecurityGroupRuleId": ids["RedisFromFunctions"],
                "SecurityGroupRule": {
                    "IpProtocol": "tcp",
                    "FromPort": 6379,
                    "ToPort": 6380,
                    "ReferencedGroupId": ids["Functions"],
                },
            }
        ],
    )
    ec2.disassociate_route_table(AssociationId=ids["Association"])
    sns = boto3.client("sns", region_name=REGION)
    sns.set_topic_attributes(
        TopicArn=ids["Topic"],
        AttributeName="Policy",
        AttributeValue=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sns:Subscribe",
                        "Resource": ids["Topic"],
                        "Condition": {"Bool": {"aws:SecureTransport": False}},
                    }
                ],
            }
        ),
    )
    boto3.client("sesv2", region_name=REGION).delete_email_identity(
        EmailIdentity="noreply@drift.example.com"
    )
    boto3.client("acm", region_name=REGION).add_tags_to_certificate(
        CertificateArn=ids["Certificate"], Tags=[{"Key": "owner", "Value": "someone"}]
    )
    boto3.client("apigatewayv2", region_name=REGION).delete_api_mapping(
        ApiMappingId=ids["Mapping"], DomainName=DOMAIN
    )
    boto3.client("route53", region_name=REGION).change_resource_record_sets(
        HostedZoneId=template["Resources"]["Dkim"]["Properties"]["HostedZoneId"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": "token._domainkey.drift.example.com",
                        "Type": "CNAME",
                        "TTL": 60,
                        "ResourceRecords": [{"Value": "token.dkim.amazonses.com"}],
                    },
                }
            ]
        },
    )
    codedeploy = boto3.client("codedeploy", region_name=REGION)
    application = codedeploy.get_application(applicationName="drift-app")["application"]
    codedeploy.tag_resource(
        ResourceArn=f"arn:aws:codedeploy:{REGION}:123456789012:application:drift-app",
        Tags=[{"Key": "owner", "Value": "someone"}],
    )
    assert application["computePlatform"] == "Lambda"

    drifts = _detect(cfn, "edge")

    assert {lid: _paths(d) for lid, d in drifts.items() if _paths(d)} == {
        "RedisFromFunctions": {"/ToPort"},
        "TopicPolicy": {"/PolicyDocument/Statement/0/Action"},
        "Certificate": {"/Tags/1"},
        "Dkim": {"/TTL"},
        "Deployments": {"/Tags/1"},
    }
    gone = {lid for lid, status in _statuses(drifts).items() if status == "DELETED"}
    assert gone == {"Association", "Sender", "Mapping"}


def test_a_deployment_group_changed_is_that_difference(
    cfn: Any, edge: tuple[dict[str, Any], dict[str, str]]
) -> None:
    # moto serves no UpdateDeploymentGroup: the change is made on the group as the local
    # model's own in-place update makes it (codedeploy.LocalDeploymentGroup).
    from moto.codedeploy.models import codedeploy_backends  # noqa: PLC0415 - the mock's backend

    group = codedeploy_backends["123456789012"][REGION].get_deployment_group(
        "drift-app", "drift-group"
    )
    group.deployment_config_name = "CodeDeployDefault.LambdaAllAtOnce"
    group.auto_rollback_configuration = {"enabled": False, "events": []}

    drifts = _detect(cfn, "edge")

    assert _paths(drifts["Shift"]) == {
        "/DeploymentConfigName",
        "/AutoRollbackConfiguration/Enabled",
        "/AutoRollbackConfiguration/Events/0",
        "/AutoRollbackConfiguration/Events/1",
    }


needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it; apt-get install redis-server)",
)


def _user(user_id: str, name: str, access: str) -> dict[str, Any]:
    return {
        "Type": "AWS::ElastiCache::User",
        "Properties": {
            "UserId": user_id,
            "UserName": name,
            "Engine": "redis",
            "AccessString": access,
            "AuthenticationMode": {
                "Type": "password",
                "Passwords": ["drift-password-0123456789"],
            },
        },
    }


CACHE = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.3.0.0/16"}},
        "SubnetA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.3.1.0/24"},
        },
        "SubnetB": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.3.2.0/24"},
        },
        "Redis": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "redis", "VpcId": {"Ref": "Vpc"}},
        },
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": "cache key",
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                },
            },
        },
        "DefaultUser": {
            "Type": "AWS::ElastiCache::User",
            "Properties": {
                "UserId": "drift-default",
                "UserName": "default",
                "Engine": "redis",
                "AccessString": "off -@all",
                "AuthenticationMode": {"Type": "no-password-required"},
            },
        },
        "Writer": _user("drift-account", "drift-account", "on ~rev:* +@read +@write"),
        "Spare": _user("drift-spare", "drift-spare", "on ~rev:* +get"),
        "Users": {
            "Type": "AWS::ElastiCache::UserGroup",
            "Properties": {
                "UserGroupId": "drift-users",
                "Engine": "redis",
                "UserIds": [{"Ref": "DefaultUser"}, {"Ref": "Writer"}],
            },
        },
        "Subnets": {
            "Type": "AWS::ElastiCache::SubnetGroup",
            "Properties": {
                "CacheSubnetGroupName": "drift-redis",
                "Description": "private subnets",
                "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}],
            },
        },
        "Cache": {
            "Type": "AWS::ElastiCache::ReplicationGroup",
            "Properties": {
                "ReplicationGroupId": "drift-redis",
                "ReplicationGroupDescription": "drift cache",
                "Engine": "redis",
                "EngineVersion": "7.1",
                "CacheNodeType": "cache.t4g.micro",
                "Port": 6379,
                "NumCacheClusters": 1,
                "AutomaticFailoverEnabled": False,
                "MultiAZEnabled": False,
                "AtRestEncryptionEnabled": True,
                "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                "TransitEncryptionEnabled": True,
                "UserGroupIds": [{"Ref": "Users"}],
                "CacheSubnetGroupName": {"Ref": "Subnets"},
                "SecurityGroupIds": [{"Fn::GetAtt": ["Redis", "GroupId"]}],
                "AutoMinorVersionUpgrade": True,
                "SnapshotRetentionLimit": 1,
                "SnapshotWindow": "03:00-04:00",
                "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
            },
        },
    }
}


@needs_redis
def test_the_cache_as_deployed_is_in_sync_and_changes_are_found(cfn: Any, change_sets: Any) -> None:
    change_sets.deploy("cache", json.dumps(CACHE))
    in_sync = _detect(cfn, "cache")
    elasticache = boto3.client("elasticache", region_name=REGION)
    elasticache.modify_replication_group(
        ReplicationGroupId="drift-redis", SnapshotRetentionLimit=7, ApplyImmediately=True
    )
    elasticache.delete_user(UserId="drift-spare")

    drifted = _detect(cfn, "cache")

    assert _statuses(in_sync) == dict.fromkeys(CACHE["Resources"], "IN_SYNC"), {
        lid: d.get("PropertyDifferences") or d.get("DriftStatusReason")
        for lid, d in in_sync.items()
    }
    assert {lid: _paths(d) for lid, d in drifted.items() if _paths(d)} == {
        "Cache": {"/SnapshotRetentionLimit"}
    }
    assert {lid for lid, s in _statuses(drifted).items() if s == "DELETED"} == {"Spare"}


OIDC = {
    "Resources": {
        "GitHub": {
            "Type": "AWS::IAM::OIDCProvider",
            "Properties": {
                "Url": "https://token.actions.githubusercontent.com",
                "ClientIdList": ["sts.amazonaws.com"],
                "ThumbprintList": ["6938fd4d98bab03faadb97b34396831e3780aea1"],
            },
        }
    }
}


def test_an_oidc_provider_as_deployed_is_in_sync_and_a_thumbprint_change_is_found(
    cfn: Any, change_sets: Any
) -> None:
    change_sets.deploy("bootstrap", json.dumps(OIDC))
    in_sync = _detect(cfn, "bootstrap")
    boto3.client("iam", region_name=REGION).update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=_resources("bootstrap")["GitHub"],
        ThumbprintList=["1c58a3a8518e8759bf075b76b750d4f2df264fcd"],
    )

    drifted = _detect(cfn, "bootstrap")

    assert _statuses(in_sync) == {"GitHub": "IN_SYNC"}, in_sync["GitHub"]
    assert _paths(drifted["GitHub"]) == {"/ThumbprintList/0"}
