"""Coaching session routes (all Bearer-protected)."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from coaching import store
from coaching.coach import Coach, ReflectiveCoach
from ppcommon.clock import utc_now
from ppcommon.errors import Conflict, NotFound
from ppcommon.http import bearer_claims, json_body, require_text
from ppcommon.paging import list_document, page_params

TOPIC_MAX = 200
TEXT_MAX = 4000
_SESSION_ID = re.compile(r"[0-9a-f]{32}")

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # Powertools leaves __init__ unannotated
coach: Coach = ReflectiveCoach()


def _owner() -> store.Owner:
    claims = bearer_claims(router)
    return store.Owner(tenant_id=claims.tenant_id, user_id=claims.user_id)


def _session_id(raw: str) -> str:
    # A malformed id cannot name any session: answer as for an unknown one.
    if not _SESSION_ID.fullmatch(raw):
        raise NotFound(f"session {raw[:64]} not found")
    return raw


@router.post("/sessions")
def create_session() -> tuple[dict[str, Any], int]:
    owner = _owner()
    topic = require_text(json_body(router), "topic", max_length=TOPIC_MAX)
    return store.create_session(owner, topic, utc_now()), 201


@router.get("/sessions")
def list_sessions() -> dict[str, Any]:
    owner = _owner()
    limit, start_key = page_params(
        router, partition=owner.sessions_pk, sort_prefix=store.SESSION_PREFIX
    )
    return list_document(*store.list_sessions(owner, limit, start_key))


@router.get("/sessions/<session_id>")
def get_session(session_id: str) -> dict[str, Any]:
    return store.get_session(_owner(), _session_id(session_id))


@router.post("/sessions/<session_id>/messages")
def post_message(session_id: str) -> tuple[dict[str, Any], int]:
    owner = _owner()
    session_id = _session_id(session_id)
    text = require_text(json_body(router), "text", max_length=TEXT_MAX)
    session = store.conversation(owner, session_id)
    if session.status != store.ACTIVE:
        raise Conflict(f"session {session_id} is completed: start a new session to go on")
    recent = store.recent_texts(owner, session_id)
    # A session from before the counter: the messages seen are where its count starts.
    turn = len(recent) if session.message_count is None else session.message_count
    reply = coach.reply(topic=session.topic, text=text, recent=recent, turn=turn)
    user_message, coach_reply = store.add_exchange(
        owner, session_id, [("user", text), ("coach", reply)], utc_now(), counted=turn
    )
    return {"userMessage": user_message, "coachReply": coach_reply}, 201


@router.get("/sessions/<session_id>/messages")
def list_messages(session_id: str) -> dict[str, Any]:
    owner = _owner()
    session_id = _session_id(session_id)
    limit, start_key = page_params(
        router, partition=owner.messages_pk(session_id), sort_prefix=store.MESSAGE_PREFIX
    )
    return list_document(*store.list_messages(owner, session_id, limit, start_key))


@router.post("/sessions/<session_id>/complete")
def complete_session(session_id: str) -> dict[str, Any]:
    return store.complete_session(_owner(), _session_id(session_id), utc_now())


@router.delete("/sessions/<session_id>")
def delete_session(session_id: str) -> Response[str]:
    store.delete_session(_owner(), _session_id(session_id))
    return Response(status_code=204, body="")
