"""ppcommon.http and ppcommon.errors through a real Powertools resolver and handler."""

from __future__ import annotations

import base64
import io
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ppcommon import errors
from ppcommon.http import (
    app_handler,
    bearer_claims,
    build_app,
    json_body,
    require_fields,
    require_text,
)
from pptesting import tokens
from pptesting.events import HttpResult, LambdaContext, http_event, load_event

TEMPLATE = load_event(Path(__file__).parent / "events" / "http_api_v2.json")
router = APIGatewayHttpRouter()


@router.get("/whoami")
def whoami() -> dict[str, Any]:
    claims = bearer_claims(router)
    return {"user": claims.user_id, "tenant": claims.tenant_id}


@router.post("/echo")
def echo() -> tuple[dict[str, Any], int]:
    body = json_body(router)
    require_fields(body, {"name": str, "target": float})
    label = require_text(body, "label", max_length=5, required=False)
    return {"name": body["name"], "target": body["target"], "label": label}, 201


@router.get("/numbers")
def numbers() -> dict[str, Any]:
    return {"whole": Decimal("42"), "part": Decimal("2.5"), "negative": Decimal("-1E+2")}


@router.get("/raise/<kind>")
def fail(kind: str) -> dict[str, Any]:
    known: dict[str, errors.ApiError] = {
        "bad": errors.BadRequest("field 'x' is required"),
        "forbidden": errors.Forbidden(),
        "missing": errors.NotFound("goal not found"),
        "conflict": errors.Conflict("session is completed"),
        "large": errors.PayloadTooLarge("request body is over 64 KiB"),
        "media": errors.UnsupportedMediaType(),
        "busy": errors.TooManyRequests("too many attempts; try again later", 2.2),
    }
    if kind in known:
        raise known[kind]
    raise RuntimeError("database password is hunter2")


app = build_app("demo")
app.include_router(router)
handler = app_handler(app)


def call(method: str, path: str, **options: Any) -> HttpResult:
    return HttpResult.from_response(
        handler(http_event(TEMPLATE, method, path, **options), LambdaContext())
    )


@pytest.fixture(autouse=True)
def test_keys(jwt_secret_arn: str) -> None:
    tokens.install_test_keys()


@pytest.fixture
def token() -> str:
    return tokens.sign(tokens.claims("u1", "t1"))


def test_valid_bearer_token_gives_claims(token: str) -> None:
    result = call("GET", "/whoami", token=token)

    assert (result.status, result.body) == (200, {"user": "u1", "tenant": "t1"})


def test_custom_domain_mapping_prefix_is_stripped(token: str) -> None:
    assert call("GET", "/demo/whoami", token=token).status == 200


@pytest.mark.parametrize("name", list(tokens.attacks()))
def test_every_token_attack_is_401_with_challenge(jwt_secret_arn: str, name: str) -> None:
    attack = tokens.attacks()[name]

    result = call("GET", "/whoami", token=attack)

    assert result.status == 401
    assert result.headers["www-authenticate"] == "Bearer"
    assert result.body["error"]["code"] == "unauthorized"
    assert attack is None or attack not in result.body["error"]["message"]


@pytest.mark.parametrize("header", ["Basic dTpw", "Bearer", "Bearer    ", "token abc", "bearer"])
def test_malformed_authorization_header_is_401(jwt_secret_arn: str, header: str) -> None:
    result = call("GET", "/whoami", headers={"Authorization": header})

    assert result.status == 401
    assert result.body["error"]["code"] == "unauthorized"


def test_bearer_scheme_is_case_insensitive(token: str) -> None:
    assert call("GET", "/whoami", headers={"Authorization": f"bearer {token}"}).status == 200


