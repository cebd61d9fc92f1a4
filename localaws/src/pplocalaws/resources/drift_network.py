"""Drift readers for the shared stack's network: VPC, subnets, security groups, route tables,
routes, internet gateway and its attachment, Elastic IPs, NAT gateways, VPC endpoints and
flow logs (EC2's backend in moto).

Each reads the settings moto keeps for the type, and the resource's tags (without the
``aws:`` ones CloudFormation adds) where moto's model keeps the template's. A security
group's rules (SecurityGroupIngress and SecurityGroupEgress) are not compared: moto keeps
them as rule objects whose CloudFormation shape (one entry per source, ports as -1 for
all) is not kept; its name, description and VPC are. A resource that is gone is DELETED.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader, tag_list


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends  # noqa: PLC0415 - moto loads on first use

    return ec2_backends[account_id][region]


def _tags(resource: Any) -> list[dict[str, str]]:
    return tag_list([{"Key": t["key"], "Value": t["value"]} for t in resource.get_tags()])


def read_vpc(physical_id: str, account_id: str, region: str) -> Live | None:
    vpc = _ec2(account_id, region).vpcs.get(physical_id)
    if vpc is None:
        return None
    return {
        "CidrBlock": vpc.cidr_block,
        "EnableDnsSupport": bool(vpc.enable_dns_support),
        "EnableDnsHostnames": bool(vpc.enable_dns_hostnames),
        "InstanceTenancy": vpc.instance_tenancy,
        "Tags": _tags(vpc),
    }


def read_subnet(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.ec2.exceptions import InvalidSubnetIdError  # noqa: PLC0415 - moto loads on first use

    try:
        subnet = _ec2(account_id, region).get_subnet(physical_id)
    except InvalidSubnetIdError:
        return None
    return {
        "VpcId": subnet.vpc_id,
        "CidrBlock": subnet.cidr_block,
        "AvailabilityZone": subnet.availability_zone,
        "MapPublicIpOnLaunch": str(subnet.map_public_ip_on_launch).lower() == "true",
        "Tags": _tags(subnet),
    }


def read_security_group(physical_id: str, account_id: str, region: str) -> Live | None:
    group = _ec2(account_id, region).get_security_group_from_id(physical_id)
    if group is None:
        return None
    return {
        "GroupName": group.name,
        "GroupDescription": group.description,
        "VpcId": group.vpc_id,
        "Tags": _tags(group),
    }


def read_route_table(physical_id: str, account_id: str, region: str) -> Live | None:
    table = _ec2(account_id, region).route_tables.get(physical_id)
    if table is None:
        return None
    return {"VpcId": table.vpc_id, "Tags": _tags(table)}


def read_internet_gateway(physical_id: str, account_id: str, region: str) -> Live | None:
    gateway = _ec2(account_id, region).internet_gateways.get(physical_id)
    if gateway is None:
        return None
    return {"Tags": _tags(gateway)}


def read_nat_gateway(physical_id: str, account_id: str, region: str) -> Live | None:
    gateway = _ec2(account_id, region).nat_gateways.get(physical_id)
    if gateway is None or gateway.state == "deleted":
        return None
    return {"SubnetId": gateway.subnet_id}


def read_vpc_endpoint(physical_id: str, account_id: str, region: str) -> Live | None:
    endpoint = _ec2(account_id, region).vpc_end_points.get(physical_id)
    if endpoint is None:
        return None
    return {
        "VpcId": endpoint.vpc_id,
        "ServiceName": endpoint.service_name,
        "VpcEndpointType": endpoint.vpc_endpoint_type,
        "PrivateDnsEnabled": bool(endpoint.private_dns_enabled),
    }


def read_route(physical_id: str, account_id: str, region: str, expected: Live) -> Live | None:
    """A route is found by its table and destination (the template's RouteTableId and
    DestinationCidrBlock); its target is compared."""
    table = _ec2(account_id, region).route_tables.get(expected.get("RouteTableId"))
    if table is None:
        return None
    destination = expected.get("DestinationCidrBlock")
    route = next((r for r in table.routes if r.destination_cidr_block == destination), None)
    if route is None:
        return None
    live: Live = {"RouteTableId": table.id, "DestinationCidrBlock": destination}
    if route.gateway_id and route.gateway_id != "local":
        live["GatewayId"] = route.gateway_id
    if route.nat_gateway_id:
        live["NatGatewayId"] = route.nat_gateway_id
    return live


def read_gateway_attachment(
    physical_id: str, account_id: str, region: str, expected: Live
) -> Live | None:
    """An internet gateway's attachment: the gateway (template's InternetGatewayId) and its VPC."""
    gateway = _ec2(account_id, region).internet_gateways.get(expected.get("InternetGatewayId"))
    if gateway is None or gateway.vpc is None:
        return None
    return {"InternetGatewayId": gateway.id, "VpcId": gateway.vpc.id}


def read_elastic_ip(physical_id: str, account_id: str, region: str) -> Live | None:
    """An Elastic IP's physical id is its public address."""
    addresses = _ec2(account_id, region).addresses
    address = next((a for a in addresses if a.public_ip == physical_id), None)
    if address is None:
        return None
    return {"Domain": address.domain}


