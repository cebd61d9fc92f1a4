"""Users, tenants and the email claim that keeps emails unique (items in FORMATS.md).

An email is claimed by an item ``userId = "EMAIL#<email>"`` in the users table, written in
the same transaction as the user and tenant with ``attribute_not_exists``: of two racing
registrations exactly one commits. Login reads the claim with a strongly consistent
GetItem rather than the ``email-index`` GSI, whose eventual consistency could refuse a
login made right after registering.

A tenant is read through the shared Redis cache (``ppcommon.cache``; off when Redis is
away): a tenant never changes its name, so the only staleness is a deleted tenant,
removed from the cache by :func:`delete` and bounded by the short TTL in any case.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from account import clock
from account.dynamo import cancellation_codes, is_transaction_cancelled, put_new, transact_write
from ppcommon import aws, cache
from ppcommon.config import settings
from ppcommon.errors import Conflict

EMAIL_CLAIM_PREFIX = "EMAIL#"
OWNER = "owner"
TENANT_CACHE_TTL_SECONDS = 60


@dataclass(frozen=True)
class User:
    user_id: str
    email: str
    name: str
    tenant_id: str
    role: str
    password_hash: str

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> User:
        return cls(
            user_id=str(item["userId"]),
            email=str(item["email"]),
            name=str(item["name"]),
            tenant_id=str(item["tenantId"]),
            role=str(item["role"]),
            password_hash=str(item["passwordHash"]),
        )


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str


def email_claim_key(email: str) -> str:
    return f"{EMAIL_CLAIM_PREFIX}{email}"


def register(*, email: str, password_hash: str, name: str, tenant_name: str) -> User:
    """Create a tenant and its owner atomically; ``Conflict`` when the email is taken."""
    user_id, tenant_id, now = str(uuid.uuid4()), str(uuid.uuid4()), clock.now()
    users, tenants = settings().table("users"), settings().table("tenants")
    user = User(user_id, email, name, tenant_id, OWNER, password_hash)
    claim = {"userId": email_claim_key(email), "ownerId": user_id, "createdAt": now}
    tenant = {"tenantId": tenant_id, "name": tenant_name, "createdAt": now, "ownerCount": 1}
    try:
        transact_write(
            [
                put_new(users, claim, "userId"),
                put_new(users, _user_item(user, now), "userId"),
                put_new(tenants, tenant, "tenantId"),
            ]
        )
    except Exception as error:
        if _claim_was_taken(error):
            raise Conflict("an account with this email already exists") from None
        raise
    return user


def _claim_was_taken(error: Exception) -> bool:
    # The claim is the transaction's first item: its condition failing means the email is
    # taken (the user and tenant ids are fresh uuids and cannot collide).
    return is_transaction_cancelled(error) and cancellation_codes(error)[:1] == [
        "ConditionalCheckFailed"
    ]


def find_by_email(email: str) -> User | None:
    claim = (
        aws.resource_table("users")
        .get_item(Key={"userId": email_claim_key(email)}, ConsistentRead=True)
        .get("Item")
    )
    if claim is None:
        return None
    return find_by_id(str(claim["ownerId"]))


def find_by_id(user_id: str) -> User | None:
    if user_id.startswith(EMAIL_CLAIM_PREFIX):
        return None  # a claim item is not a user, whatever a caller passes
    item = (
        aws.resource_table("users")
        .get_item(Key={"userId": user_id}, ConsistentRead=True)
        .get("Item")
    )
    return None if item is None else User.from_item(item)


def update_password_hash(user_id: str, password_hash: str) -> None:
    aws.resource_table("users").update_item(
        Key={"userId": user_id},
        UpdateExpression="SET passwordHash = :hash",
        ConditionExpression="attribute_exists(userId)",
        ExpressionAttributeValues={":hash": password_hash},
    )


def tenant_cache_key(tenant_id: str) -> str:
    # Under ``cache:``: the account's Redis user may read and write ``cache:*`` and
    # ``rev:*`` only (its ACL in the shared stack), so any other key would be refused.
    return f"cache:account:tenant:{tenant_id}"


def find_tenant(tenant_id: str) -> Tenant | None:
    """The tenant, from the cache when it holds it, else from the table (then cached)."""
    key = tenant_cache_key(tenant_id)
    cached = _decode_tenant(cache.get(key), tenant_id)
    if cached is not None:
        return cached
    item = (
        aws.resource_table("tenants")
        .get_item(Key={"tenantId": tenant_id}, ConsistentRead=True)
        .get("Item")
    )
    if item is None:
        return None
    tenant = Tenant(str(item["tenantId"]), str(item["name"]))
    cache.set(
        key,
        json.dumps({"tenantId": tenant.tenant_id, "name": tenant.name}),
        TENANT_CACHE_TTL_SECONDS,
    )
    return tenant


def _decode_tenant(cached: str | None, tenant_id: str) -> Tenant | None:
    """The cached tenant, or None for a miss or an entry this code did not write."""
    if cached is None:
        return None
    try:
        value = json.loads(cached)
        tenant = Tenant(str(value["tenantId"]), str(value["name"]))
    except (ValueError, TypeError, KeyError):
        return None
    # The key names the tenant; an entry claiming another one is never served.
    return tenant if tenant.tenant_id == tenant_id else None


def tenant_goes_with(user: User) -> bool:
    """True when deleting ``user`` deletes its tenant too: it is the tenant's only owner.

    The same condition :func:`delete` applies in its transaction, read strongly before it,
    so the deletion can be announced before anything is removed.
    """
    if user.role != OWNER:
        return False
    item = (
        aws.resource_table("tenants")
        .get_item(Key={"tenantId": user.tenant_id}, ConsistentRead=True)
        .get("Item")
    )
    return item is None or int(item.get("ownerCount", 1)) <= 1


def delete(user: User) -> bool:
    """Remove the user and its email claim; the tenant too when it was its only owner.

    True when the tenant went too (its members' tokens must then end as well).

    Owners are counted on the tenant item, so "only owner" is decided by a condition in
    the same transaction, not by a read that could be stale.
    """
    users, tenants = settings().table("users"), settings().table("tenants")
    removals = [
        {"Delete": {"TableName": users, "Key": {"userId": user.user_id}}},
        {"Delete": {"TableName": users, "Key": {"userId": email_claim_key(user.email)}}},
    ]
    if user.role != OWNER:
        transact_write(removals)
        return False
    tenant_key = {"tenantId": user.tenant_id}
    last_owner = {
        "Delete": {
            "TableName": tenants,
            "Key": tenant_key,
            "ConditionExpression": "attribute_not_exists(tenantId) OR ownerCount <= :one",
            "ExpressionAttributeValues": {":one": 1},
        }
    }
    one_of_several = {
        "Update": {
            "TableName": tenants,
            "Key": tenant_key,
            "UpdateExpression": "SET ownerCount = ownerCount - :one",
            "ConditionExpression": "ownerCount > :one",
            "ExpressionAttributeValues": {":one": 1},
        }
    }
    try:
        transact_write([*removals, last_owner])
    except Exception as error:
        if not is_transaction_cancelled(error):
            raise
        # The tenant has other owners: keep it and count one fewer.
        transact_write([*removals, one_of_several])
        return False
    cache.delete(tenant_cache_key(user.tenant_id))
    return True


def _user_item(user: User, now: int) -> dict[str, Any]:
    return {
        "userId": user.user_id,
        "email": user.email,
        "name": user.name,
        "tenantId": user.tenant_id,
        "role": user.role,
        "passwordHash": user.password_hash,
        "createdAt": now,
    }
