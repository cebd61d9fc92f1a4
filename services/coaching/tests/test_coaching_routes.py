"""Every coaching route and its errors, in-process against moto."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coaching import store
from coaching.app import lambda_handler
from ppcommon.aws import resource_table
from ppcommon.clock import utc_now
from ppcommon.errors import Conflict
from pptesting.events import ApiClient, HttpResult, LambdaContext, load_event

EVENTS = Path(__file__).parent / "events"
ISO_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
HEX_ID = re.compile(r"[0-9a-f]{32}")


def start(api: ApiClient, token: str, topic: str = "Grow as a team lead") -> dict[str, str]:
    result = api("POST", "/sessions", token=token, body={"topic": topic})
    assert result.status == 201, result.body
    return result.body


def test_health_needs_no_token(api: ApiClient) -> None:
    result = api("GET", "/health")

    assert (result.status, result.body) == (
        200,
        {"status": "ok", "service": "coaching", "runtime": "python"},
    )


def test_health_through_the_custom_domain_fixture() -> None:
    event = load_event(EVENTS / "health_via_domain.json")

    result = HttpResult.from_response(lambda_handler(event, LambdaContext()))

    assert (result.status, result.body["service"]) == (200, "coaching")


def test_create_session_from_the_fixture_event(token: str) -> None:
    event = load_event(EVENTS / "create_session.json")
    event["headers"]["authorization"] = f"Bearer {token}"

    result = HttpResult.from_response(lambda_handler(event, LambdaContext()))

    assert result.status == 201
    assert set(result.body) == {"sessionId", "topic", "status", "createdAt"}
    assert result.body["topic"] == "Grow as a team lead"
    assert result.body["status"] == "active"
    assert HEX_ID.fullmatch(result.body["sessionId"])
    assert ISO_Z.fullmatch(result.body["createdAt"])


def test_topic_is_trimmed(api: ApiClient, token: str) -> None:
    assert start(api, token, "  Focus  ")["topic"] == "Focus"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'topic' is required"),
        ({"topic": ""}, "'topic' must be 1 to 200"),
        ({"topic": "   "}, "'topic' must be 1 to 200"),
        ({"topic": "x" * 201}, "'topic' must be 1 to 200"),
        ({"topic": 5}, "'topic' must be a string"),
        ("not json", "not valid JSON"),
        (None, "request body is required"),
    ],
)
def test_create_session_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    result = api("POST", "/sessions", token=token, body=body)

    assert result.status == 400
    assert result.body["error"]["code"] == "bad_request"
    assert message in result.body["error"]["message"]


def test_topic_of_exactly_200_characters_is_accepted(api: ApiClient, token: str) -> None:
    assert start(api, token, "x" * 200)["topic"] == "x" * 200


def test_get_session(api: ApiClient, token: str) -> None:
    session = start(api, token)

    result = api("GET", f"/sessions/{session['sessionId']}", token=token)

    assert (result.status, result.body) == (200, session)


def test_unknown_and_malformed_session_ids_are_404(api: ApiClient, token: str) -> None:
    for session_id in ("0" * 32, "not-an-id", "TENANT%23x"):
        result = api("GET", f"/sessions/{session_id}", token=token)
        assert result.status == 404
        assert result.body["error"]["code"] == "not_found"


def test_list_sessions_newest_first(api: ApiClient, token: str) -> None:
    created = [start(api, token, f"topic {n}")["sessionId"] for n in range(3)]

    result = api("GET", "/sessions", token=token)

    assert result.status == 200
    assert [item["sessionId"] for item in result.body["items"]] == created[::-1]


def test_list_sessions_empty(api: ApiClient, token: str) -> None:
    assert api("GET", "/sessions", token=token).body == {"items": [], "nextCursor": None}


def test_post_message_gets_a_deterministic_coach_reply(api: ApiClient, token: str) -> None:
    first = start(api, token)["sessionId"]
    second = start(api, token)["sessionId"]
    text = "I struggle to delegate work to my team"

    replies = [
        api("POST", f"/sessions/{sid}/messages", token=token, body={"text": text})
        for sid in (first, second)
    ]

    assert [reply.status for reply in replies] == [201, 201]
    user, coach = replies[0].body["userMessage"], replies[0].body["coachReply"]
    assert (user["role"], user["text"]) == ("user", text)
    assert coach["role"] == "coach"
    assert "delegate" in coach["text"] or "struggle" in coach["text"]
    assert coach["text"] == replies[1].body["coachReply"]["text"]  # same input, same reply
    assert HEX_ID.fullmatch(user["messageId"])
    assert user["messageId"] != coach["messageId"]
    assert ISO_Z.fullmatch(coach["createdAt"])


def test_post_message_from_the_fixture_event(api: ApiClient, token: str) -> None:
    session_id = start(api, token)["sessionId"]
    event = load_event(EVENTS / "post_message.json")
    event["rawPath"] = event["rawPath"].replace("SESSION_ID", session_id)
    event["headers"]["authorization"] = f"Bearer {token}"

    result = HttpResult.from_response(lambda_handler(event, LambdaContext()))

    assert result.status == 201
    assert result.body["userMessage"]["text"] == "I struggle to delegate work to my team"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'text' is required"),
        ({"text": ""}, "'text' must be 1 to 4000"),
        ({"text": "y" * 4001}, "'text' must be 1 to 4000"),
        ({"text": ["a"]}, "must be a string"),
    ],
)
def test_post_message_validation(api: ApiClient, token: str, body: object, message: str) -> None:
    session_id = start(api, token)["sessionId"]

    result = api("POST", f"/sessions/{session_id}/messages", token=token, body=body)

    assert result.status == 400
    assert message in result.body["error"]["message"]


def test_post_message_to_unknown_session_is_404(api: ApiClient, token: str) -> None:
    result = api("POST", f"/sessions/{'a' * 32}/messages", token=token, body={"text": "hi"})

    assert result.status == 404


def test_messages_are_listed_in_time_order(api: ApiClient, token: str) -> None:
    session_id = start(api, token)["sessionId"]
    for text in ("first thought", "second thought", "third thought"):
        api("POST", f"/sessions/{session_id}/messages", token=token, body={"text": text})

    result = api("GET", f"/sessions/{session_id}/messages", token=token)

    assert result.status == 200
    roles_and_texts = [(item["role"], item["text"]) for item in result.body["items"]]
    assert [role for role, _ in roles_and_texts] == ["user", "coach"] * 3
    assert [text for role, text in roles_and_texts if role == "user"] == [
        "first thought",
        "second thought",
        "third thought",
    ]


def test_messages_of_unknown_session_are_404(api: ApiClient, token: str) -> None:
    assert api("GET", f"/sessions/{'b' * 32}/messages", token=token).status == 404


def test_complete_session_then_messages_are_409(api: ApiClient, token: str) -> None:
    session_id = start(api, token)["sessionId"]

    completed = api("POST", f"/sessions/{session_id}/complete", token=token)
    refused = api("POST", f"/sessions/{session_id}/messages", token=token, body={"text": "more"})

    assert completed.status == 200
    assert completed.body["status"] == "completed"
    assert ISO_Z.fullmatch(completed.body["completedAt"])
    assert refused.status == 409
    assert refused.body["error"]["code"] == "conflict"
    listed = api("GET", f"/sessions/{session_id}/messages", token=token).body
    assert listed == {"items": [], "nextCursor": None}


def test_completing_twice_keeps_the_first_completion(api: ApiClient, token: str) -> None:
    session_id = start(api, token)["sessionId"]

    first = api("POST", f"/sessions/{session_id}/complete", token=token)
    second = api("POST", f"/sessions/{session_id}/complete", token=token)

    assert second.status == 200
    assert second.body == first.body


def test_complete_unknown_session_is_404(api: ApiClient, token: str) -> None:
    assert api("POST", f"/sessions/{'c' * 32}/complete", token=token).status == 404


def test_delete_session_removes_it_and_its_messages(api: ApiClient, token: str) -> None:
    session_id = start(api, token)["sessionId"]
    api("POST", f"/sessions/{session_id}/messages", token=token, body={"text": "hello"})

    deleted = api("DELETE", f"/sessions/{session_id}", token=token)

    assert (deleted.status, deleted.body) == (204, None)
    assert api("GET", f"/sessions/{session_id}", token=token).status == 404
    assert api("GET", f"/sessions/{session_id}/messages", token=token).status == 404
    assert api("DELETE", f"/sessions/{session_id}", token=token).status == 404
    assert resource_table("coaching").scan()["Items"] == []  # no orphan messages


def test_unknown_route_and_wrong_method(api: ApiClient, token: str) -> None:
    assert api("GET", "/goals", token=token).status == 404
    wrong = api("PUT", "/sessions", token=token)
    assert (wrong.status, wrong.headers["allow"]) == (405, "GET, POST")


def test_a_session_completed_after_the_check_takes_no_messages(api: ApiClient, token: str) -> None:
    # The route checks the status first; the write itself is guarded too (a race).
    session_id = start(api, token)["sessionId"]
    api("POST", f"/sessions/{session_id}/complete", token=token)
    owner = store.Owner(tenant_id="tenant-1", user_id="user-1")

    with pytest.raises(Conflict, match="completed"):
        store.add_exchange(owner, session_id, [("user", "late")], utc_now())
    assert store.list_messages(owner, session_id, 10, None) == ([], None)
