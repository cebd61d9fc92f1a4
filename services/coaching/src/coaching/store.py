"""Coaching sessions and messages in the coaching table.

Keys (every one begins with the caller's verified tenant, never an id from the path):
- session: pk ``TENANT#<t>#USER#<u>``, sk ``SESSION#v7#<sessionId>`` (a time-ordered id,
  ``ppcommon.paging.time_ordered_id``) or, for sessions created before lists paged,
  ``SESSION#<sessionId>`` (a uuid4 hex id)
- message: pk ``TENANT#<t>#USER#<u>#SESSION#<sessionId>``, sk ``MESSAGE#<utc µs>#<n>``
A session is found only under its owner's partition, so another tenant's or another
user's id is simply absent: a 404, never a 403 and never data.

Sessions list newest first with one Query, in descending sort key order: ``v`` sorts after
every hex digit, so the time-ordered sessions come first, newest first, and the sessions
from before (random uuid4 ids, all older than any time-ordered one) follow in id order.
Nothing is migrated and no index is needed; the id tells which sort key a session has.

A session item carries ``messageCount``, raised in the transaction that stores an
exchange, so posting a message never counts the history. A session from before that
counter has none until its next exchange, which starts it at the messages the coach saw
(the last ``COACH_CONTEXT`` at most: exact for shorter sessions, a lower bound otherwise).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ppcommon import account_events
from ppcommon.aws import resource_table
from ppcommon.clock import iso, sort_key
from ppcommon.errors import Conflict, NotFound
from ppcommon.paging import is_time_ordered_id, query_page, time_ordered_id

ACTIVE = "active"
COMPLETED = "completed"
SESSION_PREFIX = "SESSION#"
MESSAGE_PREFIX = "MESSAGE#"
_TIME_ORDERED = "v7#"  # after every hex digit: time-ordered sessions sort above the older
COACH_CONTEXT = 10  # the most messages the coach is shown: the latest of the session


@dataclass(frozen=True)
class Owner:
    """Whose data a request may touch: from the verified token only."""

    tenant_id: str
    user_id: str

    @property
    def sessions_pk(self) -> str:
        return f"TENANT#{self.tenant_id}#USER#{self.user_id}"

    def messages_pk(self, session_id: str) -> str:
        return f"{self.sessions_pk}#SESSION#{session_id}"


def new_id() -> str:
    return uuid.uuid4().hex


def session_sk(session_id: str) -> str:
    """The sort key of a session: time-ordered ids under ``v7#``, older (uuid4) ids bare."""
    if is_time_ordered_id(session_id):
        return f"{SESSION_PREFIX}{_TIME_ORDERED}{session_id}"
    return f"{SESSION_PREFIX}{session_id}"


def session_id_of(sk: str) -> str:
    return sk.removeprefix(SESSION_PREFIX).removeprefix(_TIME_ORDERED)


def _session_key(owner: Owner, session_id: str) -> dict[str, str]:
    return {"pk": owner.sessions_pk, "sk": session_sk(session_id)}


def _table() -> Any:
    return resource_table("coaching")


def _session_document(item: dict[str, Any]) -> dict[str, Any]:
    document = {key: item[key] for key in ("sessionId", "topic", "status", "createdAt")}
    if "completedAt" in item:
        document["completedAt"] = item["completedAt"]
    return document


def _message_document(item: dict[str, Any]) -> dict[str, Any]:
    return {key: item[key] for key in ("messageId", "role", "text", "createdAt")}


def _query(**arguments: Any) -> Iterator[dict[str, Any]]:
    while True:
        page = _table().query(**arguments)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def create_session(owner: Owner, topic: str, now: datetime) -> dict[str, Any]:
    session_id = time_ordered_id(now)
    item = {
        **_session_key(owner, session_id),
        "sessionId": session_id,
        "topic": topic,
        "status": ACTIVE,
        "createdAt": iso(now),
        "createdSort": sort_key(now),
        "messageCount": 0,
    }
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    return _session_document(item)


def list_sessions(
    owner: Owner, limit: int, start_key: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the owner's sessions, newest first (see the module's key layout)."""
    items, last_key = query_page(
        _table(),
        limit,
        start_key,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": owner.sessions_pk, ":prefix": SESSION_PREFIX},
        ScanIndexForward=False,
    )
    return [_session_document(item) for item in items], last_key


def _session_item(owner: Owner, session_id: str) -> dict[str, Any]:
    response = _table().get_item(Key=_session_key(owner, session_id), ConsistentRead=True)
    item: dict[str, Any] | None = response.get("Item")
    if item is None:
        raise NotFound(f"session {session_id} not found")
    return item


def get_session(owner: Owner, session_id: str) -> dict[str, Any]:
    return _session_document(_session_item(owner, session_id))


@dataclass(frozen=True)
class Conversation:
    """What the coach needs to answer in a session, read without its whole history."""

    topic: str
    status: str
    message_count: int | None  # None: a session from before the counter (see the module)


def conversation(owner: Owner, session_id: str) -> Conversation:
    item = _session_item(owner, session_id)
    count = item.get("messageCount")
    return Conversation(item["topic"], item["status"], None if count is None else int(count))


def complete_session(owner: Owner, session_id: str, now: datetime) -> dict[str, Any]:
    """Mark the session completed; completing it again returns it unchanged."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    try:
        response = _table().update_item(
            Key=_session_key(owner, session_id),
            UpdateExpression="SET #status = :completed, completedAt = :at",
            ConditionExpression="attribute_exists(pk) AND #status = :active",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":completed": COMPLETED, ":active": ACTIVE, ":at": iso(now)},
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return get_session(owner, session_id)  # 404 when absent, else already completed
    return _session_document(response["Attributes"])


