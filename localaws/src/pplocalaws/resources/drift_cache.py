"""Drift readers for ElastiCache: replication group, cache subnet group, users, user group.

The replication group and subnet group and the users are moto's (``elasticache``,
``elasticache_users``); user groups are the local AWS's own (``elasticache_user_groups``).

- AWS::ElastiCache::ReplicationGroup (physical id: its id): the settings
  DescribeReplicationGroups shows. NumCacheClusters is the number of member clusters.
  ``Port`` is not compared: the local AWS serves the group from a real Redis on a free
  local port, so its live port is not the template's by design. ``AuthToken`` is
  write-only in the resource schema, as on AWS.
- AWS::ElastiCache::SubnetGroup (physical id: its name): description and subnets.
- AWS::ElastiCache::User (physical id: the user id): UserName, Engine and AccessString.
  ``AuthenticationMode`` and ``Passwords`` are not compared: the passwords are write-only
  (the resource schema's writeOnlyProperties), and DescribeUsers shows only the mode's
  type and password count, which the local model does not keep apart from the passwords.
- AWS::ElastiCache::UserGroup (physical id: its id): Engine and UserIds.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader, tag_list


def _elasticache(account_id: str, region: str) -> Any:
    from moto.elasticache.models import elasticache_backends  # noqa: PLC0415 - moto loads on first use

    return elasticache_backends[account_id][region]


def read_replication_group(physical_id: str, account_id: str, region: str) -> Live | None:
    group = _elasticache(account_id, region).replication_groups.get(physical_id)
    if group is None or group.status == "deleting":
        return None  # DeleteReplicationGroup leaves it "deleting" on its way out
    live: Live = {
        "ReplicationGroupId": group.replication_group_id,
        "ReplicationGroupDescription": group.description,
        "Engine": group.engine,
        "CacheNodeType": group.cache_node_type,
        "NumCacheClusters": len(group.member_clusters),
        "AutomaticFailoverEnabled": group.automatic_failover == "enabled",
        "MultiAZEnabled": group.multi_az == "enabled",
        "AtRestEncryptionEnabled": bool(group.at_rest_encryption_enabled),
        "TransitEncryptionEnabled": bool(group.transit_encryption_enabled),
        "UserGroupIds": list(group.user_group_ids or []),
        "SecurityGroupIds": list(group.security_group_ids or []),
        "AutoMinorVersionUpgrade": bool(group.auto_minor_version_upgrade),
        "SnapshotRetentionLimit": group.snapshot_retention_limit,
        "Tags": tag_list(group.tags or []),
    }
    for prop, value in (
        ("EngineVersion", group.engine_version),
        ("KmsKeyId", group.kms_key_id),
        ("CacheSubnetGroupName", group.cache_subnet_group_name),
        ("SnapshotWindow", group.snapshot_window),
        ("PreferredMaintenanceWindow", group.preferred_maintenance_window),
    ):
        if value:
            live[prop] = value
    return live


def read_subnet_group(physical_id: str, account_id: str, region: str) -> Live | None:
    group = _elasticache(account_id, region).cache_subnet_groups.get(physical_id)
    if group is None:
        return None
    return {
        "CacheSubnetGroupName": group.cache_subnet_group_name,
        "Description": group.cache_subnet_group_description,
        "SubnetIds": list(group.subnet_ids),
        "Tags": tag_list(group.tags or []),
    }


def read_user(physical_id: str, account_id: str, region: str) -> Live | None:
    user = _elasticache(account_id, region).users.get(physical_id)
    if user is None or user.status == "deleting":
        return None  # DeleteUser leaves it "deleting" on its way out, as DescribeUsers shows
    return {
        "UserId": user.id,
        "UserName": user.name,
        "Engine": user.engine,
        "AccessString": user.access_string,
        "Tags": tag_list(user.tags or []),
    }


def read_user_group(physical_id: str, account_id: str, region: str) -> Live | None:
    from pplocalaws.resources.elasticache_user_groups import user_groups  # noqa: PLC0415 - loads moto

    group = user_groups(account_id, region).get(physical_id)
    if group is None:
        return None
    return {
        "UserGroupId": group.group_id,
        "Engine": group.engine,
        "UserIds": list(group.user_ids),
        "Tags": tag_list(group.tags),
    }


READERS: dict[str, Reader] = {
    "AWS::ElastiCache::ReplicationGroup": Reader(
        read_replication_group,
        frozenset(
            {
                "ReplicationGroupId",
                "ReplicationGroupDescription",
                "Engine",
                "EngineVersion",
                "CacheNodeType",
                "NumCacheClusters",
                "AutomaticFailoverEnabled",
                "MultiAZEnabled",
                "AtRestEncryptionEnabled",
                "KmsKeyId",
                "TransitEncryptionEnabled",
                "UserGroupIds",
                "CacheSubnetGroupName",
                "SecurityGroupIds",
                "AutoMinorVersionUpgrade",
                "SnapshotRetentionLimit",
                "SnapshotWindow",
                "PreferredMaintenanceWindow",
                "Tags",
            }
        ),
    ),
    "AWS::ElastiCache::SubnetGroup": Reader(
        read_subnet_group,
        frozenset({"CacheSubnetGroupName", "Description", "SubnetIds", "Tags"}),
    ),
    "AWS::ElastiCache::User": Reader(
        read_user, frozenset({"UserId", "UserName", "Engine", "AccessString", "Tags"})
    ),
    "AWS::ElastiCache::UserGroup": Reader(
        read_user_group, frozenset({"UserGroupId", "Engine", "UserIds", "Tags"})
    ),
}
