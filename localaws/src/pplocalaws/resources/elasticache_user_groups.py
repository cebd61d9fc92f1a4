"""AWS::ElastiCache::UserGroup (ElastiCache RBAC): moto has no user groups, so here they are.

moto 5.2.5 keeps ElastiCache users but no user groups. They live beside the backend
(``seams.backend_local_state``), so moto's reset drops them with the users they name.
Every rule refuses what ElastiCache refuses, citing *RBAC* (User Guide, "Role-Based
Access Control (RBAC)"), the ElastiCache API Reference pages CreateUserGroup,
ModifyUserGroup and DeleteUserGroup, and CloudFormation's "AWS::ElastiCache::UserGroup".

A change to a group's members, or to one of its users (``elasticache_users``), reaches
the Redis of every replication group using the group: ``elasticache`` registers itself
with :func:`on_group_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.elasticache.models import ElastiCacheBackend, elasticache_backends
from moto.utilities.utils import get_partition

from pplocalaws import redis
from pplocalaws.resources.common import LocalModel, Properties
from pplocalaws.resources.elasticache_access import ElastiCacheRefusal, check_identifier
from pplocalaws.seams import backend_local_state

USER_GROUP_TYPE = "AWS::ElastiCache::UserGroup"
ENGINES = ("redis", "valkey")  # CFN User / UserGroup: Engine, allowed values
DEFAULT_USER_NAME = "default"
MAX_USERS_PER_GROUP = 100  # RBAC: quotas, "Users per user group: 100"

GroupChanged = Callable[[str, str, str], None]
"""Called with (user group id, account id, region) after its users or members changed."""
_listeners: list[GroupChanged] = []


def on_group_changed(listener: GroupChanged) -> None:
    """Call ``listener`` whenever a user group's effective users change (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def cache_backend(account_id: str, region_name: str) -> ElastiCacheBackend:
    """moto's ElastiCache backend of the account and region."""
    return elasticache_backends[account_id][region_name]


@dataclass
class UserGroup:
    """A user group as DescribeUserGroups shows it (what moto lacks)."""

    group_id: str
    engine: str
    user_ids: list[str]
    arn: str
    status: str = "active"
    tags: list[dict[str, str]] = field(default_factory=list)


def user_groups(account_id: str, region_name: str) -> dict[str, UserGroup]:
    """The account's user groups in the region, by id (the live dict)."""
    return backend_local_state(cache_backend(account_id, region_name), "user_groups")


def find_user_group(group_id: str, account_id: str, region_name: str) -> UserGroup:
    group = user_groups(account_id, region_name).get(group_id)
    if group is None:
        raise ElastiCacheRefusal(
            "UserGroupNotFound", f"User group {group_id} not found.", "NotFound"
        )
    return group


def checked_engine(value: Any, resource_type: str) -> str:
    engine = str(value or "")
    if engine not in ENGINES:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"{resource_type} Engine {engine!r} is not valid; use one of {', '.join(ENGINES)}",
        )
    return engine


def acl_users(group: UserGroup, account_id: str, region_name: str) -> list[redis.AclUser]:
    """The group's users as the Redis ACL users a replication group using it enforces."""
    users = cache_backend(account_id, region_name).users
    return [
        redis.AclUser(
            name=users[user_id].name,
            rules=tuple(users[user_id].access_string.split()),
            passwords=tuple(users[user_id].passwords or ()),
        )
        for user_id in group.user_ids
    ]


def notify_changed(group_ids: list[str], account_id: str, region_name: str) -> None:
    for group_id in group_ids:
        for listener in _listeners:
            listener(group_id, account_id, region_name)


def groups_with_user(user_id: str, account_id: str, region: str) -> list[str]:
    return sorted(
        group.group_id
        for group in user_groups(account_id, region).values()
        if user_id in group.user_ids
    )


