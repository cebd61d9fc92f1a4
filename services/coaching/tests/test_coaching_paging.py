"""Coaching lists page (limit, cursor), cursors stay in the caller's partition, and posting
a message reads a bounded slice of the history, in-process against moto."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from coaching import routes, store
from coaching.app import lambda_handler
from ppcommon.aws import resource_table
from ppcommon.paging import encode_cursor
from pptesting.events import HttpResult, LambdaContext, http_event, load_event

EVENTS = Path(__file__).parent / "events"

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OWNER = store.Owner(tenant_id="tenant-1", user_id="user-1")  # the ``token`` fixture's
CURSOR_REFUSED = "field 'cursor' is not a cursor this list gave"


def seed_sessions(count: int, owner: store.Owner = OWNER) -> list[str]:
    """``count`` sessions a second apart, oldest first: their ids."""
    return [
        store.create_session(owner, f"topic {n}", START + timedelta(seconds=n))["sessionId"]
        for n in range(count)
    ]


def seed_messages(session_id: str, exchanges: int, owner: store.Owner = OWNER) -> list[str]:
    """``exchanges`` exchanges a second apart: the texts in time order."""
    texts: list[str] = []
    for n in range(exchanges):
        pair = [("user", f"thought {n}"), ("coach", f"question {n}")]
        store.add_exchange(owner, session_id, pair, START + timedelta(seconds=n))
        texts += [text for _, text in pair]
    return texts


def request(method: str, target: str, *, token: str, body: Any = None) -> HttpResult:
    """The handler called as API Gateway would (``target`` may carry a query string)."""
    event = http_event(
        load_event(EVENTS / "http_api_v2.json"), method, target, token=token, body=body
    )
    return HttpResult.from_response(lambda_handler(event, LambdaContext()))


def walk(token: str, path: str, limit: int) -> list[list[dict[str, Any]]]:
    """Every page of a list, following nextCursor until it is null."""
    pages, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        result = request("GET", path + query, token=token)
        assert result.status == 200, result.body
        assert set(result.body) == {"items", "nextCursor"}
        pages.append(result.body["items"])
        cursor = result.body["nextCursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "the list does not end"


def test_sessions_walk_newest_first_in_three_pages(token: str) -> None:
    created = seed_sessions(120)

    pages = walk(token, "/sessions", limit=50)

    assert [len(page) for page in pages] == [50, 50, 20]
    listed = [item["sessionId"] for page in pages for item in page]
    assert listed == created[::-1]  # newest first, none twice, none lost


def test_the_default_page_is_50(token: str) -> None:
    seed_sessions(51)

    result = request("GET", "/sessions", token=token)

    assert len(result.body["items"]) == 50
    assert result.body["nextCursor"] is not None


def test_a_list_that_ends_on_a_page_boundary_ends_with_an_empty_page(token: str) -> None:
    # DynamoDB answers a LastEvaluatedKey whenever it stopped at Limit items.
    seed_sessions(4)

    pages = walk(token, "/sessions", limit=2)

    assert [len(page) for page in pages] in ([2, 2, 0], [2, 2])


def test_messages_walk_oldest_first(token: str) -> None:
    session_id = seed_sessions(1)[0]
    texts = seed_messages(session_id, 60)

    pages = walk(token, f"/sessions/{session_id}/messages", limit=50)

    assert [len(page) for page in pages] == [50, 50, 20]
    assert [item["text"] for page in pages for item in page] == texts


def test_sessions_from_before_paging_list_after_the_new_ones(token: str) -> None:
    # Sessions stored before lists paged: uuid4 ids, sort key SESSION#<id>, no messageCount.
    legacy = [store.new_id() for _ in range(5)]
    with resource_table("coaching").batch_writer() as batch:
        for n, session_id in enumerate(legacy):
            batch.put_item(
                Item={
                    "pk": OWNER.sessions_pk,
                    "sk": f"SESSION#{session_id}",
                    "sessionId": session_id,
                    "topic": f"old {n}",
                    "status": "active",
                    "createdAt": "2026-01-01T00:00:00.000Z",
                    "createdSort": f"20260101T00000{n}000000Z",
                }
            )
    new = seed_sessions(3)

    listed = [item["sessionId"] for page in walk(token, "/sessions", 2) for item in page]

    assert listed[:3] == new[::-1]
    assert sorted(listed[3:]) == sorted(legacy)  # all there, once each, in id order
    assert listed[3:] == sorted(legacy, reverse=True)
    for session_id in legacy:  # and every route still finds them
        assert request("GET", f"/sessions/{session_id}", token=token).status == 200
        posted = request(
            "POST", f"/sessions/{session_id}/messages", token=token, body={"text": "hi"}
        )
        assert posted.status == 201


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", "", "%2B5", "5&limit=6"])
@pytest.mark.parametrize("path", ["/sessions", "/sessions/{id}/messages"])
def test_a_limit_out_of_bounds_is_400_naming_limit(token: str, path: str, limit: str) -> None:
    session_id = seed_sessions(1)[0]

    result = request("GET", path.format(id=session_id) + f"?limit={limit}", token=token)

    assert result.status == 400
    assert result.body["error"] == {
        "code": "bad_request",
        "message": "field 'limit' must be an integer from 1 to 100",
    }


@pytest.mark.parametrize("limit", ["1", "100"])
def test_the_limit_bounds_are_accepted(token: str, limit: str) -> None:
    seed_sessions(2)

    result = request("GET", f"/sessions?limit={limit}", token=token)

    assert (result.status, len(result.body["items"])) == (200, min(int(limit), 2))


def a_cursor(token: str, path: str) -> str:
    result = request("GET", f"{path}?limit=1", token=token)
    cursor: str = result.body["nextCursor"]
    assert cursor
    return cursor


@pytest.mark.parametrize(
    ("user_id", "tenant_id"),
    [("user-2", "tenant-1"), ("user-1", "tenant-2")],
    ids=["another user of the tenant", "the same user id in another tenant"],
)
def test_a_cursor_from_another_user_or_tenant_is_refused(
    token: str, token_for: Callable[..., str], user_id: str, tenant_id: str
) -> None:
    seed_sessions(3)
    theirs = store.Owner(tenant_id=tenant_id, user_id=user_id)
    seed_sessions(3, owner=theirs)
    their_token = token_for(user_id, tenant_id)
    their_cursor = a_cursor(their_token, "/sessions")

    result = request("GET", f"/sessions?cursor={their_cursor}", token=token)

    assert result.status == 400
    assert result.body["error"]["message"] == CURSOR_REFUSED


def test_a_forged_cursor_naming_another_partition_is_refused(token: str) -> None:
    victim = store.Owner(tenant_id="tenant-2", user_id="user-9")
    seed_sessions(3, owner=victim)
    forged = [
        encode_cursor({"pk": victim.sessions_pk, "sk": "SESSION#"}),
        encode_cursor({"pk": OWNER.sessions_pk + "#x", "sk": "SESSION#"}),
        encode_cursor({"pk": OWNER.sessions_pk, "sk": "MESSAGE#0"}),
        encode_cursor({"pk": OWNER.sessions_pk, "sk": "SESSION#", "tenant": "tenant-2"}),
        "not-a-cursor",
        "e30",  # {}
    ]

    for cursor in forged:
        result = request("GET", f"/sessions?cursor={cursor}", token=token)
        assert (result.status, result.body["error"]["message"]) == (400, CURSOR_REFUSED), cursor


def test_a_message_cursor_serves_only_its_own_session(token: str) -> None:
    first, second = seed_sessions(2)
    seed_messages(first, 2)
    seed_messages(second, 2)
    cursor = a_cursor(token, f"/sessions/{first}/messages")
    sessions_cursor = a_cursor(token, "/sessions")

    other_session = request("GET", f"/sessions/{second}/messages?cursor={cursor}", token=token)
    sessions_list = request("GET", f"/sessions?cursor={cursor}", token=token)
    messages_list = request(
        "GET", f"/sessions/{first}/messages?cursor={sessions_cursor}", token=token
    )
    own = request("GET", f"/sessions/{first}/messages?cursor={cursor}", token=token)

    assert [other_session.status, sessions_list.status, messages_list.status] == [400, 400, 400]
    assert (own.status, [item["text"] for item in own.body["items"]]) == (
        200,
        ["question 0", "thought 1", "question 1"],
    )


class CountingTable:
    """The coaching table, recording every call the store makes on it."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._table, name)
        if name not in {"query", "scan", "get_item", "put_item", "update_item", "delete_item"}:
            return attribute

        def record(**arguments: Any) -> Any:
            self.calls.append((name, arguments))
            return attribute(**arguments)

        return record


