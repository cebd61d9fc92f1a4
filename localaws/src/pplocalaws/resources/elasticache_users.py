"""AWS::ElastiCache::User and AWS::ElastiCache::UserGroup (ElastiCache RBAC) on moto.

moto 5.2.5 keeps ElastiCache users (``ElastiCacheBackend.users``, with the built-in
``default`` user: no password, ``on ~* +@all``) but has no user groups and no
CloudFormation model for either. Users are created through moto's own ``create_user``;
user groups live beside the backend (``seams.backend_local_state``), so moto's reset drops
them too. Every rule refuses what ElastiCache refuses, citing (see
``elasticache_access``): *RBAC* (User Guide, "Role-Based Access Control (RBAC)"), the
ElastiCache API Reference pages CreateUser, DeleteUser, CreateUserGroup, DeleteUserGroup,
and the CloudFormation pages "AWS::ElastiCache::User" and "AWS::ElastiCache::UserGroup".

A change to a user, or to a group's members, reaches the Redis of every replication
group using the group: ``elasticache`` registers itself with :func:`on_group_changed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from moto.core.common_models import CloudFormationModel
from moto.elasticache.models import ElastiCacheBackend, User, elasticache_backends
from moto.utilities.utils import get_partition

from pplocalaws import redis
from pplocalaws.resources import dynamic_references
from pplocalaws.resources.common import LocalModel, Properties
from pplocalaws.resources.elasticache_access import (
    ElastiCacheRefusal,
    check_identifier,
    checked_passwords,
    parsed_access_string,
)
from pplocalaws.seams import backend_local_state

USER_TYPE = "AWS::ElastiCache::User"
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


def _backend(account_id: str, region_name: str) -> ElastiCacheBackend:
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
    return backend_local_state(_backend(account_id, region_name), "user_groups")


def find_user_group(group_id: str, account_id: str, region_name: str) -> UserGroup:
    group = user_groups(account_id, region_name).get(group_id)
    if group is None:
        raise ElastiCacheRefusal(
            "UserGroupNotFound", f"User group {group_id} not found.", "NotFound"
        )
    return group


def _engine(value: Any, resource_type: str) -> str:
    engine = str(value or "")
    if engine not in ENGINES:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"{resource_type} Engine {engine!r} is not valid; use one of {', '.join(ENGINES)}",
        )
    return engine


def acl_users(group: UserGroup, account_id: str, region_name: str) -> list[redis.AclUser]:
    """The group's users as the Redis ACL users a replication group using it enforces."""
    users = _backend(account_id, region_name).users
    return [
        redis.AclUser(
            name=users[user_id].name,
            rules=tuple(users[user_id].access_string.split()),
            passwords=tuple(users[user_id].passwords or ()),
        )
        for user_id in group.user_ids
    ]


def _notify(group_ids: list[str], account_id: str, region_name: str) -> None:
    for group_id in group_ids:
        for listener in _listeners:
            listener(group_id, account_id, region_name)


# -- users ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Credentials:
    authentication_type: str
    passwords: tuple[str, ...]


def _credentials(
    user_id: str, properties: Properties, account_id: str, region: str
) -> _Credentials:
    """The user's authentication, as CreateUser decides it from its three ways to say it."""
    mode = properties.get("AuthenticationMode") or {}
    top_level = list(properties.get("Passwords") or [])
    in_mode = list(mode.get("Passwords") or [])
    no_password = properties.get("NoPasswordRequired")
    if top_level and in_mode:
        raise ElastiCacheRefusal(
            "InvalidParameterCombination",
            f"user {user_id}: Passwords provided via multiple arguments; give either "
            "Passwords or AuthenticationMode.Passwords",
        )
    passwords = [dynamic_references.resolve(p, account_id, region) for p in top_level or in_mode]
    kind = str(mode.get("Type", "")).lower()
    if not kind:
        if passwords:
            kind = "password"
        elif str(no_password).lower() == "true":
            kind = "no-password-required"
        else:
            # CreateUser: "No password was provided. If you want to create/update the user
            # without password, please use the NoPasswordRequired flag."
            raise ElastiCacheRefusal(
                "InvalidParameterValue",
                f"user {user_id}: no password was provided; give Passwords (or "
                "AuthenticationMode {Type: password, Passwords: [...]}), or "
                "NoPasswordRequired: true",
            )
    if kind == "iam":
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: IAM authentication is not modelled by the local AWS (its "
            "Redis cannot check IAM tokens); use the password type",
        )
    if kind == "no-password-required":
        if passwords or str(no_password).lower() == "false":
            raise ElastiCacheRefusal(
                "InvalidParameterCombination",
                f"user {user_id}: authentication type no-password-required takes no "
                "passwords and NoPasswordRequired true",
            )
        return _Credentials(kind, ())
    if kind != "password":
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: AuthenticationMode Type {kind!r} is not one of password, "
            "no-password-required, iam",
        )
    if str(no_password).lower() == "true":
        raise ElastiCacheRefusal(
            "InvalidParameterCombination",
            f"user {user_id}: NoPasswordRequired true contradicts the password type",
        )
    return _Credentials(kind, checked_passwords(user_id, passwords))


