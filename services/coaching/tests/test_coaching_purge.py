"""The coaching purge function against moto: a deleted user's or tenant's sessions and
messages go, everyone else's stay, a second delivery deletes nothing, a malformed event
raises (so Lambda retries it and then dead-letters it) before anything is deleted."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coaching import purge, store
from ppcommon.account_events import MalformedAccountEvent
from ppcommon.aws import resource_table
from pptesting.events import LambdaContext, load_event

EVENTS = Path(__file__).resolve().parent / "events"
PAGE = 7  # items per query/scan page in the paging tests: many pages from few items


def sns_event(fixture: str, **changes: Any) -> dict[str, Any]:
    """The fixture SNS event with fields of its message changed (None removes one)."""
    event = load_event(EVENTS / fixture)
    sns = event["Records"][0]["Sns"]
    message = json.loads(sns["Message"])
    for name, value in changes.items():
        if value is None:
            message.pop(name, None)
        else:
            message[name] = value
    sns["Message"] = json.dumps(message)
    if "type" in changes and changes["type"] is not None:
        sns["MessageAttributes"]["type"]["Value"] = changes["type"]
    return event


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    return purge.lambda_handler(event, LambdaContext())


def seed(tenant_id: str, user_id: str, sessions: int, messages: int) -> int:
    """``sessions`` sessions of the user with ``messages`` messages each; items written."""
    owner = store.Owner(tenant_id, user_id)
    with resource_table("coaching").batch_writer() as batch:
        for s in range(sessions):
            session_id = f"s{s:03d}"
            batch.put_item(
                Item={
                    "pk": owner.sessions_pk,
                    "sk": f"SESSION#{session_id}",
                    "sessionId": session_id,
                    "topic": "t",
                    "status": "active",
                    "createdAt": "2026-12-03T00:00:00.000Z",
                    "createdSort": f"{s:06d}",
                }
            )
            for m in range(messages):
                batch.put_item(
                    Item={
                        "pk": owner.messages_pk(session_id),
                        "sk": f"MESSAGE#{m:06d}#0",
                        "messageId": f"m{m}",
                        "role": "user",
                        "text": "private words",
                        "createdAt": "2026-12-03T00:00:00.000Z",
                    }
                )
    return sessions * (1 + messages)


def items() -> list[tuple[str, str]]:
    table = resource_table("coaching")
    found, arguments = [], {}
    while True:
        page = table.scan(**arguments)
        found += [(item["pk"], item["sk"]) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return sorted(found)
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def of(tenant_id: str, user_id: str) -> list[tuple[str, str]]:
    prefix = store.Owner(tenant_id, user_id).sessions_pk
    return [key for key in items() if key[0] == prefix or key[0].startswith(prefix + "#")]


class SmallPages:
    """The coaching table, answering at most PAGE items per query or scan page."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self.pages = 0

    def query(self, **arguments: Any) -> Any:
        self.pages += 1
        return self._table.query(Limit=PAGE, **arguments)

    def scan(self, **arguments: Any) -> Any:
        self.pages += 1
        return self._table.scan(Limit=PAGE, **arguments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> SmallPages:
    pager = SmallPages(resource_table("coaching"))
    monkeypatch.setattr(store, "_table", lambda: pager)
    return pager


def test_user_deleted_removes_every_session_and_message_of_the_user_only() -> None:
    written = seed("tenant-1", "user-1", sessions=3, messages=30)  # >25: several batches
    seed("tenant-1", "user-2", sessions=2, messages=2)  # a colleague
    seed("tenant-2", "user-1", sessions=1, messages=2)  # the same user id elsewhere
    seed("tenant-1", "user-10", sessions=1, messages=1)  # a prefix of user-1's key
    before, mine = items(), set(of("tenant-1", "user-1"))
    assert len(mine) == written

    result = invoke(sns_event("sns_user_deleted.json"))

    assert result == {
        "purged": [{"eventId": "2f1c6a52-6d0e-4f8e-9d53-5b0e1c1f4a10", "itemsDeleted": written}]
    }
    assert items() == [key for key in before if key not in mine]


def test_a_second_delivery_deletes_nothing_and_succeeds() -> None:
    seed("tenant-1", "user-1", sessions=2, messages=3)
    event = sns_event("sns_user_deleted.json")
    invoke(event)

    again = invoke(event)

    assert again["purged"][0]["itemsDeleted"] == 0


def test_a_user_without_coaching_data_is_purged_without_error() -> None:
    assert invoke(sns_event("sns_user_deleted.json"))["purged"][0]["itemsDeleted"] == 0


def test_user_purge_pages_through_more_than_one_page(small_pages: SmallPages) -> None:
    written = seed("tenant-1", "user-1", sessions=30, messages=2)

    result = invoke(sns_event("sns_user_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == written
    assert of("tenant-1", "user-1") == []
    assert small_pages.pages > 30 // PAGE + 30  # the sessions' pages and each session's


def test_tenant_deleted_removes_every_users_data_of_that_tenant_only() -> None:
    written = seed("tenant-1", "user-1", sessions=2, messages=20)
    written += seed("tenant-1", "user-2", sessions=3, messages=1)
    seed("tenant-10", "user-1", sessions=1, messages=1)  # a prefix of tenant-1's key
    seed("tenant-2", "user-3", sessions=1, messages=1)
    others = [key for key in items() if not key[0].startswith("TENANT#tenant-1#")]

    result = invoke(sns_event("sns_tenant_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == written
    assert items() == others
    assert invoke(sns_event("sns_tenant_deleted.json"))["purged"][0]["itemsDeleted"] == 0


def test_tenant_purge_pages_through_more_than_one_scan_page(small_pages: SmallPages) -> None:
    written = seed("tenant-1", "user-1", sessions=4, messages=10)
    seed("tenant-2", "user-1", sessions=4, messages=4)

    result = invoke(sns_event("sns_tenant_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == written
    assert all(not key[0].startswith("TENANT#tenant-1#") for key in items())
    assert small_pages.pages >= (written + 20) // PAGE


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ({"Records": []}, "no Records"),
        ({"Records": [{"EventSource": "aws:sqs", "body": "{}"}]}, "not an SNS notification"),
        ("not-json", "not JSON"),
        ({"type": "user.renamed"}, "unknown"),
        ({"userId": None}, "missing \\['userId'\\]"),
        ({"userId": "user-1#SESSION"}, "'userId'"),
        ({"tenantId": ""}, "'tenantId'"),
        ({"eventId": "42"}, "not a uuid"),
        ({"occurredAt": "yesterday"}, "occurredAt"),
        ({"extra": "field"}, "unexpected \\['extra'\\]"),
    ],
)
def test_a_malformed_event_raises_before_anything_is_deleted(event: Any, reason: str) -> None:
    seed("tenant-1", "user-1", sessions=1, messages=1)
    before = items()
    if isinstance(event, str):
        event = sns_event("sns_user_deleted.json")
        event["Records"][0]["Sns"]["Message"] = "not-json"
    elif "Records" not in event:
        event = sns_event("sns_user_deleted.json", **event)

    with pytest.raises(MalformedAccountEvent, match=reason):
        invoke(event)

    assert items() == before


def test_a_type_attribute_that_contradicts_the_message_is_refused() -> None:
    event = sns_event("sns_user_deleted.json")
    event["Records"][0]["Sns"]["MessageAttributes"]["type"]["Value"] = "tenant.deleted"

    with pytest.raises(MalformedAccountEvent, match="differs"):
        invoke(event)


def test_one_bad_record_refuses_the_whole_event() -> None:
    seed("tenant-1", "user-1", sessions=1, messages=1)
    good = sns_event("sns_user_deleted.json")
    bad = copy.deepcopy(good["Records"][0])
    bad["Sns"]["Message"] = "{}"
    good["Records"].append(bad)

    with pytest.raises(MalformedAccountEvent):
        invoke(good)

    assert of("tenant-1", "user-1") != []


def test_user_purge_deletes_sessions_under_time_ordered_keys(small_pages: SmallPages) -> None:
    # Sessions made since lists page sit under SESSION#v7#<id>; their messages must go too.
    owner = store.Owner("tenant-1", "user-1")
    now = datetime(2026, 12, 3, tzinfo=UTC)
    for n in range(10):
        session_id = store.create_session(owner, "t", now + timedelta(seconds=n))["sessionId"]
        store.add_exchange(owner, session_id, [("user", "a"), ("coach", "b")], now)
    written = seed("tenant-1", "user-1", sessions=2, messages=2)  # and older ones
    mine = of("tenant-1", "user-1")
    assert len(mine) == 10 * 3 + written
    assert sum("SESSION#v7#" in sk for _, sk in mine) == 10

    result = invoke(sns_event("sns_user_deleted.json"))

    assert result["purged"][0]["itemsDeleted"] == len(mine)
    assert of("tenant-1", "user-1") == []
