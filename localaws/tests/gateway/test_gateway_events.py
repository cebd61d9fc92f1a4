"""Payload format 2.0: the event built from a request and the response built from a result."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pplocalaws.gateway.events import (
    IncomingRequest,
    MalformedResponse,
    RouteContext,
    build_event,
    function_response,
    is_text_media_type,
)

ROUTE = RouteContext(
    api_id="abc123",
    stage="$default",
    route_key="POST /items/{id}",
    domain_name="api.dev.purposepath.app",
    path_parameters={"id": "7"},
)


def _request(
    body: bytes = b"", headers: tuple[tuple[str, str], ...] = (), query: str = ""
) -> IncomingRequest:
    return IncomingRequest(
        method="POST",
        raw_path="/account/items/7",
        raw_query=query,
        headers=(("Host", "127.0.0.1:4567"), *headers),
        body=body,
        source_ip="127.0.0.1",
    )


def test_the_event_carries_route_path_and_request_context() -> None:
    event = build_event(_request(), ROUTE, request_id="req-1", now=1_700_000_000.5)

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /items/{id}"
    assert event["rawPath"] == "/account/items/7"  # the mapping key stays, as on AWS
    assert event["pathParameters"] == {"id": "7"}
    context = event["requestContext"]
    assert context["routeKey"] == event["routeKey"]
    assert context["apiId"] == "abc123"
    assert context["stage"] == "$default"
    assert context["domainName"] == "api.dev.purposepath.app"
    assert context["domainPrefix"] == "api"
    assert context["requestId"] == "req-1"
    assert context["timeEpoch"] == 1_700_000_000_500
    assert context["time"] == "14/Nov/2023:22:13:20 +0000"
    assert context["http"] == {
        "method": "POST",
        "path": "/account/items/7",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "",
    }


def test_headers_are_lower_cased_and_repeats_joined_and_cookies_split_out() -> None:
    headers = (("X-Tag", "a"), ("x-tag", "b"), ("Cookie", "a=1; b=2"), ("Cookie", "c=3"))

    event = build_event(_request(headers=headers), ROUTE)

    assert event["headers"]["x-tag"] == "a,b"
    assert event["headers"]["host"] == "127.0.0.1:4567"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2", "c=3"]


def test_query_parameters_join_repeats_and_keep_the_raw_string() -> None:
    event = build_event(_request(query="a=1&a=2&b=&c=x%20y"), ROUTE)

    assert event["rawQueryString"] == "a=1&a=2&b=&c=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "", "c": "x y"}


def test_empty_parts_are_left_out() -> None:
    event = build_event(_request(), RouteContext("a", "$default", "$default", "d"))

    for absent in ("body", "cookies", "queryStringParameters", "pathParameters", "stageVariables"):
        assert absent not in event
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize(
    "content_type", ["application/json", "text/plain; charset=utf-8", "application/hal+json"]
)
def test_a_text_body_is_sent_as_text(content_type: str) -> None:
    event = build_event(_request(b'{"a": "\xc3\xa9"}', (("Content-Type", content_type),)), ROUTE)

    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"a": "é"}'


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", bytes(range(256))),
        ("application/x-www-form-urlencoded", b"a=1&b=2"),  # HTTP APIs encode forms too
        (None, b"no content type"),
        ("text/plain", b"\xff\xfe not utf-8"),
    ],
)
def test_any_other_body_is_base64_encoded(content_type: str | None, body: bytes) -> None:
    headers = (("Content-Type", content_type),) if content_type else ()

    event = build_event(_request(body, headers), ROUTE)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_text_media_types() -> None:
    assert is_text_media_type("TEXT/HTML")
    assert is_text_media_type("application/problem+xml")
    assert not is_text_media_type("image/png")
    assert not is_text_media_type(None)


def test_a_structured_result_becomes_exactly_that_response() -> None:
    response = function_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-Multi": "a,b", "X-Num": 2, "X-B": True},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "created",
        }
    )

    assert response.status == 201
    assert response.headers == (
        ("Content-Type", "text/plain"),
        ("X-Multi", "a,b"),
        ("X-Num", "2"),
        ("X-B", "true"),
        ("Set-Cookie", "a=1; Path=/"),
        ("Set-Cookie", "b=2"),
    )
    assert response.body == b"created"


def test_a_base64_result_body_is_decoded() -> None:
    data = bytes(range(256))
    response = function_response(
        {"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(data).decode()}
    )

    assert response.body == data


def test_framing_headers_of_the_handler_are_dropped() -> None:
    response = function_response(
        {"statusCode": 200, "headers": {"Content-Length": "999", "X-Kept": "1"}, "body": "ok"}
    )

    assert response.headers == (("X-Kept", "1"),)


def test_no_body_is_an_empty_body() -> None:
    assert function_response({"statusCode": 204}).body == b""


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "hi"}, {"message": "hi"}),
        ([1, 2], [1, 2]),
        (42, 42),
        (None, None),
    ],
)
def test_a_result_without_status_code_is_a_json_200(result: Any, body: Any) -> None:
    response = function_response(result)

    assert response.status == 200
    assert response.headers == (("Content-Type", "application/json"),)
    assert json.loads(response.body) == body


def test_a_string_result_is_the_body_as_it_is() -> None:
    assert function_response("Hello from Lambda!").body == b"Hello from Lambda!"


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200"},
        {"statusCode": True},
        {"statusCode": 99},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "headers": {"x": {"nested": 1}}},
        {"statusCode": 200, "cookies": "a=1"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "isBase64Encoded": True, "body": "not base64!"},
    ],
)
def test_a_malformed_structured_result_is_refused(result: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponse):
        function_response(result)