def test_valid_body_passes(jwt_secret_arn: str) -> None:
    result = call("POST", "/echo", body={"name": "kpi", "target": 3, "label": " ab "})

    assert (result.status, result.body) == (201, {"name": "kpi", "target": 3, "label": "ab"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "request body is required"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"target": 1}, "field 'name' is required"),
        ({"name": 7, "target": 1}, "field 'name' must be a string"),
        ({"name": "n", "target": "1"}, "field 'target' must be a number"),
        ({"name": "n", "target": True}, "field 'target' must be a number"),
        ({"name": "n", "target": 1, "label": "toolong"}, "'label' must be 1 to 5 characters"),
        ({"name": "n", "target": 1, "label": "   "}, "'label' must be 1 to 5 characters"),
    ],
)
def test_bad_bodies_are_400_naming_the_problem(body: Any, message: str) -> None:
    result = call("POST", "/echo", body=body)

    assert result.status == 400
    assert result.body["error"]["code"] == "bad_request"
    assert message in result.body["error"]["message"]


def test_base64_body_is_decoded() -> None:
    event = http_event(TEMPLATE, "POST", "/echo")
    event["body"] = base64.b64encode(b'{"name": "n", "target": 2.5}').decode()
    event["isBase64Encoded"] = True
    event["headers"]["content-type"] = "application/json"  # a body needs it (415 otherwise)

    result = HttpResult.from_response(handler(event, LambdaContext()))

    assert (result.status, result.body["target"]) == (201, 2.5)


def test_decimals_are_json_numbers() -> None:
    assert call("GET", "/numbers").body == {"whole": 42, "part": 2.5, "negative": -100}


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("bad", 400, "bad_request"),
        ("forbidden", 403, "forbidden"),
        ("missing", 404, "not_found"),
        ("conflict", 409, "conflict"),
    ],
)
def test_api_errors_keep_their_status_and_code(kind: str, status: int, code: str) -> None:
    result = call("GET", f"/raise/{kind}")

    assert (result.status, result.body["error"]["code"]) == (status, code)
    assert "www-authenticate" not in result.headers


def test_unknown_route_is_404_in_the_same_shape() -> None:
    result = call("GET", "/nowhere")

    assert result.status == 404
    assert result.body == {"error": {"code": "not_found", "message": "no route for GET /nowhere"}}


def test_wrong_method_is_405_with_allow() -> None:
    result = call("DELETE", "/echo")

    assert result.status == 405
    assert result.headers["allow"] == "POST"
    assert result.body["error"]["code"] == "method_not_allowed"


def test_unexpected_error_is_500_logged_without_body_or_token(token: str) -> None:
    # The Powertools handler keeps the stream it was made with: point it at a buffer.
    (log_handler,) = logging.getLogger("demo").handlers
    assert isinstance(log_handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = log_handler.setStream(buffer)
    try:
        result = call("GET", "/raise/boom", token=token, body={"password": "s3cret-body"})
    finally:
        log_handler.setStream(previous)

    assert result.status == 500
    assert result.body == {"error": {"code": "internal_error", "message": "internal error"}}
    logged = buffer.getvalue()
    assert "RuntimeError" in logged  # the stack trace reaches the log
    assert "/raise/boom" in logged
    assert "s3cret-body" not in logged
    assert token not in logged


def test_app_handler_refuses_a_foreign_app() -> None:
    with pytest.raises(TypeError, match="build_app"):
        app_handler(APIGatewayHttpResolver())


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("large", 413, "payload_too_large"),
        ("media", 415, "unsupported_media_type"),
        ("busy", 429, "too_many_requests"),
    ],
)
def test_front_door_errors_answer_the_shared_shape(kind: str, status: int, code: str) -> None:
    result = call("GET", f"/raise/{kind}")

    assert result.status == status
    assert result.body["error"]["code"] == code


def test_too_many_requests_says_when_to_retry_in_whole_seconds() -> None:
    result = call("GET", "/raise/busy")

    # 2.2 s rounds up: a client retrying after 2 s would be refused again.
    assert result.headers["retry-after"] == "3"
