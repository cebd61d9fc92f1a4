"""Account deletion events: the one definition of their message, for the publisher (account)
and the consumers (coaching's and traction's purge functions).

On the account events SNS topic, ``Message`` is compact JSON and the ``type`` message
attribute (String) repeats the type so subscriptions can filter on it::

    {"type":"user.deleted","eventId":<uuid>,"tenantId":..,"userId":..,"occurredAt":<ISO>}
    {"type":"tenant.deleted","eventId":<uuid>,"tenantId":..,"occurredAt":<ISO>}

A consumer gets them in Lambda's SNS event shape (``Records[].Sns.Message``; "Using
AWS Lambda with Amazon SNS", https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html).
:func:`from_sns_event` refuses anything else with :class:`MalformedAccountEvent`, which
the purge handlers let escape: Lambda retries the asynchronous invocation, then sends it to
the dead-letter queue, where a person sees it. A wrong event is never half-applied.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ppcommon.clock import iso, parse_instant, utc_now
from ppcommon.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

USER_DELETED = "user.deleted"
TENANT_DELETED = "tenant.deleted"
TYPES = (USER_DELETED, TENANT_DELETED)
TYPE_ATTRIBUTE = "type"

# The ids become parts of DynamoDB keys ("TENANT#<t>#USER#<u>"): a '#' or an empty id could
# widen a purge to other tenants' items, so only plain ids (uuids, test ids) are accepted.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")


class MalformedAccountEvent(ValueError):
    """An event on the account events topic that does not follow the message format."""


@dataclass(frozen=True)
class AccountDeleted:
    """A user (``user_id`` set) or a whole tenant (``user_id`` None) was deleted."""

    type: str
    event_id: str
    tenant_id: str
    occurred_at: datetime
    user_id: str | None = None

    @classmethod
    def user(cls, tenant_id: str, user_id: str, *, now: datetime | None = None) -> AccountDeleted:
        return cls._new(USER_DELETED, tenant_id, user_id, now)

    @classmethod
    def tenant(cls, tenant_id: str, *, now: datetime | None = None) -> AccountDeleted:
        return cls._new(TENANT_DELETED, tenant_id, None, now)

    @classmethod
    def _new(
        cls, kind: str, tenant_id: str, user_id: str | None, now: datetime | None
    ) -> AccountDeleted:
        event = cls(kind, str(uuid.uuid4()), tenant_id, now or utc_now(), user_id)
        event.validate()  # a publisher must not send what every consumer would refuse
        return event

    def validate(self) -> None:
        if self.type not in TYPES:
            raise MalformedAccountEvent(
                f"account event type {self.type!r} is unknown: use one of {', '.join(TYPES)}"
            )
        _check_id("tenantId", self.tenant_id)
        if self.type == USER_DELETED:
            _check_id("userId", self.user_id)
        elif self.user_id is not None:
            raise MalformedAccountEvent("a tenant.deleted event names no userId: remove it")

    def message(self) -> str:
        """The SNS ``Message``: compact JSON with the keys in the documented order."""
        document: dict[str, str] = {
            "type": self.type,
            "eventId": self.event_id,
            "tenantId": self.tenant_id,
        }
        if self.user_id is not None:
            document["userId"] = self.user_id
        document["occurredAt"] = iso(self.occurred_at)
        return json.dumps(document, separators=(",", ":"))

    def message_attributes(self) -> dict[str, dict[str, str]]:
        """The SNS ``MessageAttributes`` of a Publish call."""
        return {TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": self.type}}

    def log_fields(self) -> dict[str, str]:
        """What a log line may say about the event: ids and type, nothing else."""
        fields = {"event_type": self.type, "event_id": self.event_id, "tenant_id": self.tenant_id}
        if self.user_id is not None:
            fields["user_id"] = self.user_id
        return fields


def _check_id(name: str, value: object) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        shown = repr(value)[:80]
        raise MalformedAccountEvent(
            f"account event field {name!r} is {shown}: it must be an id of 1-128 letters, "
            "digits, '-' or '_'"
        )


def from_message(message: object, attribute_type: str | None = None) -> AccountDeleted:
    """The event in an SNS ``Message``; ``attribute_type`` is its ``type`` attribute, if any."""
    if not isinstance(message, str):
        raise MalformedAccountEvent("account event has no Message text: publish compact JSON")
    try:
        document = json.loads(message)
    except json.JSONDecodeError as error:
        raise MalformedAccountEvent(
            f"account event message is not JSON ({error}): publish compact JSON"
        ) from None
    if not isinstance(document, dict):
        raise MalformedAccountEvent("account event message is not a JSON object")
    kind = document.get("type")
    if kind not in TYPES:
        raise MalformedAccountEvent(
            f"account event type {str(kind)[:40]!r} is unknown: use one of {', '.join(TYPES)}"
        )
    if attribute_type is not None and attribute_type != kind:
        raise MalformedAccountEvent(
            f"account event's type attribute {attribute_type[:40]!r} differs from its "
            f"message type {kind!r}: publish both from the same event"
        )
    expected = {"type", "eventId", "tenantId", "occurredAt"} | (
        {"userId"} if kind == USER_DELETED else set()
    )
    missing, extra = expected - document.keys(), document.keys() - expected
    if missing or extra:
        raise MalformedAccountEvent(
            f"{kind} event: missing {sorted(missing)}, unexpected {sorted(extra)[:5]}; "
            f"a {kind} event has exactly {sorted(expected)}"
        )
    event_id = document["eventId"]
    try:
        uuid.UUID(str(event_id))
    except ValueError:
        raise MalformedAccountEvent(
            f"{kind} event's eventId {str(event_id)[:40]!r} is not a uuid"
        ) from None
    occurred = document["occurredAt"]
    try:
        occurred_at = parse_instant(occurred) if isinstance(occurred, str) else None
    except ValueError:
        occurred_at = None
    if occurred_at is None:
        raise MalformedAccountEvent(
            f"{kind} event's occurredAt {str(occurred)[:40]!r} is not an ISO 8601 time "
            "with an offset, e.g. 2026-12-03T14:00:00.000Z"
        )
    event = AccountDeleted(
        kind, str(event_id), document["tenantId"], occurred_at, document.get("userId")
    )
    event.validate()
    return event


def from_sns_event(event: Mapping[str, Any]) -> list[AccountDeleted]:
    """Every account event in a Lambda SNS event; all are checked before any is returned."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        raise MalformedAccountEvent(
            "the Lambda event has no Records list: the purge function is invoked by its SNS "
            "subscription only"
        )
    events = []
    for position, record in enumerate(records):
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        source = record.get("EventSource") if isinstance(record, Mapping) else None
        if source != "aws:sns" or not isinstance(sns, Mapping):
            raise MalformedAccountEvent(
                f"record {position} is not an SNS notification (EventSource {str(source)[:40]!r})"
            )
        events.append(from_message(sns.get("Message"), _type_attribute(sns, position)))
    return events


