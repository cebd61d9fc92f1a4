"""The shared network through CloudFormation: created as declared, deleted without a trace."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3


def _ref(name: str) -> dict[str, str]:
    return {"Ref": name}


NETWORK: dict[str, Any] = {
    "Resources": {
        "Vpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": "10.0.0.0/16",
                "EnableDnsHostnames": True,
                "EnableDnsSupport": True,
            },
        },
        "Public": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": _ref("Vpc"),
                "CidrBlock": "10.0.0.0/24",
                "MapPublicIpOnLaunch": True,
            },
        },
        "Private": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": _ref("Vpc"), "CidrBlock": "10.0.1.0/24"},
        },
        "Igw": {"Type": "AWS::EC2::InternetGateway"},
        "IgwAttachment": {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {"VpcId": _ref("Vpc"), "InternetGatewayId": _ref("Igw")},
        },
        "NatAddress": {
            "Type": "AWS::EC2::EIP",
            "DependsOn": "IgwAttachment",
            "Properties": {"Domain": "vpc"},
        },
        "Nat": {
            "Type": "AWS::EC2::NatGateway",
            "Properties": {
                "AllocationId": {"Fn::GetAtt": ["NatAddress", "AllocationId"]},
                "SubnetId": _ref("Public"),
            },
        },
        "PublicRoutes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": _ref("Vpc")}},
        "PublicDefault": {
            "Type": "AWS::EC2::Route",
            "DependsOn": "IgwAttachment",
            "Properties": {
                "RouteTableId": _ref("PublicRoutes"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": _ref("Igw"),
            },
        },
        "PublicAssociation": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"RouteTableId": _ref("PublicRoutes"), "SubnetId": _ref("Public")},
        },
        "PrivateRoutes": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": _ref("Vpc")}},
        "PrivateDefault": {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": _ref("PrivateRoutes"),
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": _ref("Nat"),
            },
        },
        "PrivateAssociation": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"RouteTableId": _ref("PrivateRoutes"), "SubnetId": _ref("Private")},
        },
        "LambdaGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "lambda", "VpcId": _ref("Vpc")},
        },
        "RedisGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "redis", "VpcId": _ref("Vpc")},
        },
        "RedisFromLambda": {
            "Type": "AWS::EC2::SecurityGroupIngress",
            "Properties": {
                "GroupId": _ref("RedisGroup"),
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "SourceSecurityGroupId": _ref("LambdaGroup"),
            },
        },
        "LambdaToRedis": {
            "Type": "AWS::EC2::SecurityGroupEgress",
            "Properties": {
                "GroupId": _ref("LambdaGroup"),
                "IpProtocol": "tcp",
                "FromPort": 6379,
                "ToPort": 6379,
                "DestinationSecurityGroupId": _ref("RedisGroup"),
            },
        },
        "DynamoEndpoint": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcId": _ref("Vpc"),
                "VpcEndpointType": "Gateway",
                "RouteTableIds": [_ref("PrivateRoutes")],
                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.dynamodb"},
            },
        },
        "FlowLog": {
            "Type": "AWS::EC2::FlowLog",
            "Properties": {
                "ResourceId": _ref("Vpc"),
                "ResourceType": "VPC",
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": "/vpc/flow",
                "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow-logs",
            },
        },
    },
}


def _physical_ids(cfn: Any) -> dict[str, str]:
    summaries = cfn.list_stack_resources(StackName="net")["StackResourceSummaries"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries}


def _inventory(ec2: Any) -> dict[str, int]:
    """How many of each network resource exist (moto starts with a default VPC)."""
    return {
        "vpcs": len(ec2.describe_vpcs()["Vpcs"]),
        "subnets": len(ec2.describe_subnets()["Subnets"]),
        "route_tables": len(ec2.describe_route_tables()["RouteTables"]),
        "security_groups": len(ec2.describe_security_groups()["SecurityGroups"]),
        "internet_gateways": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "addresses": len(ec2.describe_addresses()["Addresses"]),
        "nat_gateways": len(ec2.describe_nat_gateways()["NatGateways"]),
        "vpc_endpoints": len(ec2.describe_vpc_endpoints()["VpcEndpoints"]),
        "flow_logs": len(ec2.describe_flow_logs()["FlowLogs"]),
        "network_interfaces": len(ec2.describe_network_interfaces()["NetworkInterfaces"]),
    }


def test_network_is_created_as_declared(aws: boto3.Session) -> None:
    cfn, ec2 = aws.client("cloudformation"), aws.client("ec2")
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(NETWORK))
    ids = _physical_ids(cfn)

    tables = {
        t["RouteTableId"]: t
        for t in ec2.describe_route_tables(
            RouteTableIds=[ids["PublicRoutes"], ids["PrivateRoutes"]]
        )["RouteTables"]
    }
    public, private = tables[ids["PublicRoutes"]], tables[ids["PrivateRoutes"]]
    assert [(a["SubnetId"], a["RouteTableAssociationId"]) for a in public["Associations"]] == [
        (ids["Public"], ids["PublicAssociation"])
    ]
    assert [a["SubnetId"] for a in private["Associations"]] == [ids["Private"]]
    assert {r.get("GatewayId") for r in public["Routes"]} == {"local", ids["Igw"]}
    assert ids["Nat"] in {r.get("NatGatewayId") for r in private["Routes"]}
    assert ids["DynamoEndpoint"] in {r.get("GatewayId") for r in private["Routes"]}

    redis = ec2.describe_security_groups(GroupIds=[ids["RedisGroup"]])["SecurityGroups"][0]
    assert [
        (p["FromPort"], p["UserIdGroupPairs"][0]["GroupId"]) for p in redis["IpPermissions"]
    ] == [(6379, ids["LambdaGroup"])]
    assert ids["RedisFromLambda"].startswith("sgr-")
    lambda_group = ec2.describe_security_groups(GroupIds=[ids["LambdaGroup"]])["SecurityGroups"][0]
    assert (6379, ids["RedisGroup"]) in [
        (p.get("FromPort"), pair["GroupId"])
        for p in lambda_group["IpPermissionsEgress"]
        for pair in p["UserIdGroupPairs"]
    ]

    assert ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"
    ]["Value"]
    subnets = {
        s["SubnetId"]: s["MapPublicIpOnLaunch"]
        for s in ec2.describe_subnets(SubnetIds=[ids["Public"], ids["Private"]])["Subnets"]
    }
    assert subnets == {ids["Public"]: True, ids["Private"]: False}


def test_delete_stack_removes_the_whole_network(aws: boto3.Session) -> None:
    cfn, ec2 = aws.client("cloudformation"), aws.client("ec2")
    before = _inventory(ec2)
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(NETWORK))
    assert _inventory(ec2) != before

    cfn.delete_stack(StackName="net")

    assert _inventory(ec2) == before
    stack_id = cfn.list_stacks()["StackSummaries"][0]["StackId"]
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_dns_and_public_ip_updates_apply_in_place(aws: boto3.Session) -> None:
    cfn, ec2 = aws.client("cloudformation"), aws.client("ec2")
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(NETWORK))
    template = copy.deepcopy(NETWORK)
    template["Resources"]["Vpc"]["Properties"]["EnableDnsHostnames"] = False
    template["Resources"]["Public"]["Properties"]["MapPublicIpOnLaunch"] = False

    cfn.update_stack(StackName="net", TemplateBody=json.dumps(template))

    ids = _physical_ids(cfn)
    assert not ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"
    ]["Value"]
    assert not ec2.describe_subnets(SubnetIds=[ids["Public"]])["Subnets"][0]["MapPublicIpOnLaunch"]


def test_a_changed_ingress_rule_replaces_it(aws: boto3.Session) -> None:
    cfn, ec2 = aws.client("cloudformation"), aws.client("ec2")
    cfn.create_stack(StackName="net", TemplateBody=json.dumps(NETWORK))
    old_rule = _physical_ids(cfn)["RedisFromLambda"]
    template = copy.deepcopy(NETWORK)
    template["Resources"]["RedisFromLambda"]["Properties"].update(FromPort=6380, ToPort=6380)

    cfn.update_stack(StackName="net", TemplateBody=json.dumps(template))

    ids = _physical_ids(cfn)
    redis = ec2.describe_security_groups(GroupIds=[ids["RedisGroup"]])["SecurityGroups"][0]
    assert [p["FromPort"] for p in redis["IpPermissions"]] == [6380]
    assert ids["RedisFromLambda"] != old_rule