class RecordingCoach:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def reply(self, *, topic: str, text: str, recent: Sequence[str], turn: int) -> str:
        self.calls.append({"topic": topic, "text": text, "recent": list(recent), "turn": turn})
        return f"reply {turn}"


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingTable:
    table = CountingTable(resource_table("coaching"))
    monkeypatch.setattr(store, "_table", lambda: table)
    return table


@pytest.fixture
def coach(monkeypatch: pytest.MonkeyPatch) -> RecordingCoach:
    recording = RecordingCoach()
    monkeypatch.setattr(routes, "coach", recording)
    return recording


def test_posting_a_message_reads_one_bounded_slice_of_the_history(
    token: str, counting: CountingTable, coach: RecordingCoach
) -> None:
    session_id = seed_sessions(1)[0]
    texts = seed_messages(session_id, 40)  # 80 messages
    counting.calls.clear()

    result = request("POST", f"/sessions/{session_id}/messages", token=token, body={"text": "next"})

    assert result.status == 201
    reads = [(name, arguments) for name, arguments in counting.calls if name != "put_item"]
    assert [name for name, _ in reads] == ["get_item", "query"]
    query = reads[1][1]
    assert (query["Limit"], query["ScanIndexForward"], query["ConsistentRead"]) == (10, False, True)
    assert "ExclusiveStartKey" not in query
    assert coach.calls == [{"topic": "topic 0", "text": "next", "recent": texts[-10:], "turn": 80}]
    assert store.conversation(OWNER, session_id).message_count == 82