def list_messages(
    owner: Owner, session_id: str, limit: int, start_key: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """One page of the session's messages, oldest first (sk order is time order)."""
    _session_item(owner, session_id)  # 404 for a session that is not the caller's
    items, last_key = query_page(
        _table(),
        limit,
        start_key,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={
            ":pk": owner.messages_pk(session_id),
            ":prefix": MESSAGE_PREFIX,
        },
    )
    return [_message_document(item) for item in items], last_key


def recent_texts(owner: Owner, session_id: str) -> list[str]:
    """The texts of the session's last ``COACH_CONTEXT`` messages, oldest first.

    One Query from the newest end with ``Limit``: its cost does not grow with the history.
    Strongly consistent, so the coach sees the exchange just before this one.
    """
    items, _ = query_page(
        _table(),
        COACH_CONTEXT,
        None,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={
            ":pk": owner.messages_pk(session_id),
            ":prefix": MESSAGE_PREFIX,
        },
        ScanIndexForward=False,
        ConsistentRead=True,
    )
    return [str(item["text"]) for item in reversed(items)]


def add_exchange(
    owner: Owner,
    session_id: str,
    texts: Sequence[tuple[str, str]],
    now: datetime,
    *,
    counted: int = 0,
) -> list[dict[str, Any]]:
    """Store ``(role, text)`` messages at ``now`` if the session is still active.

    One transaction: a session completed meanwhile gets no messages (409), the person's
    message is never stored without the coach's reply, and the session's ``messageCount``
    rises by the messages stored. ``counted``: where a session without a count starts it.
    """
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    items = [
        {
            "pk": owner.messages_pk(session_id),
            "sk": f"MESSAGE#{sort_key(now)}#{position}",
            "messageId": new_id(),
            "role": role,
            "text": text,
            "createdAt": iso(now),
        }
        for position, (role, text) in enumerate(texts)
    ]
    table = _table()
    count_if_active = {
        "Update": {
            "TableName": table.name,
            "Key": _session_key(owner, session_id),
            "UpdateExpression": "SET messageCount = if_not_exists(messageCount, :counted) + :added",
            # attribute_exists: an update would otherwise create a deleted session anew.
            "ConditionExpression": "attribute_exists(pk) AND #status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":active": ACTIVE,
                ":counted": counted,
                ":added": len(items),
            },
        }
    }
    puts = [
        {
            "Put": {
                "TableName": table.name,
                "Item": item,
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for item in items
    ]
    try:
        # The resource's client serialises plain Python values, like the Table itself.
        table.meta.client.transact_write_items(TransactItems=[count_if_active, *puts])
    except ClientError as error:
        reasons = error.response.get("CancellationReasons", [])
        if not any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
            raise  # a conflict or throttle, not a completed session
        session = get_session(owner, session_id)  # 404 when it is gone
        raise Conflict(
            f"session {session_id} is {session['status']}: start a new session to go on"
        ) from None
    return [_message_document(item) for item in items]


def delete_session(owner: Owner, session_id: str) -> None:
    """Remove the session and its messages (messages first, so a retry can finish)."""
    _session_item(owner, session_id)
    table = _table()
    message_keys = _query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": owner.messages_pk(session_id)},
        ProjectionExpression="pk, sk",
    )
    with table.batch_writer() as batch:
        for key in message_keys:
            batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
    table.delete_item(Key=_session_key(owner, session_id))


# Purge (account deletion events: coaching.purge)


def _delete_keys(keys: Iterable[Mapping[str, Any]]) -> int:
    return account_events.delete_keys(_table(), keys)


def _partition_keys(pk: str) -> Iterator[dict[str, Any]]:
    # Strongly consistent: a second delivery right after a purge must find nothing.
    return _query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": pk},
        ProjectionExpression="pk, sk",
        ConsistentRead=True,
    )


def purge_user(tenant_id: str, user_id: str) -> int:
    """Delete every session and message of the user; the number of items deleted.

    Each session's messages go first, then the sessions, then the messages once more: a
    message written meanwhile needed its session (``add_exchange`` checks it in the same
    transaction), so after the sessions are gone none can be added, and a retry after a
    failure half-way still finds the sessions whose messages remain.
    """
    owner = Owner(tenant_id, user_id)
    sessions = list(_partition_keys(owner.sessions_pk))
    session_ids = [session_id_of(str(key["sk"])) for key in sessions]
    deleted = sum(_delete_keys(_partition_keys(owner.messages_pk(s))) for s in session_ids)
    deleted += _delete_keys(sessions)
    deleted += sum(_delete_keys(_partition_keys(owner.messages_pk(s))) for s in session_ids)
    return deleted


def purge_tenant(tenant_id: str) -> int:
    """Delete every session and message of every user of the tenant; the items deleted.

    Keys begin with the user (``TENANT#<t>#USER#<u>``) and the table has no index by
    tenant, so this scans the table for the tenant's prefix: a cost paid once per deleted
    tenant, in exchange for no index to keep on every write. The trailing ``#USER#`` keeps
    tenant ``ab`` from matching tenant ``abc``.
    """
    prefix = f"TENANT#{tenant_id}#USER#"
    return _delete_keys(_scan_keys(prefix))


def _scan_keys(prefix: str) -> Iterator[dict[str, Any]]:
    arguments: dict[str, Any] = {
        "FilterExpression": "begins_with(pk, :prefix)",
        "ExpressionAttributeValues": {":prefix": prefix},
        "ProjectionExpression": "pk, sk",
        "ConsistentRead": True,
    }
    while True:
        page = _table().scan(**arguments)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
