"""Users, tenants and the email claim that keeps emails unique (items in FORMATS.md).

Emails here are canonical (``account.emails``). An email is claimed by an item
``userId = "EMAIL#<email>"`` in the users table, written in the same transaction as the
user and tenant with ``attribute_not_exists``: of two racing registrations exactly one
commits. Login reads the claim with a strongly consistent
GetItem rather than the ``email-index`` GSI, whose eventual consistency could refuse a
login made right after registering. Looking a person up by email costs two strongly
consistent GetItems whether the email is known, unknown or unusable, so the work a
login, registration or reset does never tells which emails have accounts.

``emailVerified`` is false on a user until a verification or reset link sent to the
address is followed; users created before verification existed have no attribute and
count as verified.

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
from account.dynamo import (
    cancellation_codes,
    is_condition_failed,
    is_transaction_cancelled,
    put_new,
    transact_write,
)
from ppcommon import aws, cache
from ppcommon.config import settings

EMAIL_CLAIM_PREFIX = "EMAIL#"
# A claim key no canonical email produces (its local part has at least one character),
# read in place of an unusable email's claim.
UNUSABLE_EMAIL_CLAIM = EMAIL_CLAIM_PREFIX
# A user key nothing ever writes, read in place of an unknown email's user.
NO_USER = "NOUSER#"
# Users-table items that are not users: claims, email-link tokens and the never-written key.
NOT_USER_PREFIXES = (EMAIL_CLAIM_PREFIX, "VERIFY#", "RESET#", NO_USER)
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
    email_verified: bool = True

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> User:
        return cls(
            user_id=str(item["userId"]),
            email=str(item["email"]),
            name=str(item["name"]),
            tenant_id=str(item["tenantId"]),
            role=str(item["role"]),
            password_hash=str(item["passwordHash"]),
            # Missing: registered before verification existed, so treated as verified.
            email_verified=item.get("emailVerified", True) is not False,
        )


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str


def email_claim_key(email: str) -> str:
    return f"{EMAIL_CLAIM_PREFIX}{email}"


def new_owner(*, email: str, password_hash: str, name: str) -> User:
    """A new, unverified tenant owner (not stored yet: :func:`create` stores it)."""
    return User(
        user_id=str(uuid.uuid4()),
        email=email,
        name=name,
        tenant_id=str(uuid.uuid4()),
        role=OWNER,
        password_hash=password_hash,
        email_verified=False,
    )


def create(user: User, tenant_name: str, verification: dict[str, Any]) -> bool:
    """Store ``user``, its email claim, its tenant and its verification token atomically.

    False (nothing stored) when the email is already claimed.
    """
    now = clock.now()
    users, tenants = settings().table("users"), settings().table("tenants")
    claim = {"userId": email_claim_key(user.email), "ownerId": user.user_id, "createdAt": now}
    tenant = {"tenantId": user.tenant_id, "name": tenant_name, "createdAt": now, "ownerCount": 1}
    try:
        transact_write(
            [
                put_new(users, claim, "userId"),
                put_new(users, _user_item(user, now), "userId"),
                put_new(tenants, tenant, "tenantId"),
                put_new(users, verification, "userId"),
            ]
        )
    except Exception as error:
        # The claim is the first item: its condition failing means the email is taken
        # (the user, tenant and token keys are fresh random values and cannot collide).
        if _first_condition_failed(error):
            return False
        raise
    return True


def note_registration_attempt(user: User, verification: dict[str, Any] | None) -> bool:
    """Someone registered ``user``'s email again: record when, and store a fresh
    verification token when one is given. One TransactWriteItems, as :func:`create`.
    False (nothing stored) when the user was deleted since it was read.

    The password is not touched: whoever registers an address cannot take its account.
    """
    users = settings().table("users")
    attempt = {
        "Update": {
            "TableName": users,
            "Key": {"userId": user.user_id},
            "UpdateExpression": "SET registrationAttemptedAt = :now",
            "ConditionExpression": "attribute_exists(userId)",
            "ExpressionAttributeValues": {":now": clock.now()},
        }
    }
    writes = (
        [attempt] if verification is None else [attempt, put_new(users, verification, "userId")]
    )
    try:
        transact_write(writes)
    except Exception as error:
        # The update is the first item: its condition failing means the user is gone.
        if _first_condition_failed(error):
            return False
        raise
    return True


def _first_condition_failed(error: Exception) -> bool:
    return is_transaction_cancelled(error) and cancellation_codes(error)[:1] == [
        "ConditionalCheckFailed"
    ]


def find_by_email(email: str | None) -> User | None:
    """The user of ``email`` (None: unknown, or an unusable email), in two strong reads.

    Always two GetItems: the claim, then its owner, or a key that cannot exist when
    there is no claim, so a known and an unknown email cost the same.
    """
    table = aws.resource_table("users")
    claim_key = UNUSABLE_EMAIL_CLAIM if email is None else email_claim_key(email)
    claim = table.get_item(Key={"userId": claim_key}, ConsistentRead=True).get("Item")
    owner = NO_USER if claim is None else str(claim["ownerId"])
    item = table.get_item(Key={"userId": owner}, ConsistentRead=True).get("Item")
    if claim is None or item is None or owner.startswith(NOT_USER_PREFIXES):
        return None
    return User.from_item(item)


def find_by_id(user_id: str) -> User | None:
    if user_id.startswith(NOT_USER_PREFIXES):
        return None  # a claim or token item is not a user, whatever a caller passes
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


def store_token(token_item: dict[str, Any]) -> None:
    """Store an email-link token item (``account.email_tokens.item``) under a new key."""
    aws.resource_table("users").put_item(
        Item=token_item, ConditionExpression="attribute_not_exists(userId)"
    )


def store_no_token(token_item: dict[str, Any]) -> None:
    """The write :func:`store_token` makes, made to fail: a PutItem conditioned on the
    (fresh, random) key already existing, so nothing is stored.

    A reset request for an unknown email makes it, so known and unknown emails cost the
    same DynamoDB calls (a failed conditional write is still a write request).
    """
    try:
        aws.resource_table("users").put_item(
            Item=token_item, ConditionExpression="attribute_exists(userId)"
        )
    except Exception as error:
        if not is_condition_failed(error):
            raise


def mark_verified(user_id: str) -> bool:
    """Record that the person holds the address; False when the user no longer exists."""
    try:
        aws.resource_table("users").update_item(
            Key={"userId": user_id},
            UpdateExpression="SET emailVerified = :true",
            ConditionExpression="attribute_exists(userId)",
            ExpressionAttributeValues={":true": True},
        )
    except Exception as error:
        if is_condition_failed(error):
            return False
        raise
    return True


def reset_password(user_id: str, password_hash: str) -> bool:
    """Set the hash chosen through a reset link (which proves the address, so it is
    verified too); False when the user no longer exists."""
    try:
        aws.resource_table("users").update_item(
            Key={"userId": user_id},
            UpdateExpression="SET passwordHash = :hash, emailVerified = :true",
            ConditionExpression="attribute_exists(userId)",
            ExpressionAttributeValues={":hash": password_hash, ":true": True},
        )
    except Exception as error:
        if is_condition_failed(error):
            return False
        raise
    return True


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
        "emailVerified": user.email_verified,
        "createdAt": now,
    }
