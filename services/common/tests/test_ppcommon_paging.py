"""ppcommon.paging: limits, cursors that cannot leave the caller's partition, ordered ids."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ppcommon import paging
from ppcommon.errors import BadRequest

MINE = "TENANT#t1#USER#u1"
KEY = {"pk": MINE, "sk": "SESSION#v7#0190aaaabbbb7ccc8ddd000011112222"}


def raw_cursor(document: object) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).decode().rstrip("=")


@dataclass
class FakeEvent:
    query_string_parameters: dict[str, str] | None


@dataclass
class FakeApp:
    parameters: dict[str, str] | None = None
    current_event: FakeEvent = field(init=False)

    def __post_init__(self) -> None:
        self.current_event = FakeEvent(self.parameters)


# limit


@pytest.mark.parametrize(("raw", "limit"), [(None, 50), ("1", 1), ("100", 100), ("007", 7)])
def test_limit_accepted(raw: str | None, limit: int) -> None:
    assert paging.parse_limit(raw) == limit


@pytest.mark.parametrize(
    "raw",
    ["0", "101", "-1", "+5", " 5", "5 ", "1.5", "1e2", "", "abc", "5_0", "\u0665", "1,2", "1000"],
)
def test_limit_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(BadRequest, match="field 'limit' must be an integer from 1 to 100"):
        paging.parse_limit(raw)


# cursor


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    cursor = paging.encode_cursor(KEY)

    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert paging.decode_cursor(cursor, MINE, sort_prefix="SESSION#") == KEY


def test_no_last_key_is_no_cursor() -> None:
    assert paging.encode_cursor(None) is None
    assert paging.encode_cursor({}) is None


def test_non_ascii_keys_round_trip() -> None:
    key = {"pk": "TENANT#tënant", "sk": "GOAL#ß"}

    assert paging.decode_cursor(paging.encode_cursor(key) or "", "TENANT#tënant") == key


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("another user's partition", raw_cursor({"pk": "TENANT#t1#USER#u2", "sk": "SESSION#x"})),
        ("another tenant's partition", raw_cursor({"pk": "TENANT#t2#USER#u1", "sk": "SESSION#x"})),
        ("a partition of mine, longer", raw_cursor({"pk": MINE + "#SESSION#s", "sk": "SESSION#x"})),
        ("outside the list's key range", raw_cursor({"pk": MINE, "sk": "MESSAGE#1"})),
        ("a missing sort key", raw_cursor({"pk": MINE})),
        ("an extra attribute", raw_cursor({**KEY, "createdSort": "1"})),
        ("other key names", raw_cursor({"PK": MINE, "SK": "SESSION#x"})),
        ("a number partition", raw_cursor({"pk": 1, "sk": "SESSION#x"})),
        ("a typed attribute value", raw_cursor({"pk": {"S": MINE}, "sk": {"S": "SESSION#x"}})),
        ("a list", raw_cursor([MINE, "SESSION#x"])),
        ("null", raw_cursor("null")),
        ("duplicate keys", raw_cursor(f'{{"pk":"other","pk":"{MINE}","sk":"SESSION#x"}}')),
        ("a lone surrogate", raw_cursor(f'{{"pk":"{MINE}","sk":"SESSION#\\ud800"}}')),
        ("a sort key over 1024 bytes", raw_cursor({"pk": MINE, "sk": "SESSION#" + "x" * 1020})),
        ("NaN", raw_cursor(f'{{"pk":"{MINE}","sk":NaN}}')),
        ("not JSON", raw_cursor("pk=me")),
        ("not UTF-8", base64.urlsafe_b64encode(b"\xff\xfe{}").decode()),
        ("deeply nested", raw_cursor("[" * 3000)),
        ("standard base64 alphabet", "ab+/"),
        ("spaces", "eyJ wayI6"),
        ("an impossible length", "abcde"),
        ("empty", ""),
        ("too long", "A" * 5000),
    ],
)
def test_a_cursor_this_list_did_not_give_is_refused(name: str, raw: str) -> None:
    with pytest.raises(BadRequest, match="field 'cursor' is not a cursor this list gave"):
        paging.decode_cursor(raw, MINE, sort_prefix="SESSION#")


def test_padding_is_not_what_a_list_gives() -> None:
    cursor = paging.encode_cursor(KEY) or ""
    assert len(cursor) % 4  # this key's encoding would have padding

    with pytest.raises(BadRequest, match="'cursor'"):
        paging.decode_cursor(cursor + "=" * (-len(cursor) % 4), MINE)


# page_params


def test_page_params_defaults() -> None:
    assert paging.page_params(FakeApp(None), partition=MINE, sort_prefix="SESSION#") == (50, None)


def test_page_params_reads_limit_and_cursor() -> None:
    app = FakeApp({"limit": "20", "cursor": paging.encode_cursor(KEY) or "", "other": "x"})

    assert paging.page_params(app, partition=MINE, sort_prefix="SESSION#") == (20, KEY)


def test_page_params_refuses_a_foreign_cursor() -> None:
    foreign = paging.encode_cursor({"pk": "TENANT#t9#USER#u1", "sk": "SESSION#x"}) or ""

    with pytest.raises(BadRequest, match="'cursor'"):
        paging.page_params(FakeApp({"cursor": foreign}), partition=MINE, sort_prefix="SESSION#")


# query_page and list_document


class RecordingTable:
    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.calls: list[dict[str, Any]] = []

    def query(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return self.response


def test_query_page_is_one_query_with_the_limit_and_start_key() -> None:
    table = RecordingTable({"Items": [{"a": 1}], "LastEvaluatedKey": KEY})

    items, last_key = paging.query_page(table, 7, KEY, KeyConditionExpression="pk = :pk")

    assert (items, last_key) == ([{"a": 1}], KEY)
    assert table.calls == [
        {"Limit": 7, "ExclusiveStartKey": KEY, "KeyConditionExpression": "pk = :pk"}
    ]


def test_query_page_without_a_start_key_or_a_next_page() -> None:
    table = RecordingTable({"Items": []})

    assert paging.query_page(table, 50, None) == ([], None)
    assert "ExclusiveStartKey" not in table.calls[0]


def test_list_document_shape() -> None:
    assert paging.list_document([{"a": 1}], None) == {"items": [{"a": 1}], "nextCursor": None}
    document = paging.list_document([], KEY)
    assert paging.decode_cursor(document["nextCursor"], MINE) == KEY


# time-ordered ids


def test_time_ordered_ids_sort_in_creation_order_and_look_like_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paging, "_last_timestamp", -1)  # a fresh process's clock
    start = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    moments = [start + timedelta(microseconds=step * 250) for step in range(40)]

    ids = [paging.time_ordered_id(moment) for moment in moments]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    for identifier in ids:
        assert len(identifier) == 32
        assert set(identifier) <= set("0123456789abcdef")
        parsed = uuid.UUID(identifier)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    millis = int(ids[0][:12], 16)
    assert datetime.fromtimestamp(millis / 1000, UTC) == start


def test_ids_made_at_the_same_or_an_earlier_moment_still_increase() -> None:
    moment = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)

    ids = [paging.time_ordered_id(moment) for _ in range(50)]
    earlier = paging.time_ordered_id(moment - timedelta(seconds=1))

    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    assert earlier > ids[-1]  # the process's clock never runs backwards


def test_uuid4_ids_are_not_time_ordered() -> None:
    now = datetime.now(UTC)

    assert all(not paging.is_time_ordered_id(uuid.uuid4().hex) for _ in range(200))
    assert paging.is_time_ordered_id(paging.time_ordered_id(now))
    assert not paging.is_time_ordered_id("7" * 31)