def read_flow_log(physical_id: str, account_id: str, region: str) -> Live | None:
    """ResourceType is not kept by moto: it is not compared (ResourceId names the resource)."""
    flow_log = _ec2(account_id, region).flow_logs.get(physical_id)
    if flow_log is None:
        return None
    live: Live = {
        "ResourceId": flow_log.resource_id,
        "TrafficType": flow_log.traffic_type,
        "LogDestinationType": flow_log.log_destination_type,
    }
    for prop, value in (
        ("LogGroupName", flow_log.log_group_name),
        ("DeliverLogsPermissionArn", flow_log.deliver_logs_permission_arn),
        ("LogDestination", flow_log.log_destination),
        ("MaxAggregationInterval", flow_log.max_aggregation_interval),
        ("LogFormat", flow_log.log_format),
    ):
        if value is not None:
            live[prop] = value
    return live


READERS: dict[str, Reader] = {
    "AWS::EC2::FlowLog": Reader(
        read_flow_log,
        frozenset(
            {
                "ResourceId",
                "TrafficType",
                "LogDestinationType",
                "LogGroupName",
                "DeliverLogsPermissionArn",
                "LogDestination",
                "MaxAggregationInterval",
                "LogFormat",
            }
        ),
    ),
    "AWS::EC2::Route": Reader(
        None,
        frozenset({"RouteTableId", "DestinationCidrBlock", "GatewayId", "NatGatewayId"}),
        read_with_template=read_route,
    ),
    "AWS::EC2::VPCGatewayAttachment": Reader(
        None, frozenset({"InternetGatewayId", "VpcId"}), read_with_template=read_gateway_attachment
    ),
    "AWS::EC2::EIP": Reader(read_elastic_ip, frozenset({"Domain"})),
    "AWS::EC2::VPC": Reader(
        read_vpc,
        frozenset(
            {"CidrBlock", "EnableDnsSupport", "EnableDnsHostnames", "InstanceTenancy", "Tags"}
        ),
    ),
    "AWS::EC2::Subnet": Reader(
        read_subnet,
        frozenset({"VpcId", "CidrBlock", "AvailabilityZone", "MapPublicIpOnLaunch", "Tags"}),
    ),
    "AWS::EC2::SecurityGroup": Reader(
        read_security_group, frozenset({"GroupName", "GroupDescription", "VpcId", "Tags"})
    ),
    # Not "Tags" for route tables, internet gateways and NAT gateways: moto's
    # CloudFormation models of these drop the template's Tags, so the live tags would
    # always differ.
    "AWS::EC2::RouteTable": Reader(read_route_table, frozenset({"VpcId"})),
    "AWS::EC2::InternetGateway": Reader(read_internet_gateway, frozenset()),
    "AWS::EC2::NatGateway": Reader(read_nat_gateway, frozenset({"SubnetId"})),
    "AWS::EC2::VPCEndpoint": Reader(
        read_vpc_endpoint,
        frozenset({"VpcId", "ServiceName", "VpcEndpointType", "PrivateDnsEnabled"}),
    ),
}
