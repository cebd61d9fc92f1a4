"""Coaching sessions and messages in the coaching table.

Keys (every one begins with the caller's verified tenant, never an id from the path):
- session: pk ``TENANT#<t>#USER#<u>``, sk ``SESSION#<sessionId>``
- message: pk ``TENANT#<t>#USER#<u>#SESSION#<sessionId>``, sk ``MESSAGE#<utc µs>#<n>``
A session is found only under its owner's partition, so another tenant's or another
user's id is simply absent: a 404, never a 403 and never data.
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

ACTIVE = "active"
COMPLETED = "completed"


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
    session_id = new_id()
    item = {
        "pk": owner.sessions_pk,
        "sk": f"SESSION#{session_id}",
        "sessionId": session_id,
        "topic": topic,
        "status": ACTIVE,
        "createdAt": iso(now),
        "createdSort": sort_key(now),
    }
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
    return _session_document(item)


def list_sessions(owner: Owner) -> list[dict[str, Any]]:
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": owner.sessions_pk, ":prefix": "SESSION#"},
    )
    newest_first = sorted(items, key=lambda item: item["createdSort"], reverse=True)
    return [_session_document(item) for item in newest_first]


def _session_item(owner: Owner, session_id: str) -> dict[str, Any]:
    response = _table().get_item(
        Key={"pk": owner.sessions_pk, "sk": f"SESSION#{session_id}"}, ConsistentRead=True
    )
    item: dict[str, Any] | None = response.get("Item")
    if item is None:
        raise NotFound(f"session {session_id} not found")
    return item


def get_session(owner: Owner, session_id: str) -> dict[str, Any]:
    return _session_document(_session_item(owner, session_id))


def complete_session(owner: Owner, session_id: str, now: datetime) -> dict[str, Any]:
    """Mark the session completed; completing it again returns it unchanged."""
    from botocore.exceptions import ClientError  # noqa: PLC0415 - lazy: cold start

    try:
        response = _table().update_item(
            Key={"pk": owner.sessions_pk, "sk": f"SESSION#{session_id}"},
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


def list_messages(owner: Owner, session_id: str) -> list[dict[str, Any]]:
    _session_item(owner, session_id)  # 404 for a session that is not the caller's
    items = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": owner.messages_pk(session_id), ":prefix": "MESSAGE#"},
    )
    return [_message_document(item) for item in items]  # sk order is time order


def message_texts(owner: Owner, session_id: str) -> list[str]:
    return [message["text"] for message in list_messages(owner, session_id)]


def add_exchange(
    owner: Owner, session_id: str, texts: Sequence[tuple[str, str]], now: datetime
) -> list[dict[str, Any]]:
    """Store ``(role, text)`` messages at ``now`` if the session is still active.

    One transaction: a session completed meanwhile gets no messages (409), and the
    person's message is never stored without the coach's reply.
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
    guard = {
        "ConditionCheck": {
            "TableName": table.name,
            "Key": {"pk": owner.sessions_pk, "sk": f"SESSION#{session_id}"},
            "ConditionExpression": "#status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":active": ACTIVE},
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
        table.meta.client.transact_write_items(TransactItems=[guard, *puts])
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
    table.delete_item(Key={"pk": owner.sessions_pk, "sk": f"SESSION#{session_id}"})


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
    session_ids = [str(key["sk"]).removeprefix("SESSION#") for key in sessions]
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
