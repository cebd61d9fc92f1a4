"""AWS::ElastiCache::User (ElastiCache RBAC) on moto's own ElastiCache users.

moto 5.2.5 keeps ElastiCache users (``ElastiCacheBackend.users``, with the built-in
``default`` user: no password, ``on ~* +@all``) but has no CloudFormation model for them.
Users are created through moto's own ``create_user``; every rule refuses what
ElastiCache refuses, citing (see ``elasticache_access``) *RBAC* (User Guide, "Role-Based
Access Control (RBAC)"), the ElastiCache API Reference pages CreateUser, ModifyUser and
DeleteUser, and CloudFormation's "AWS::ElastiCache::User". A change to a user reaches the
Redis of every replication group whose user group holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from moto.core.common_models import CloudFormationModel
from moto.elasticache.models import User

from pplocalaws import redis
from pplocalaws.resources import dynamic_references
from pplocalaws.resources.common import LocalModel, Properties
from pplocalaws.resources.elasticache_access import (
    ElastiCacheRefusal,
    check_identifier,
    checked_passwords,
    parsed_access_string,
)
from pplocalaws.resources.elasticache_user_groups import (
    DEFAULT_USER_NAME,
    cache_backend,
    checked_engine,
    checked_members,
    find_user_group,
    groups_with_user,
    notify_changed,
)

USER_TYPE = "AWS::ElastiCache::User"


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
        user.name == name for user in cache_backend(account_id, region).users.values()
    ):
        raise ElastiCacheRefusal(
            "DuplicateUserName", f"A user with the username {name} already exists.", "AlreadyExists"
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
        backend = cache_backend(account_id, region_name)
        if user_id in backend.users:
            raise ElastiCacheRefusal(
                "UserAlreadyExists", f"User {user_id} already exists.", "AlreadyExists"
            )
        engine = checked_engine(properties.get("Engine"), USER_TYPE)
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
        user = cache_backend(account_id, region_name).users[self.user_id]
        engine = checked_engine(new.get("Engine"), USER_TYPE)
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
                checked_members(group_id, group.engine, group.user_ids, account_id, region_name)
        except ElastiCacheRefusal:
            user.engine, user.access_string, user.passwords, user.authentication_type = before
            user.no_password_required = not user.passwords
            raise
        notify_changed(groups, account_id, region_name)

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
        cache_backend(account_id, region_name).users.pop(physical_id, None)
