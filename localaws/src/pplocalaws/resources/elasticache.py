"""AWS::ElastiCache::SubnetGroup and ReplicationGroup on moto's ElastiCache backend.

moto has no CloudFormation model for either. The replication group's ``AuthToken`` is
resolved first (templates pass ``{{resolve:secretsmanager:...:SecretString:token}}``) and
checked against ElastiCache's rules, so an unresolved reference fails loudly instead of
becoming the Redis password.

Where ``redis-server`` is installed, each replication group is backed by a real one on
loopback (``pplocalaws.redis``): every endpoint the group reports (and so the
stack's exports) names it, and it stops with the group. Who may connect is either the
group's AUTH token (the ``default`` user's password) or, with ``UserGroupIds``, the users
of its RBAC user group as ACL users (``elasticache_user_groups``); a change to those users or
to the group's members is applied to the running server in place. Where redis-server is
not installed, the group keeps moto's made-up endpoint and the services' cache is off.
"""

from __future__ import annotations

import string
import weakref
from collections.abc import Mapping
from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.elasticache.models import ElastiCacheBackend, ReplicationGroup, elasticache_backends

from pplocalaws import redis
from pplocalaws.resources import dynamic_references, elasticache_rbac, elasticache_user_groups
from pplocalaws.resources.common import LocalModel, Properties, as_bool, require

SUBNET_GROUP_TYPE = "AWS::ElastiCache::SubnetGroup"
REPLICATION_GROUP_TYPE = "AWS::ElastiCache::ReplicationGroup"

# ElastiCache's AUTH token rule: printable ASCII, 16 to 128 characters, none of / " @.
_AUTH_TOKEN_FORBIDDEN = set('/"@')
_AUTH_TOKEN_ALLOWED = set(string.printable) - set(string.whitespace) - _AUTH_TOKEN_FORBIDDEN
_AUTH_TOKEN_LENGTH = range(16, 129)

# The real Redis behind each moto replication group; an entry goes when moto drops the
# group (its redis-server is stopped by the finalizer ``RedisServer.stop_with`` ties to it).
_local_servers: weakref.WeakKeyDictionary[ReplicationGroup, redis.RedisServer] = (
    weakref.WeakKeyDictionary()
)


def _backend(account_id: str, region_name: str) -> ElastiCacheBackend:
    return elasticache_backends[account_id][region_name]