def _check_user_name(user_id: str, name: str, account_id: str, region: str) -> None:
    if not name:
        raise ElastiCacheRefusal(
            "InvalidParameterValue", f"user {user_id}: UserName is missing or empty"
        )
    if name == redis.ADMIN_USER:
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"user {user_id}: UserName {name} is reserved by the local AWS for its own "
            "administration of the local Redis; choose another name",
        )
    if " " in name:
        # Redis ACL user names cannot hold spaces (ACL SETUSER refuses them).
        raise ElastiCacheRefusal(
            "InvalidParameterValue", f"user {user_id}: UserName {name!r} holds a space"
        )
    # CreateUser, DuplicateUserName: "A user with this username already exists." The
    # "default" name is the exception RBAC documents (a replacement default user).
    if name != DEFAULT_USER_NAME and any(
        user.name == name for user in _backend(account_id, region).users.values()
    ):
        raise ElastiCacheRefusal(
            "DuplicateUserName", f"A user with the username {name} already exists.", "AlreadyExists"
        )


def groups_with_user(user_id: str, account_id: str, region: str) -> list[str]:
    return sorted(
        group.group_id
        for group in user_groups(account_id, region).values()
        if user_id in group.user_ids
    )


class LocalCacheUser(LocalModel, CloudFormationModel):
    """An ElastiCache RBAC user. Ref returns the UserId; GetAtt Arn, Status."""

    RESOURCE_TYPE = USER_TYPE
    NAME_PROPERTY = "UserId"
    REF_ATTRIBUTE = "user_id"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn", "Status": "status"}

    def __init__(self, user: User, properties: Properties) -> None:
        self.user_id = user.id
        self.arn = user.arn
        self.status = user.status
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalCacheUser:
        user_id = check_identifier("UserId", properties.get("UserId", resource_name))
        backend = _backend(account_id, region_name)
        if user_id in backend.users:
            raise ElastiCacheRefusal(
                "UserAlreadyExists", f"User {user_id} already exists.", "AlreadyExists"
            )
        engine = _engine(properties.get("Engine"), USER_TYPE)
        name = str(properties.get("UserName") or "")
        _check_user_name(user_id, name, account_id, region_name)
        rules = parsed_access_string(properties.get("AccessString"))
        credentials = _credentials(user_id, properties, account_id, region_name)
        user = backend.create_user(
            user_id=user_id,
            user_name=name,
            engine=engine,
            passwords=list(credentials.passwords),
            access_string=" ".join(rules),
            no_password_required=not credentials.passwords,
            authentication_type=credentials.authentication_type,
            tags=properties.get("Tags"),
        )
        return cls(user, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        # ModifyUser: access string, passwords, authentication and engine change in place.
        user = _backend(account_id, region_name).users[self.user_id]
        engine = _engine(new.get("Engine"), USER_TYPE)
        rules = parsed_access_string(new.get("AccessString"))
        credentials = _credentials(self.user_id, new, account_id, region_name)
        before = (user.engine, user.access_string, user.passwords, user.authentication_type)
        user.engine = engine
        user.access_string = " ".join(rules)
        user.passwords = list(credentials.passwords)
        user.no_password_required = not credentials.passwords
        user.authentication_type = credentials.authentication_type
        groups = groups_with_user(self.user_id, account_id, region_name)
        try:
            # The user must still fit every group it is in (engine, authentication).
            for group_id in groups:
                group = find_user_group(group_id, account_id, region_name)
                _checked_members(group_id, group.engine, group.user_ids, account_id, region_name)
        except ElastiCacheRefusal:
            user.engine, user.access_string, user.passwords, user.authentication_type = before
            user.no_password_required = not user.passwords
            raise
        _notify(groups, account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        groups = groups_with_user(physical_id, account_id, region_name)
        if groups:
            # DeleteUser, InvalidUserState: a user in a user group cannot be deleted.
            raise ElastiCacheRefusal(
                "InvalidUserState",
                f"User {physical_id} belongs to user group(s) {', '.join(groups)}; remove it "
                "from them first",
                "ResourceConflict",
            )
        # moto marks it "deleting" and keeps it; ElastiCache removes it (the id is free).
        _backend(account_id, region_name).users.pop(physical_id, None)


# -- user groups ----------------------------------------------------------------------------
def _checked_members(
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
    users = _backend(account_id, region).users
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
        for replication_group_id, group in _backend(account_id, region).replication_groups.items()
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
        engine = _engine(properties.get("Engine"), USER_GROUP_TYPE)
        members = _checked_members(
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
        engine = _engine(new.get("Engine"), USER_GROUP_TYPE)
        members = _checked_members(
            self.group_id, engine, new.get("UserIds"), account_id, region_name
        )
        group.engine, group.user_ids = engine, members
        group.tags = list(new.get("Tags") or [])
        _notify([self.group_id], account_id, region_name)

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