def _type_attribute(sns: Mapping[str, Any], position: int) -> str | None:
    attribute = (sns.get("MessageAttributes") or {}).get(TYPE_ATTRIBUTE)
    if attribute is None:
        return None
    # In the Lambda event an attribute is {"Type": "String", "Value": ...} (with-sns.html).
    value = attribute.get("Value") if isinstance(attribute, Mapping) else None
    if not isinstance(value, str):
        raise MalformedAccountEvent(
            f"record {position}: the {TYPE_ATTRIBUTE!r} message attribute has no String value"
        )
    return value


PurgeHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def purge_handler(
    service: str, *, user: Callable[[str, str], int], tenant: Callable[[str], int]
) -> PurgeHandler:
    """The Lambda handler of a service's purge function.

    ``user(tenant_id, user_id)`` and ``tenant(tenant_id)`` delete the service's data and
    answer how many items they deleted: zero on a second delivery, which succeeds like the
    first. The whole event is checked before anything is deleted; a malformed one raises
    (logged with the reason, never the raw event), so Lambda retries it and then sends it to
    the function's dead-letter queue. A failed deletion raises too and is retried the same
    way; the purges are idempotent, so a retry finishes what a failure left.
    """
    log = logger(service)

    def handle(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        try:
            deletions = from_sns_event(event)
        except MalformedAccountEvent as error:
            log.error("refused a malformed account event", extra={"reason": str(error)})
            raise
        purged = []
        for deletion in deletions:
            started = time.perf_counter()
            if deletion.user_id is not None:
                count = user(deletion.tenant_id, deletion.user_id)
            else:
                count = tenant(deletion.tenant_id)
            log.info(
                "purged the deleted account's data",
                extra={
                    **deletion.log_fields(),
                    "items_deleted": count,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            purged.append({"eventId": deletion.event_id, "itemsDeleted": count})
        return {"purged": purged}

    handler: PurgeHandler = log.inject_lambda_context(handle, log_event=False)
    return handler


def delete_keys(table: Any, keys: Iterable[Mapping[str, Any]]) -> int:
    """Delete the items of ``table`` with these ``pk``/``sk`` (a purge); how many were sent.

    The batch writer sends BatchWriteItem requests of at most 25 deletions and resends
    what DynamoDB returns as unprocessed ("BatchWriteItem", DynamoDB API Reference).
    """
    count = 0
    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for key in keys:
            batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
            count += 1
    return count
