"""Single-use links sent by email: email verification (24 h) and password reset (1 h).

A token is 32 random bytes in base64url without padding, the same shape as a refresh
token. Only its SHA-256 hex is stored, as a users-table item ``userId = "<PREFIX><sha256>"``
with ``ownerId``, ``expiresAt`` (epoch seconds) and ``kind`` (FORMATS.md, "DynamoDB
items"): a leaked table yields no usable link. A token is spent by a conditional
DeleteItem ("Condition expressions", DynamoDB developer guide): of two requests racing
with one token exactly one deletes the item, so a link works once. An expired token is
invalid even while its item is still stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from account import clock, refresh_tokens
from account.dynamo import is_condition_failed
from ppcommon import aws
from ppcommon.errors import ApiError

INVALID_TOKEN_MESSAGE = "the link is invalid, already used or expired; ask for a new one"  # noqa: S105 - an error message


class InvalidToken(ApiError):
    """400 ``invalid_token``: one answer for unknown, used and expired tokens."""

    def __init__(self) -> None:
        super().__init__(400, "invalid_token", INVALID_TOKEN_MESSAGE)


@dataclass(frozen=True)
class Kind:
    name: str
    prefix: str
    lifetime_seconds: int


VERIFY = Kind("verify", "VERIFY#", 24 * 3600)
RESET = Kind("reset", "RESET#", 3600)
PREFIXES = (VERIFY.prefix, RESET.prefix)


def new_token() -> str:
    return refresh_tokens.new_refresh_token()


def item_key(kind: Kind, token: str) -> str:
    return f"{kind.prefix}{refresh_tokens.token_hash(token)}"


def item(kind: Kind, token: str, owner_id: str) -> dict[str, Any]:
    """The stored form of ``token`` (for a transaction; :func:`store` writes it alone)."""
    now = clock.now()
    return {
        "userId": item_key(kind, token),
        "ownerId": owner_id,
        "kind": kind.name,
        "createdAt": now,
        "expiresAt": now + kind.lifetime_seconds,
    }


def owner_of(kind: Kind, token: object) -> str | None:
    """The user id a live ``token`` of ``kind`` was issued to, without spending it."""
    if not isinstance(token, str) or not refresh_tokens.is_well_formed(token):
        return None
    stored = (
        aws.resource_table("users")
        .get_item(Key={"userId": item_key(kind, token)}, ConsistentRead=True)
        .get("Item")
    )
    if stored is None or stored.get("kind") != kind.name:
        return None
    if int(stored["expiresAt"]) <= clock.now():
        return None
    return str(stored["ownerId"])


def spend(kind: Kind, token: object) -> str:
    """Delete a live ``token`` of ``kind`` and return its owner; ``InvalidToken`` otherwise."""
    if not isinstance(token, str) or not refresh_tokens.is_well_formed(token):
        raise InvalidToken
    try:
        old = aws.resource_table("users").delete_item(
            Key={"userId": item_key(kind, token)},
            ConditionExpression="attribute_exists(userId) AND #kind = :kind AND expiresAt > :now",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":kind": kind.name, ":now": clock.now()},
            ReturnValues="ALL_OLD",
        )
    except Exception as error:
        if is_condition_failed(error):
            raise InvalidToken from None
        raise
    return str(old["Attributes"]["ownerId"])
