"""Login sessions and their rotating refresh tokens (items in FORMATS.md).

A session lives 30 days from login, never extended. Each refresh marks the presented
token ``used`` and issues its successor in one transaction that also checks the session
is still active; a ``used`` token presented again means it was copied, so the whole
session is revoked. The session item is the kill switch: revoking a token is
belt-and-braces, because listing a session's tokens goes through an eventually
consistent GSI, while the session check in every rotation is strongly consistent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from account import clock, refresh_tokens, revocation, security_events
from account.dynamo import (
    cancellation_codes,
    is_condition_failed,
    is_transaction_cancelled,
    put_new,
    transact_write,
)
from account.users import User
from ppcommon import aws
from ppcommon.config import settings
from ppcommon.errors import Unauthorized

ACTIVE, USED, REVOKED = "active", "used", "revoked"
SESSION_LIFETIME_SECONDS = 30 * 24 * 3600
INVALID_REFRESH_TOKEN = "invalid refresh token"  # noqa: S105 - an error message


@dataclass(frozen=True)
class Started:
    """A new session: its id (the access tokens' ``sid``) and its first refresh token."""

    session_id: str
    refresh_token: str


@dataclass(frozen=True)
class TokenRecord:
    token_hash: str
    session_id: str
    user_id: str
    tenant_id: str
    status: str
    expires_at: int

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> TokenRecord:
        return cls(
            token_hash=str(item["tokenHash"]),
            session_id=str(item["sessionId"]),
            user_id=str(item["userId"]),
            tenant_id=str(item["tenantId"]),
            status=str(item["status"]),
            expires_at=int(item["expiresAt"]),
        )


def start(user: User) -> Started:
    """Open a session for ``user``: its id and first refresh token (never stored in clear)."""
    session_id, now = str(uuid.uuid4()), clock.now()
    session = {
        "sessionId": session_id,
        "userId": user.user_id,
        "tenantId": user.tenant_id,
        "createdAt": now,
        "expiresAt": now + SESSION_LIFETIME_SECONDS,
        "status": ACTIVE,
    }
    token = refresh_tokens.new_refresh_token()
    transact_write(
        [
            put_new(settings().table("sessions"), session, "sessionId"),
            put_new(settings().table("tokens"), _token_item(token, session, now), "tokenHash"),
        ]
    )
    return Started(session_id, token)


def is_active(session_id: str, user_id: str) -> bool:
    """True when ``user_id``'s session exists, is not revoked and has not expired (read
    strongly, so an ending that just happened counts)."""
    if not session_id:
        return False  # a token from before sessions were named belongs to none
    item = (
        aws.resource_table("sessions")
        .get_item(Key={"sessionId": session_id}, ConsistentRead=True)
        .get("Item")
    )
    return (
        item is not None
        and item.get("userId") == user_id
        and item.get("status") == ACTIVE
        and int(item["expiresAt"]) > clock.now()
    )


def ids_of(user_id: str) -> list[str]:
    """The ids of every session of ``user_id`` (through the eventually consistent GSI)."""
    return [str(item["sessionId"]) for item in _query("sessions", "user-index", "userId", user_id)]


def end_all(user_id: str) -> list[str]:
    """End every session of ``user_id``; return their ids (for the revocation store).

    Sessions are listed through the ``user-index`` GSI, which is eventually consistent: a
    session opened in the same instant may be missed. Callers that must not miss the
    caller's own session add it themselves.
    """
    session_ids = []
    for item in _query("sessions", "user-index", "userId", user_id):
        session_ids.append(str(item["sessionId"]))
        if item.get("status") != REVOKED:  # ended ones keep their tokens revoked already
            end(str(item["sessionId"]))
    return session_ids


def find(token: str) -> TokenRecord | None:
    if not refresh_tokens.is_well_formed(token):
        return None
    item = (
        aws.resource_table("tokens")
        .get_item(Key={"tokenHash": refresh_tokens.token_hash(token)}, ConsistentRead=True)
        .get("Item")
    )
    return None if item is None else TokenRecord.from_item(item)


def rotate(token: str) -> tuple[str, TokenRecord]:
    """Spend ``token`` and return its successor; ``Unauthorized`` for any unusable token."""
    record = find(token)
    now = clock.now()
    if record is None:
        raise Unauthorized(INVALID_REFRESH_TOKEN)
    if record.status == USED:
        _revoke_for_reuse(record.session_id)
        raise Unauthorized(INVALID_REFRESH_TOKEN)
    if record.status != ACTIVE or record.expires_at <= now:
        raise Unauthorized(INVALID_REFRESH_TOKEN)
    successor = refresh_tokens.new_refresh_token()
    session = {
        "sessionId": record.session_id,
        "userId": record.user_id,
        "tenantId": record.tenant_id,
    }
    try:
        transact_write(
            [
                _spend(record.token_hash, now),
                put_new(
                    settings().table("tokens"), _token_item(successor, session, now), "tokenHash"
                ),
                _session_is_live(record.session_id, now),
            ]
        )
    except Exception as error:
        if not is_transaction_cancelled(error):
            raise
        if cancellation_codes(error)[:1] == ["ConditionalCheckFailed"]:
            # Spent between our read and our write: two holders of one token.
            _revoke_for_reuse(record.session_id)
        raise Unauthorized(INVALID_REFRESH_TOKEN) from None
    return successor, record


def end(session_id: str) -> None:
    """Revoke the session and every token issued in it."""
    now = clock.now()
    try:
        aws.resource_table("sessions").update_item(
            Key={"sessionId": session_id},
            UpdateExpression="SET #status = :revoked, revokedAt = :now",
            ConditionExpression="attribute_exists(sessionId)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":revoked": REVOKED, ":now": now},
        )
    except Exception as error:
        if not is_condition_failed(error):
            raise
    tokens = aws.resource_table("tokens")
    for item in _query("tokens", "session-index", "sessionId", session_id):
        if item.get("status") == REVOKED:
            continue
        try:
            tokens.update_item(
                Key={"tokenHash": item["tokenHash"]},
                UpdateExpression="SET #status = :revoked",
                ConditionExpression="attribute_exists(tokenHash)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":revoked": REVOKED},
            )
        except Exception as error:
            if not is_condition_failed(error):
                raise


def purge_user(user_id: str) -> list[str]:
    """Delete every session of ``user_id`` and every token of those sessions; their ids."""
    session_ids = [
        str(item["sessionId"]) for item in _query("sessions", "user-index", "userId", user_id)
    ]
    with aws.resource_table("tokens").batch_writer() as tokens:
        for session_id in session_ids:
            for item in _query("tokens", "session-index", "sessionId", session_id):
                tokens.delete_item(Key={"tokenHash": item["tokenHash"]})
    with aws.resource_table("sessions").batch_writer() as sessions:
        for session_id in session_ids:
            sessions.delete_item(Key={"sessionId": session_id})
    return session_ids


def _revoke_for_reuse(session_id: str) -> None:
    security_events.refresh_token_reused(session_id)
    end(session_id)
    # Whoever copied the refresh token may hold access tokens of the session too.
    revocation.end_sessions([session_id])


def _token_item(token: str, session: dict[str, Any], now: int) -> dict[str, Any]:
    return {
        "tokenHash": refresh_tokens.token_hash(token),
        "sessionId": session["sessionId"],
        "userId": session["userId"],
        "tenantId": session["tenantId"],
        "status": ACTIVE,
        "createdAt": now,
        "expiresAt": now + refresh_tokens.LIFETIME_SECONDS,
    }


def _spend(token_hash: str, now: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": settings().table("tokens"),
            "Key": {"tokenHash": token_hash},
            "UpdateExpression": "SET #status = :used, usedAt = :now",
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":used": USED, ":active": ACTIVE, ":now": now},
        }
    }


def _session_is_live(session_id: str, now: int) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": settings().table("sessions"),
            "Key": {"sessionId": session_id},
            "ConditionExpression": "#status = :active AND expiresAt > :now",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":active": ACTIVE, ":now": now},
        }
    }


def _query(logical: str, index: str, attribute: str, value: str) -> Iterator[dict[str, Any]]:
    table = aws.resource_table(logical)
    request: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": "#key = :value",
        "ExpressionAttributeNames": {"#key": attribute},
        "ExpressionAttributeValues": {":value": value},
    }
    while True:
        page = table.query(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
