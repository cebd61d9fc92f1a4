"""EC2 networking: delete hooks moto lacks, and the few network models it gets wrong.

moto 5.2.5 creates the whole shared network but cannot delete it: InternetGateway,
VPCGatewayAttachment, EIP, NatGateway, RouteTable, Route, VPCEndpoint and FlowLog have no
delete hook, so the VPC keeps dependants and DeleteStack fails. Each gets a
``delete(account_id, region)`` here (moto's stack delete calls that first). A resource
already gone counts as deleted, as in CloudFormation; a dependency still in place raises
``DependencyViolation`` so moto's delete loop retries it after its dependants.

Replaced outright (moto's model is wrong, so ours is registered for the type):

- ``SubnetRouteTableAssociation``: moto records it beside the route table, not in it, so
  DescribeRouteTables shows no association; Ref must be the association id.
- ``SecurityGroupIngress``: moto's Ref is empty and it has no delete; Ref is the rule id.
- ``SecurityGroupEgress``: moto has no model at all.

Patched: VPC applies EnableDnsSupport/EnableDnsHostnames, Subnet MapPublicIpOnLaunch
(moto ignores both), and both update those in place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Self

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
from moto.ec2.models import EC2Backend, ec2_backends
from moto.ec2.models.elastic_ip_addresses import ElasticAddress
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.internet_gateways import InternetGateway
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import Route, RouteTable
from moto.ec2.models.subnets import Subnet
from moto.ec2.models.vpcs import VPC, VPCEndPoint
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

from pplocalaws.resources.common import (
    LocalModel,
    Properties,
    as_bool,
    properties_of,
    require,
    requires_replacement,
)
from pplocalaws.resources.patching import (
    extend_create,
    record_properties,
    recorded_properties,
    recording,
    set_delete,
    set_update,
)
from pplocalaws.seams import nat_gateway_interface


def _backend(account_id: str, region_name: str) -> EC2Backend:
    return ec2_backends[account_id][region_name]


@contextmanager
def _gone_counts_as_deleted() -> Iterator[None]:
    """Deleting what no longer exists succeeds, as CloudFormation treats it."""
    try:
        yield
    except EC2ClientError as error:
        if not (error.code.endswith(".NotFound") or error.code == "Gateway.NotAttached"):
            raise


# --- delete hooks on moto's own models ------------------------------------------------


def _delete_internet_gateway(gateway: InternetGateway, account_id: str, region: str) -> None:
    with _gone_counts_as_deleted():
        _backend(account_id, region).delete_internet_gateway(gateway.id)


def _delete_gateway_attachment(
    attachment: VPCGatewayAttachment, account_id: str, region: str
) -> None:
    if attachment.gateway_id is None:
        return
    with _gone_counts_as_deleted():
        _backend(account_id, region).detach_internet_gateway(
            attachment.gateway_id, attachment.vpc_id
        )


def _delete_address(address: ElasticAddress, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    if address not in backend.addresses:
        return
    for nat in backend.nat_gateways.values():
        if any(entry.get("allocationId") == address.allocation_id for entry in nat.address_set):
            # EC2 refuses to release an address a NAT gateway still uses.
            raise DependencyViolationError(
                f"Elastic IP {address.public_ip} is in use by NAT gateway {nat.id}"
            )
    backend.release_address(allocation_id=address.allocation_id)


def _delete_nat_gateway(nat: NatGateway, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    if nat.id not in backend.nat_gateways:
        return
    # Deleting a NAT gateway frees its address and deletes its network interface.
    interface = nat_gateway_interface(nat)
    for address in backend.addresses:
        if address.eni is not None and address.eni is interface:
            backend.disassociate_address(address=address.public_ip)
    with _gone_counts_as_deleted():
        backend.delete_network_interface(interface.id)
    backend.delete_nat_gateway(nat.id)
    # EC2 shows a deleted gateway for an hour; the local AWS forgets it at once.
    del backend.nat_gateways[nat.id]


def _delete_route_table(table: RouteTable, account_id: str, region: str) -> None:
    with _gone_counts_as_deleted():
        _backend(account_id, region).delete_route_table(table.id)


def _delete_route(route: Route, account_id: str, region: str) -> None:
    with _gone_counts_as_deleted():
        _backend(account_id, region).delete_route(
            route.route_table.id,
            route.destination_cidr_block or "",
            destination_ipv6_cidr_block=route.destination_ipv6_cidr_block,
            destination_prefix_list_id=getattr(route.destination_prefix_list, "id", None),
        )


def _delete_vpc_endpoint(endpoint: VPCEndPoint, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    if endpoint.id not in backend.vpc_end_points:
        return
    if str(endpoint.vpc_endpoint_type).lower() == "gateway":
        # moto's DeleteVpcEndpoints fails when a route table went first; drop the
        # prefix-list routes from the tables that remain, then forget the endpoint.
        for table_id in endpoint.route_table_ids:
            with _gone_counts_as_deleted():
                backend.delete_route(
                    table_id, "", destination_prefix_list_id=endpoint.destination_prefix_list_id
                )
        endpoint.route_table_ids = []
    backend.delete_vpc_endpoints([endpoint.id])
    del backend.vpc_end_points[endpoint.id]


def _delete_flow_log(flow_log: FlowLogs, account_id: str, region: str) -> None:
    with _gone_counts_as_deleted():
        _backend(account_id, region).delete_flow_logs([flow_log.id])


set_delete(InternetGateway, _delete_internet_gateway)
set_delete(VPCGatewayAttachment, _delete_gateway_attachment)
set_delete(ElasticAddress, _delete_address)
set_delete(NatGateway, _delete_nat_gateway)
set_delete(RouteTable, _delete_route_table)
set_delete(Route, _delete_route)
set_delete(VPCEndPoint, _delete_vpc_endpoint)
set_delete(FlowLogs, _delete_flow_log)


# --- VPC and Subnet: the attributes moto ignores -------------------------------------


def _apply_vpc_dns(vpc: VPC, properties: Properties, account_id: str, region: str) -> None:
    # Set on the object: moto's ModifyVpcAttribute stores the value as given, and its
    # signature (str) disagrees with the booleans its responses pass.
    vpc.enable_dns_support = as_bool(properties.get("EnableDnsSupport"), True)
    vpc.enable_dns_hostnames = as_bool(properties.get("EnableDnsHostnames"))


def _apply_subnet_public_ip(
    subnet: Subnet, properties: Properties, account_id: str, region: str
) -> None:
    subnet.map_public_ip_on_launch = as_bool(properties.get("MapPublicIpOnLaunch"))


def _in_place_update(resource_type: str, apply: Any) -> Any:
    """An update handler that changes attributes in place and refuses replacement."""

    def update(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        new = properties_of(cloudformation_json)
        old = recorded_properties(original_resource, default=new)
        if requires_replacement(resource_type, old, new):
            raise ValidationError(
                message=f"{resource_type} {original_resource.id}: changing "
                f"{sorted(k for k in new.keys() | old.keys() if old.get(k) != new.get(k))} "
                "replaces it, which the local AWS cannot do with dependants in place; "
                "delete the stack and deploy it again"
            )
        apply(original_resource, new, account_id, region_name)
        record_properties(original_resource, new)
        return original_resource

    return update


# Properties recorded so an update can tell create-only changes apart.
extend_create(VPC, recording(_apply_vpc_dns))
set_update(VPC, _in_place_update("AWS::EC2::VPC", _apply_vpc_dns))
extend_create(Subnet, recording(_apply_subnet_public_ip))
set_update(Subnet, _in_place_update("AWS::EC2::Subnet", _apply_subnet_public_ip))


# --- models moto lacks or gets wrong ---------------------------------------------------


class LocalSubnetRouteTableAssociation(LocalModel, CloudFormationModel):
    """Associates a subnet with a route table in the table itself. Ref: association id."""

    RESOURCE_TYPE = "AWS::EC2::SubnetRouteTableAssociation"
    REF_ATTRIBUTE = "association_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "association_id"}

    def __init__(self, association_id: str, properties: Properties) -> None:
        self.association_id = association_id
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalSubnetRouteTableAssociation:
        association_id = _backend(account_id, region_name).associate_route_table(
            require(properties, "RouteTableId", cls.RESOURCE_TYPE),
            subnet_id=require(properties, "SubnetId", cls.RESOURCE_TYPE),
        )
        return cls(association_id, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: LocalSubnetRouteTableAssociation,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LocalSubnetRouteTableAssociation:
        # Both properties are create-only: any change replaces the association. A subnet
        # has one association at a time, so the old one goes first here.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json("", cloudformation_json, account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        with _gone_counts_as_deleted():
            _backend(account_id, region_name).disassociate_route_table(physical_id)


def _rule_arguments(properties: Properties, peer_key: str, peer_name_key: str) -> dict[str, Any]:
    """authorize/revoke arguments for one rule written the CloudFormation way."""
    protocol = str(properties.get("IpProtocol", "-1"))
    ip_ranges: list[dict[str, str]] = []
    if properties.get("CidrIp"):
        ip_ranges.append({"CidrIp": properties["CidrIp"]})
    if properties.get("CidrIpv6"):
        ip_ranges.append({"CidrIpv6": properties["CidrIpv6"]})
    if ip_ranges and properties.get("Description"):
        for entry in ip_ranges:
            entry["Description"] = properties["Description"]
    source_groups: list[dict[str, str]] = []
    if properties.get(peer_key):
        source_groups.append({"GroupId": properties[peer_key]})
    elif properties.get(peer_name_key):
        source_groups.append({"GroupName": properties[peer_name_key]})
    prefix_lists = [
        {"PrefixListId": properties[key]}
        for key in ("SourcePrefixListId", "DestinationPrefixListId")
        if properties.get(key)
    ]
    return {
        "ip_protocol": protocol,
        "from_port": str(properties.get("FromPort", -1)),
        "to_port": str(properties.get("ToPort", -1)),
        "ip_ranges": ip_ranges,
        "source_groups": source_groups,
        "prefix_list_ids": prefix_lists,
    }


def _group_id(properties: Properties, backend: EC2Backend, resource_type: str) -> str:
    if properties.get("GroupId"):
        return str(properties["GroupId"])
    group = backend.get_security_group_by_name_or_id(
        require(properties, "GroupName", resource_type), vpc_id=None
    )
    if group is None:
        raise ValidationError(
            message=f"{resource_type}: security group {properties['GroupName']!r} not found; "
            "reference the group by GroupId"
        )
    return str(group.id)


class _SecurityGroupRule(LocalModel):
    """Shared behaviour of the standalone ingress and egress rule resources.

    An update that changes only the Description keeps the rule (EC2 keeps it); any other
    change revokes the old rule first, since the same rule cannot exist twice in a group.
    """

    REF_ATTRIBUTE = "rule_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Id": "rule_id"}
    DIRECTION = ""
    PEER_KEYS = ("", "")

    def __init__(self, rule_id: str, group_id: str, properties: Properties) -> None:
        self.rule_id = rule_id
        self.group_id = group_id
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> Self:
        backend = _backend(account_id, region_name)
        group_id = _group_id(properties, backend, cls.RESOURCE_TYPE)
        authorize = getattr(backend, f"authorize_security_group_{cls.DIRECTION}")
        rules, _ = authorize(group_id, **_rule_arguments(properties, *cls.PEER_KEYS))
        return cls(rules[0].id, group_id, properties)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Self,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Self:
        new = properties_of(cloudformation_json)
        if not cls.replaced_by(original_resource.properties, new):
            original_resource.properties = new
            return original_resource
        original_resource.delete(account_id, region_name)
        return cls.create(new_resource_name, new, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        revoke = getattr(backend, f"revoke_security_group_{self.DIRECTION}")
        with _gone_counts_as_deleted():
            revoke(self.group_id, None, None, None, [], security_rule_ids=[self.rule_id])


class LocalSecurityGroupIngress(_SecurityGroupRule, CloudFormationModel):
    """One ingress rule on a security group. Ref: the security group rule id."""

    RESOURCE_TYPE = "AWS::EC2::SecurityGroupIngress"
    DIRECTION = "ingress"
    PEER_KEYS = ("SourceSecurityGroupId", "SourceSecurityGroupName")


class LocalSecurityGroupEgress(_SecurityGroupRule, CloudFormationModel):
    """One egress rule on a security group. Ref: the security group rule id."""

    RESOURCE_TYPE = "AWS::EC2::SecurityGroupEgress"
    DIRECTION = "egress"
    PEER_KEYS = ("DestinationSecurityGroupId", "")
