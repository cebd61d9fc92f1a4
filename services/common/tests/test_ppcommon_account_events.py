"""The account event format both sides share: what a publisher builds, a consumer reads
back unchanged; what is not an event of the format is refused with the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ppcommon.account_events import (
    TENANT_DELETED,
    USER_DELETED,
    AccountDeleted,
    MalformedAccountEvent,
    from_message,
    from_sns_event,
)

NOW = datetime(2026, 12, 3, 14, 0, 0, 123000, tzinfo=UTC)


def test_a_user_deleted_message_is_compact_json_in_the_documented_order() -> None:
    event = AccountDeleted.user("tenant-1", "user-1", now=NOW)

    assert event.message() == (
        f'{{"type":"user.deleted","eventId":"{event.event_id}","tenantId":"tenant-1",'
        '"userId":"user-1","occurredAt":"2026-12-03T14:00:00.123Z"}'
    )
    assert event.message_attributes() == {
        "type": {"DataType": "String", "StringValue": USER_DELETED}
    }


def test_a_message_reads_back_as_the_event_it_came_from() -> None:
    for event in (
        AccountDeleted.user("tenant-1", "user-1", now=NOW),
        AccountDeleted.tenant("tenant-1", now=NOW),
    ):
        assert from_message(event.message(), event.type) == event


def test_a_tenant_event_names_no_user() -> None:
    event = AccountDeleted.tenant("tenant-1", now=NOW)

    assert event.type == TENANT_DELETED
    assert "userId" not in json.loads(event.message())
    with pytest.raises(MalformedAccountEvent, match="names no userId"):
        AccountDeleted(TENANT_DELETED, event.event_id, "tenant-1", NOW, "user-1").validate()


@pytest.mark.parametrize("bad", ["", "a#b", "a b", "x" * 129, "tenant/1"])
def test_an_id_that_is_not_plain_is_refused(bad: str) -> None:
    with pytest.raises(MalformedAccountEvent, match="'tenantId'"):
        AccountDeleted.tenant(bad)


def test_an_event_without_the_type_attribute_is_read_from_its_message() -> None:
    message = AccountDeleted.tenant("tenant-1", now=NOW).message()
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}}]}

    [read] = from_sns_event(event)

    assert read.tenant_id == "tenant-1"


def test_the_log_fields_carry_ids_only() -> None:
    event = AccountDeleted.user("tenant-1", "user-1", now=NOW)

    assert event.log_fields() == {
        "event_type": USER_DELETED,
        "event_id": event.event_id,
        "tenant_id": "tenant-1",
        "user_id": "user-1",
    }
