"""Each drift reader: as deployed it is IN_SYNC; changed through its API, exactly that differs."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

REGION = "us-east-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}
TEMPLATE = {
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "drift-role",
                "AssumeRolePolicyDocument": TRUST,
                "MaxSessionDuration": 3600,
                "Policies": [
                    {
                        "PolicyName": "read",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                            ],
                        },
                    }
                ],
            },
        },
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": "data key",
                "EnableKeyRotation": True,
                "KeyPolicy": KEY_POLICY,
            },
        },
        "KeyAlias": {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": "alias/drift", "TargetKeyId": {"Ref": "Key"}},
        },
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": "drift-secret",
                "Description": "a secret",
                "GenerateSecretString": {"PasswordLength": 32},
            },
        },
        "Topic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": "drift-topic", "DisplayName": "Drift"},
        },
        "Alarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "drift-errors",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "Topic"}],
            },
        },
        "Queue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": "drift-queue", "VisibilityTimeout": 60},
        },
        "Parameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/drift/p", "Type": "String", "Value": "one"},
        },
        "Policy": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": "data access",
                "Path": "/drift/",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
                    ],
                },
                "Roles": [{"Ref": "Role"}],
            },
        },
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "sqs",
                "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]},
            },
        },
        "Board": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {"DashboardName": "drift", "DashboardBody": '{"widgets": []}'},
        },
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": "drift-bucket",
                "VersioningConfiguration": {"Status": "Enabled"},
            },
        },
        "BucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": "arn:aws:s3:::drift-bucket/*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    }
}


@pytest.fixture
def stack(aws: None, change_sets: Any) -> str:
    change_sets.deploy("readers", json.dumps(TEMPLATE))
    return "readers"


def _detect(cfn: Any, stack: str) -> dict[str, dict[str, Any]]:
    cfn.detect_stack_drift(StackName=stack)
    found = cfn.describe_stack_resource_drifts(StackName=stack)["StackResourceDrifts"]
    return {d["LogicalResourceId"]: d for d in found}


def _paths(drift: dict[str, Any]) -> set[str]:
    return {d["PropertyPath"] for d in drift.get("PropertyDifferences", [])}


def test_every_resource_as_deployed_is_in_sync(cfn: Any, stack: str) -> None:
    drifts = _detect(cfn, stack)

    assert {lid: d["StackResourceDriftStatus"] for lid, d in drifts.items()} == dict.fromkeys(
        TEMPLATE["Resources"], "IN_SYNC"
    ), {lid: d.get("PropertyDifferences") for lid, d in drifts.items()}


def test_each_change_through_an_api_is_the_one_difference(cfn: Any, stack: str) -> None:
    boto3.client("iam", region_name=REGION).update_role(
        RoleName="drift-role", MaxSessionDuration=7200
    )
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.describe_key(KeyId="alias/drift")["KeyMetadata"]["KeyId"]
    kms.disable_key_rotation(KeyId=key_id)
    boto3.client("secretsmanager", region_name=REGION).update_secret(
        SecretId="drift-secret", Description="changed"
    )
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.list_topics()["Topics"][0]["TopicArn"]
    sns.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="Other")
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName="drift-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "f"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=[topic],
    )
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.set_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName="drift-queue")["QueueUrl"],
        Attributes={"VisibilityTimeout": "30"},
    )
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/drift/p", Value="two", Type="String", Overwrite=True
    )
    iam = boto3.client("iam", region_name=REGION)
    policy_arn = iam.list_policies(Scope="Local")["Policies"][0]["Arn"]
    iam.detach_role_policy(RoleName="drift-role", PolicyArn=policy_arn)
    boto3.client("cloudwatch", region_name=REGION).put_dashboard(
        DashboardName="drift", DashboardBody='{"widgets": [{"type": "text"}]}'
    )
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_bucket_versioning(Bucket="drift-bucket", VersioningConfiguration={"Status": "Suspended"})
    s3.delete_bucket_policy(Bucket="drift-bucket")
    subscription = sns.list_subscriptions()["Subscriptions"][0]["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=subscription)

    drifts = _detect(cfn, stack)

    assert {lid: _paths(d) for lid, d in drifts.items()} == {
        "Role": {"/MaxSessionDuration"},
        "Key": {"/EnableKeyRotation"},
        "KeyAlias": set(),
        "Secret": {"/Description"},
        "Topic": {"/DisplayName"},
        "Alarm": {"/Threshold"},
        "Queue": {"/VisibilityTimeout"},
        "Parameter": {"/Value"},
        "Policy": {"/Roles/0"},
        "Board": {"/DashboardBody"},
        "Bucket": {"/VersioningConfiguration/Status"},
        "BucketPolicy": set(),
        "Subscription": set(),
    }
    assert drifts["Subscription"]["StackResourceDriftStatus"] == "DELETED"
    assert drifts["BucketPolicy"]["StackResourceDriftStatus"] == "DELETED"


NAME_TAG = [{"Key": "Name", "Value": "drift"}]
NETWORK = {
    "Resources": {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": "10.1.0.0/16",
                "EnableDnsSupport": True,
                "EnableDnsHostnames": True,
                "Tags": NAME_TAG,
            },
        },
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "CidrBlock": "10.1.1.0/24",
                "AvailabilityZone": "us-east-1a",
                "MapPublicIpOnLaunch": False,
                "Tags": NAME_TAG,
            },
        },
        "Group": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "drift group",
                "VpcId": {"Ref": "Vpc"},
                "Tags": NAME_TAG,
            },
        },
        "Routes": {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "Tags": NAME_TAG},
        },
        "Gateway": {"Type": "AWS::EC2::InternetGateway", "Properties": {"Tags": NAME_TAG}},
        "Attach": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "Gateway"}},
        },
        "Default": {
            "Type": "AWS::EC2::Route",
            "DependsOn": "Attach",
            "Properties": {
                "RouteTableId": {"Ref": "Routes"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": {"Ref": "Gateway"},
            },
        },
        "Address": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
        "FlowLogs": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/drift/flow"}},
        "FlowLog": {
            "Type": "AWS::EC2::FlowLog",
            "Properties": {
                "ResourceType": "VPC",
                "ResourceId": {"Ref": "Vpc"},
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": {"Ref": "FlowLogs"},
                "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow",
            },
        },
        "Endpoint": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "ServiceName": "com.amazonaws.us-east-1.dynamodb",
                "VpcEndpointType": "Gateway",
                "RouteTableIds": [{"Ref": "Routes"}],
            },
        },
    }
}


@pytest.fixture
def network(aws: None, change_sets: Any) -> dict[str, str]:
    # Stack tags, which CloudFormation puts on the resources too: not drift.
    change_sets.deploy("network", json.dumps(NETWORK), tags={"team": "drift"})
    resources = boto3.client("cloudformation", region_name=REGION).describe_stack_resources(
        StackName="network"
    )["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}


def test_the_network_as_deployed_is_in_sync_and_changes_are_found(
    cfn: Any, network: dict[str, str]
) -> None:
    in_sync = _detect(cfn, "network")
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.modify_vpc_attribute(VpcId=network["Vpc"], EnableDnsHostnames={"Value": False})
    ec2.modify_subnet_attribute(SubnetId=network["Subnet"], MapPublicIpOnLaunch={"Value": True})
    ec2.create_tags(Resources=[network["Group"]], Tags=[{"Key": "owner", "Value": "someone"}])
    ec2.delete_route(RouteTableId=network["Routes"], DestinationCidrBlock="0.0.0.0/0")
    ec2.detach_internet_gateway(InternetGatewayId=network["Gateway"], VpcId=network["Vpc"])
    ec2.delete_internet_gateway(InternetGatewayId=network["Gateway"])
    ec2.delete_flow_logs(FlowLogIds=[network["FlowLog"]])
    ec2.release_address(
        AllocationId=ec2.describe_addresses(PublicIps=[network["Address"]])["Addresses"][0][
            "AllocationId"
        ]
    )

    drifted = _detect(cfn, "network")

    assert {lid: d["StackResourceDriftStatus"] for lid, d in in_sync.items()} == dict.fromkeys(
        NETWORK["Resources"], "IN_SYNC"
    ), {lid: d.get("PropertyDifferences") for lid, d in in_sync.items()}
    assert {lid: _paths(d) for lid, d in drifted.items()} == {
        "Vpc": {"/EnableDnsHostnames"},
        "Subnet": {"/MapPublicIpOnLaunch"},
        "Group": {"/Tags/1"},
        "Routes": set(),
        "Gateway": set(),
        "Attach": set(),
        "Default": set(),
        "Address": set(),
        "FlowLogs": set(),
        "FlowLog": set(),
        "Endpoint": set(),
    }
    for gone in ("Gateway", "Attach", "Default", "Address", "FlowLog"):
        assert drifted[gone]["StackResourceDriftStatus"] == "DELETED", gone