class LocalCacheSubnetGroup(LocalModel, CloudFormationModel):
    """Ref returns the subnet group name (lowercased, as ElastiCache stores it)."""

    RESOURCE_TYPE = SUBNET_GROUP_TYPE
    NAME_PROPERTY = "CacheSubnetGroupName"
    REF_ATTRIBUTE = "name"

    def __init__(self, name: str, properties: Properties) -> None:
        self.name = name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalCacheSubnetGroup:
        name = resource_name.lower()
        _create_subnet_group(name, properties, account_id, region_name)
        return cls(name, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        # ModifyCacheSubnetGroup in place: moto has no such call, so rebuild under the name.
        _backend(account_id, region_name).cache_subnet_groups.pop(self.name, None)
        _create_subnet_group(self.name, new, account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        # moto's backend has no DeleteCacheSubnetGroup; the group is a plain dict entry.
        _backend(account_id, region_name).cache_subnet_groups.pop(physical_id, None)


def _create_subnet_group(
    name: str, properties: Properties, account_id: str, region_name: str
) -> None:
    _backend(account_id, region_name).create_cache_subnet_group(
        cache_subnet_group_name=name,
        cache_subnet_group_description=require(properties, "Description", SUBNET_GROUP_TYPE),
        subnet_ids=list(require(properties, "SubnetIds", SUBNET_GROUP_TYPE)),
        tags=properties.get("Tags"),
    )


def checked_auth_token(token: Any) -> str | None:
    """The AUTH token if ElastiCache would accept it; else an error naming the rule broken."""
    if token is None:
        return None
    text = str(token)
    if "{{resolve:" in text:
        cause = "it still holds an unresolved dynamic reference"
    elif len(text) not in _AUTH_TOKEN_LENGTH:
        cause = f"it is {len(text)} characters long, not 16 to 128"
    elif not set(text) <= _AUTH_TOKEN_ALLOWED:
        cause = 'it contains a character outside printable ASCII or one of / " @'
    else:
        return text
    raise ValidationError(
        message=f"{REPLICATION_GROUP_TYPE} AuthToken is invalid: {cause}; generate it with "
        "ExcludePunctuation (or ExcludeCharacters '/\"@') and 16-128 characters"
    )


class LocalReplicationGroup(LocalModel, CloudFormationModel):
    """A Redis replication group. Ref returns the ReplicationGroupId."""

    RESOURCE_TYPE = REPLICATION_GROUP_TYPE
    NAME_PROPERTY = "ReplicationGroupId"
    REF_ATTRIBUTE = "group_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {
        "PrimaryEndPoint.Address": "primary_address",
        "PrimaryEndPoint.Port": "port",
        "ReaderEndPoint.Address": "reader_address",
        "ReaderEndPoint.Port": "port",
        "ReadEndPoint.Addresses": "read_addresses",
        "ReadEndPoint.Ports": "read_ports",
        "ConfigurationEndPoint.Address": "configuration_address",
        "ConfigurationEndPoint.Port": "port",
    }

    def __init__(self, group_id: str, properties: Properties, account_id: str, region: str) -> None:
        self.group_id = group_id
        self.properties = properties
        self._account_id = account_id
        self._region = region

    def _node_group(self) -> dict[str, Any]:
        group = _backend(self._account_id, self._region).replication_groups[self.group_id]
        return group.node_groups[0]

    @property
    def port(self) -> str:
        # CloudFormation returns every endpoint port as a string.
        return str(_backend(self._account_id, self._region).replication_groups[self.group_id].port)

    @property
    def primary_address(self) -> str:
        return str(self._node_group()["primary_endpoint_address"])

    @property
    def reader_address(self) -> str:
        return str(self._node_group()["reader_endpoint_address"])

    @property
    def read_addresses(self) -> str:
        members = self._node_group()["node_group_members"]
        return ",".join(member["read_endpoint"]["address"] for member in members)

    @property
    def read_ports(self) -> str:
        members = self._node_group()["node_group_members"]
        return ",".join(str(member["read_endpoint"]["port"]) for member in members)

    @property
    def configuration_address(self) -> str:
        group = _backend(self._account_id, self._region).replication_groups[self.group_id]
        return str(getattr(group, "configuration_endpoint", {}).get("address", ""))

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalReplicationGroup:
        group_id = resource_name.lower()
        auth_token = checked_auth_token(
            dynamic_references.resolve(properties.get("AuthToken"), account_id, region_name)
        )
        if auth_token and not as_bool(properties.get("TransitEncryptionEnabled")):
            raise ValidationError(
                message=f"{REPLICATION_GROUP_TYPE} {group_id}: AuthToken needs "
                "TransitEncryptionEnabled true (ElastiCache accepts AUTH only over TLS)"
            )
        user_group_ids = elasticache_rbac.checked_user_group_ids(
            group_id, properties, auth_token, account_id, region_name
        )
        server = redis.start(
            elasticache_rbac.acl_users_for(auth_token, user_group_ids, account_id, region_name)
        )
        try:
            _create_moto_group(
                group_id, properties, auth_token, user_group_ids, server, account_id, region_name
            )
        except BaseException:
            if server is not None:
                server.stop()
            raise
        return cls(group_id, properties, account_id, region_name)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        # ModifyReplicationGroup also rotates the AUTH token, toggles TLS, and adds or
        # removes user groups (UserGroupIdsToAdd / UserGroupIdsToRemove) in place: the
        # AUTH-to-RBAC migration and back ("Migrating from AUTH to RBAC", RBAC page).
        # Checked first, so a refused update changes nothing.
        token = checked_auth_token(
            dynamic_references.resolve(new.get("AuthToken"), account_id, region_name)
        )
        user_group_ids = elasticache_rbac.checked_user_group_ids(
            self.group_id, new, token, account_id, region_name
        )
        backend = _backend(account_id, region_name)
        backend.modify_replication_group(
            replication_group_id=self.group_id,
            # None leaves a setting as it is (moto's annotation says str; its body checks None).
            replication_group_description=new.get("ReplicationGroupDescription"),  # type: ignore[arg-type]  # see above
            engine=new.get("Engine"),  # type: ignore[arg-type]  # see above
            cache_node_type=new.get("CacheNodeType"),  # type: ignore[arg-type]  # see above
            automatic_failover_enabled=as_bool(new.get("AutomaticFailoverEnabled")),
            multi_az_enabled=as_bool(new.get("MultiAZEnabled")),
            snapshot_retention_limit=int(new.get("SnapshotRetentionLimit", 0)),
        )
        group = backend.replication_groups[self.group_id]
        server = _local_servers.get(group)
        if server is not None:
            server.apply_users(
                elasticache_rbac.acl_users_for(token, user_group_ids, account_id, region_name)
            )
        group.auth_token_enabled = bool(token)
        group.user_group_ids = user_group_ids
        group.transit_encryption_enabled = as_bool(new.get("TransitEncryptionEnabled"))

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _delete_replication_group(physical_id, account_id, region_name)


def _refresh_servers_of(user_group_id: str, account_id: str, region_name: str) -> None:
    """A user group's users changed: every replication group using it applies them."""
    backend = _backend(account_id, region_name)
    for group_id in elasticache_user_groups.replication_groups_using(
        user_group_id, account_id, region_name
    ):
        group = backend.replication_groups[group_id]
        server = _local_servers.get(group)
        if server is not None:
            server.apply_users(
                elasticache_rbac.acl_users_for(
                    None, list(group.user_group_ids), account_id, region_name
                )
            )


elasticache_user_groups.on_group_changed(_refresh_servers_of)


def _create_moto_group(
    group_id: str,
    properties: Properties,
    auth_token: str | None,
    user_group_ids: list[str],
    server: redis.RedisServer | None,
    account_id: str,
    region_name: str,
) -> None:
    """CreateReplicationGroup on moto; every endpoint names ``server`` when there is one."""
    group = _backend(account_id, region_name).create_replication_group(
        replication_group_id=group_id,
        replication_group_description=require(
            properties, "ReplicationGroupDescription", REPLICATION_GROUP_TYPE
        ),
        global_replication_group_id=properties.get("GlobalReplicationGroupId", ""),
        primary_cluster_id=properties.get("PrimaryClusterId", ""),
        automatic_failover_enabled=as_bool(properties.get("AutomaticFailoverEnabled")),
        multi_az_enabled=as_bool(properties.get("MultiAZEnabled")),
        num_cache_clusters=int(properties.get("NumCacheClusters", 1)),
        preferred_cache_cluster_azs=properties.get("PreferredCacheClusterAZs", []),
        num_node_groups=int(properties.get("NumNodeGroups", 1)),
        replicas_per_node_group=int(properties.get("ReplicasPerNodeGroup", 0)),
        node_group_configuration=properties.get("NodeGroupConfiguration", []),
        cache_node_type=properties.get("CacheNodeType", ""),
        engine=properties.get("Engine", "redis"),
        engine_version=properties.get("EngineVersion", ""),
        cache_parameter_group_name=properties.get("CacheParameterGroupName", ""),
        cache_subnet_group_name=properties.get("CacheSubnetGroupName", ""),
        cache_security_group_names=properties.get("CacheSecurityGroupNames", []),
        security_group_ids=properties.get("SecurityGroupIds", []),
        tags=properties.get("Tags", []),
        snapshot_arns=properties.get("SnapshotArns", []),
        snapshot_name=properties.get("SnapshotName", ""),
        preferred_maintenance_window=properties.get("PreferredMaintenanceWindow", ""),
        port=server.port if server else int(properties.get("Port", 6379)),
        notification_topic_arn=properties.get("NotificationTopicArn", ""),
        auto_minor_version_upgrade=as_bool(properties.get("AutoMinorVersionUpgrade"), True),
        snapshot_retention_limit=int(properties.get("SnapshotRetentionLimit", 0)),
        snapshot_window=properties.get("SnapshotWindow", ""),
        auth_token=auth_token or "",
        transit_encryption_enabled=as_bool(properties.get("TransitEncryptionEnabled")),
        at_rest_encryption_enabled=as_bool(properties.get("AtRestEncryptionEnabled")),
        kms_key_id=properties.get("KmsKeyId", ""),
        user_group_ids=user_group_ids,
        log_delivery_configurations=properties.get("LogDeliveryConfigurations", []),
        data_tiering_enabled=as_bool(properties.get("DataTieringEnabled")),
        network_type=properties.get("NetworkType", "ipv4"),
        ip_discovery=properties.get("IpDiscovery", "ipv4"),
        transit_encryption_mode=properties.get("TransitEncryptionMode", ""),
        cluster_mode=properties.get("ClusterMode", ""),
        serverless_cache_snapshot_name="",
    )
    if server is not None:
        _point_endpoints_at(group, server)
        _local_servers[group] = server
        server.stop_with(group)


def _point_endpoints_at(group: ReplicationGroup, server: redis.RedisServer) -> None:
    """Replace moto's made-up DNS names (and port) with the local server's address."""
    group.port = server.port
    for node_group in group.node_groups:
        node_group["primary_endpoint_address"] = server.host
        node_group["reader_endpoint_address"] = server.host
        node_group["port"] = server.port
        node_group["primary_endpoint"] = {"address": server.host, "port": server.port}
        for member in node_group.get("node_group_members", []):
            member["read_endpoint"] = {"address": server.host, "port": server.port}
    if getattr(group, "configuration_endpoint", None):
        group.configuration_endpoint = {"address": server.host, "port": server.port}


def _delete_replication_group(group_id: str, account_id: str, region_name: str) -> None:
    backend = _backend(account_id, region_name)
    if group_id in backend.replication_groups:
        server = _local_servers.pop(backend.replication_groups[group_id], None)
        if server is not None:
            server.stop()
        backend.delete_replication_group(
            replication_group_id=group_id, retain_primary_cluster=False
        )
        # moto leaves the group listed as "deleting" forever; ElastiCache removes it.
        del backend.replication_groups[group_id]