def checked_members(
    group_id: str, engine: str, user_ids: Any, account_id: str, region: str
) -> list[str]:
    members = [str(user_id) for user_id in user_ids or []]
    if not members:
        raise ElastiCacheRefusal(
            "InvalidParameterValue", f"user group {group_id}: UserIds needs at least one user"
        )
    if len(set(members)) != len(members) or len(members) > MAX_USERS_PER_GROUP:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user group {group_id}: UserIds must be unique and at most "
            f"{MAX_USERS_PER_GROUP} (users per user group)",
        )
    users = cache_backend(account_id, region).users
    missing = [user_id for user_id in members if user_id not in users]
    if missing:
        raise ElastiCacheRefusal("UserNotFound", f"User {missing[0]} not found.", "NotFound")
    names = [users[user_id].name for user_id in members]
    if DEFAULT_USER_NAME not in names:
        # CFN UserGroup, UserIds: "A user named default must be included."
        raise ElastiCacheRefusal(
            "DefaultUserRequired",
            f"user group {group_id}: a user named default must be included; add the "
            "built-in user 'default' or a user of yours whose UserName is default "
            "(access string 'off' to disable the default connection)",
        )
    if len(set(names)) != len(names):
        raise ElastiCacheRefusal(
            "DuplicateUserName",
            f"user group {group_id}: two of its users have the same UserName",
            "AlreadyExists",
        )
    for user_id in members:
        user = users[user_id]
        # RBAC: a redis group holds redis users only; a valkey group holds valkey users
        # and redis users that authenticate (password).
        fits = user.engine == engine or (
            engine == "valkey" and user.engine == "redis" and bool(user.passwords)
        )
        if not fits:
            raise ElastiCacheRefusal(
                "InvalidParameterCombination",
                f"user group {group_id} (engine {engine}) cannot hold user {user_id} "
                f"(engine {user.engine})",
            )
    return members


def replication_groups_using(group_id: str, account_id: str, region: str) -> list[str]:
    """ReplicationGroupIds whose UserGroupIds name ``group_id``."""
    return sorted(
        replication_group_id
        for replication_group_id, group in cache_backend(
            account_id, region
        ).replication_groups.items()
        if group_id in (group.user_group_ids or [])
    )


class LocalCacheUserGroup(LocalModel, CloudFormationModel):
    """An ElastiCache RBAC user group. Ref returns the UserGroupId; GetAtt Arn, Status."""

    RESOURCE_TYPE = USER_GROUP_TYPE
    NAME_PROPERTY = "UserGroupId"
    REF_ATTRIBUTE = "group_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn", "Status": "status"}

    def __init__(self, group: UserGroup, properties: Properties) -> None:
        self.group_id = group.group_id
        self.arn = group.arn
        self.status = group.status
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalCacheUserGroup:
        group_id = check_identifier("UserGroupId", properties.get("UserGroupId", resource_name))
        groups = user_groups(account_id, region_name)
        if group_id in groups:
            raise ElastiCacheRefusal(
                "UserGroupAlreadyExists", f"User group {group_id} already exists.",
                "AlreadyExists",
            )  # fmt: skip
        engine = checked_engine(properties.get("Engine"), USER_GROUP_TYPE)
        members = checked_members(
            group_id, engine, properties.get("UserIds"), account_id, region_name
        )
        partition = get_partition(region_name)
        group = UserGroup(
            group_id=group_id,
            engine=engine,
            user_ids=members,
            arn=f"arn:{partition}:elasticache:{region_name}:{account_id}:usergroup:{group_id}",
            tags=list(properties.get("Tags") or []),
        )
        groups[group_id] = group
        return cls(group, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        # ModifyUserGroup: UserIdsToAdd / UserIdsToRemove; CloudFormation gives the new list.
        group = find_user_group(self.group_id, account_id, region_name)
        engine = checked_engine(new.get("Engine"), USER_GROUP_TYPE)
        members = checked_members(
            self.group_id, engine, new.get("UserIds"), account_id, region_name
        )
        group.engine, group.user_ids = engine, members
        group.tags = list(new.get("Tags") or [])
        notify_changed([self.group_id], account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        in_use = replication_groups_using(physical_id, account_id, region_name)
        if in_use:
            # DeleteUserGroup, InvalidUserGroupState: a group associated with a cache.
            raise ElastiCacheRefusal(
                "InvalidUserGroupState",
                f"User group {physical_id} is in use by replication group(s) "
                f"{', '.join(in_use)}; remove it from their UserGroupIds first",
                "ResourceConflict",
            )
        user_groups(account_id, region_name).pop(physical_id, None)
