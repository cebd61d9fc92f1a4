"""Drift readers for the network's links: standalone security group rules and subnet
route table associations (EC2's backend in moto, as the local models in ``ec2`` make them).

- AWS::EC2::SecurityGroupIngress and SecurityGroupEgress: the physical id is the security
  group rule id (``ec2.LocalSecurityGroupIngress``); the rule is read back through
  DescribeSecurityGroupRules into the template's shape: protocol, ports, the peer (CIDR or
  security group). ``IpProtocol`` compares as EC2 normalises it ("tcp" for "6", "-1" for
  "all"), as DescribeSecurityGroupRules shows it. A revoked rule is DELETED.
  ``Description`` is not compared: moto keeps a rule's description only for a CIDR peer
  (its ``SecurityGroupRule.description`` reads the IP range), so the shared template's
  rule, whose peer is a security group, has none to read; a known gap (AWS compares it).
- AWS::EC2::SubnetRouteTableAssociation: the physical id is the association id; the
  association is found in its route table (DescribeRouteTables, ``Associations``) and
  compared on SubnetId and RouteTableId. An association that is gone (disassociated, or
  replaced: ReplaceRouteTableAssociation gives a new association id, "ReplaceRouteTable
  Association", EC2 API Reference) is DELETED.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader


def _ec2(account_id: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends  # noqa: PLC0415 - moto loads on first use

    return ec2_backends[account_id][region]


def _rule(physical_id: str, account_id: str, region: str) -> Any | None:
    from moto.ec2.exceptions import InvalidSecurityGroupRuleIdNotFoundError  # noqa: PLC0415 - moto loads on first use

    try:
        found = _ec2(account_id, region).describe_security_group_rules([physical_id], {})
    except InvalidSecurityGroupRuleIdNotFoundError:
        return None
    return found[0] if found else None


def _rule_live(rule: Any, peer_key: str) -> Live:
    live: Live = {"GroupId": rule.group_id, "IpProtocol": rule.ip_protocol}
    if rule.ip_protocol != "-1":
        live["FromPort"] = rule.from_port
        live["ToPort"] = rule.to_port
    cidr = rule.ip_range.get("CidrIp")
    if cidr:
        live["CidrIp"] = cidr
    cidr_v6 = rule.ip_range.get("CidrIpv6")
    if cidr_v6:
        live["CidrIpv6"] = cidr_v6
    peer = rule.source_group.get("GroupId")
    if peer:
        live[peer_key] = peer
    return live


def read_ingress(physical_id: str, account_id: str, region: str) -> Live | None:
    rule = _rule(physical_id, account_id, region)
    if rule is None or rule.is_egress:
        return None
    return _rule_live(rule, "SourceSecurityGroupId")


def read_egress(physical_id: str, account_id: str, region: str) -> Live | None:
    rule = _rule(physical_id, account_id, region)
    if rule is None or not rule.is_egress:
        return None
    return _rule_live(rule, "DestinationSecurityGroupId")


def read_route_table_association(physical_id: str, account_id: str, region: str) -> Live | None:
    for table in _ec2(account_id, region).route_tables.values():
        for association in table.associations:
            if association["RouteTableAssociationId"] == physical_id:
                return {"RouteTableId": table.id, "SubnetId": association.get("SubnetId")}
    return None


_RULE = frozenset({"GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6"})
READERS: dict[str, Reader] = {
    "AWS::EC2::SecurityGroupIngress": Reader(read_ingress, _RULE | {"SourceSecurityGroupId"}),
    "AWS::EC2::SecurityGroupEgress": Reader(read_egress, _RULE | {"DestinationSecurityGroupId"}),
    "AWS::EC2::SubnetRouteTableAssociation": Reader(
        read_route_table_association, frozenset({"RouteTableId", "SubnetId"})
    ),
}