def test_the_count_rises_with_each_exchange_and_the_coach_sees_short_sessions_whole(
    token: str, coach: RecordingCoach
) -> None:
    session_id = request("POST", "/sessions", token=token, body={"topic": "t"}).body["sessionId"]

    for text in ("one", "two", "three"):
        request("POST", f"/sessions/{session_id}/messages", token=token, body={"text": text})

    assert [call["turn"] for call in coach.calls] == [0, 2, 4]
    assert coach.calls[2]["recent"] == ["one", "reply 0", "two", "reply 2"]
    assert store.conversation(OWNER, session_id).message_count == 6
    assert "messageCount" not in request("GET", f"/sessions/{session_id}", token=token).body


def legacy_session(messages: int) -> str:
    """A session as stored before the counter: no messageCount, ``messages`` messages."""
    session_id = store.new_id()
    resource_table("coaching").put_item(
        Item={
            "pk": OWNER.sessions_pk,
            "sk": f"SESSION#{session_id}",
            "sessionId": session_id,
            "topic": "old",
            "status": "active",
            "createdAt": "2026-01-01T00:00:00.000Z",
            "createdSort": "20260101T000000000000Z",
        }
    )
    with resource_table("coaching").batch_writer() as batch:
        for n in range(messages):
            batch.put_item(
                Item={
                    "pk": OWNER.messages_pk(session_id),
                    "sk": f"MESSAGE#20260101T0000{n:02d}000000Z#0",
                    "messageId": store.new_id(),
                    "role": "user",
                    "text": f"old {n}",
                    "createdAt": "2026-01-01T00:00:00.000Z",
                }
            )
    return session_id


@pytest.mark.parametrize(("messages", "counted"), [(0, 0), (4, 4), (30, 10)])
def test_a_session_from_before_the_counter_starts_counting_at_what_the_coach_saw(
    token: str, coach: RecordingCoach, messages: int, counted: int
) -> None:
    session_id = legacy_session(messages)

    result = request("POST", f"/sessions/{session_id}/messages", token=token, body={"text": "back"})

    assert result.status == 201
    assert coach.calls[0]["turn"] == counted  # exact below 10 messages, a lower bound above
    assert store.conversation(OWNER, session_id).message_count == counted + 2


def test_posting_to_a_deleted_session_creates_nothing(token: str) -> None:
    # The count is an update: its condition keeps it from recreating a deleted session.
    session_id = seed_sessions(1)[0]
    store.delete_session(OWNER, session_id)

    with pytest.raises(store.NotFound):
        store.add_exchange(OWNER, session_id, [("user", "late")], START)

    assert resource_table("coaching").scan()["Items"] == []


@pytest.mark.parametrize("path", ["/sessions", "/sessions/{id}/messages"])
def test_a_page_is_one_query_of_limit_items(token: str, counting: CountingTable, path: str) -> None:
    # 120 sessions and 120 messages in the table. The messages go in first: moto copies
    # the whole table for every item of a transaction, so exchanges stored before the
    # other 119 sessions cost a third as much, and the table read is the same.
    session_id = seed_sessions(1)[0]
    seed_messages(session_id, 60)
    seed_sessions(119)
    counting.calls.clear()

    result = request("GET", path.format(id=session_id) + "?limit=20", token=token)

    assert len(result.body["items"]) == 20
    queries = [arguments for name, arguments in counting.calls if name == "query"]
    assert [query["Limit"] for query in queries] == [20]
    assert {name for name, _ in counting.calls} <= {"query", "get_item"}
