"""What a replication group's ``UserGroupIds`` mean: ElastiCache's rules, the ACL users.

A replication group either has an AUTH token (the ``default`` user's password) or RBAC
user groups whose users are its Redis's ACL users (``elasticache_user_groups``). Sources: *RBAC*
= ElastiCache User Guide, "Role-Based Access Control (RBAC)"; ElastiCache API Reference,
CreateReplicationGroup.
"""

from __future__ import annotations

from pplocalaws import redis
from pplocalaws.resources import elasticache_user_groups
from pplocalaws.resources.common import Properties, as_bool
from pplocalaws.resources.elasticache_access import ElastiCacheRefusal


def checked_user_group_ids(
    group_id: str,
    properties: Properties,
    auth_token: str | None,
    account_id: str,
    region_name: str,
) -> list[str]:
    """The replication group's UserGroupIds if ElastiCache accepts them with the rest.

    RBAC ("Role-Based Access Control (RBAC)", ElastiCache User Guide): a user group is
    assigned to a cache that has in-transit encryption enabled, replaces the AUTH token
    (CreateReplicationGroup refuses AuthToken together with UserGroupIds), and a Redis OSS
    cache takes only user groups of engine redis.
    """
    user_group_ids = [str(value) for value in properties.get("UserGroupIds") or []]
    if not user_group_ids:
        return []
    if auth_token:
        raise ElastiCacheRefusal(
            "InvalidParameterCombination",
            f"replication group {group_id}: AuthToken and UserGroupIds cannot be used "
            "together; remove AuthToken to use RBAC users",
        )
    if not as_bool(properties.get("TransitEncryptionEnabled")):
        raise ElastiCacheRefusal(
            "InvalidParameterCombination",
            f"replication group {group_id}: UserGroupIds needs TransitEncryptionEnabled "
            "true (RBAC works only with in-transit encryption)",
        )
    if len(user_group_ids) > 1:
        # The API takes a list, but one user group per cache is all the guide describes
        # (unsure: strict).
        raise ElastiCacheRefusal(
            "InvalidParameterValue",
            f"replication group {group_id}: give exactly one user group in UserGroupIds",
        )
    engine = str(properties.get("Engine", "redis")).lower()
    for user_group_id in user_group_ids:
        user_group = elasticache_user_groups.find_user_group(user_group_id, account_id, region_name)
        if engine == "redis" and user_group.engine != "redis":
            raise ElastiCacheRefusal(
                "InvalidParameterCombination",
                f"replication group {group_id} (engine redis) cannot use user group "
                f"{user_group_id} (engine {user_group.engine})",
            )
    return user_group_ids


def acl_users_for(
    auth_token: str | None, user_group_ids: list[str], account_id: str, region_name: str
) -> list[redis.AclUser]:
    """Who may connect: the user group's users, else ``default`` behind the AUTH token."""
    if not user_group_ids:
        return [redis.AclUser.default_with_token(auth_token)]
    users: list[redis.AclUser] = []
    for user_group_id in user_group_ids:
        group = elasticache_user_groups.find_user_group(user_group_id, account_id, region_name)
        users.extend(elasticache_user_groups.acl_users(group, account_id, region_name))
    return users
