"""Every request-body rule of ppcommon.json_input, through json_body on a real resolver.

Each refusal must be the 4xx the contract names, in the shared error shape, and never
reach the 500 handler (which would log a stack trace).
"""

from __future__ import annotations

import base64
import io
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ppcommon import json_input
from ppcommon.errors import BadRequest
from ppcommon.http import (
    app_handler,
    build_app,
    json_body,
    optional_json_body,
    require_fields,
)
from pptesting.events import HttpResult, LambdaContext, http_event, load_event

TEMPLATE = load_event(Path(__file__).parent / "events" / "http_api_v2.json")
router = APIGatewayHttpRouter()
received: list[Any] = []


@router.post("/body")
def take_body() -> dict[str, Any]:
    body = json_body(router)
    received.append(body)
    return {"ok": True}


@router.delete("/optional")
def take_optional_body() -> dict[str, Any]:
    received.append(optional_json_body(router))
    return {"ok": True}


@router.post("/defect")
def defect() -> dict[str, Any]:
    raise RuntimeError("a defect, not a client error")


app = build_app("inputs")
app.include_router(router)
handler = app_handler(app)


@pytest.fixture(autouse=True)
def clear_received() -> None:
    received.clear()


def send(
    body: str | None,
    *,
    content_type: str | None = "application/json",
    base64_encoded: bool = False,
    method: str = "POST",
    path: str = "/body",
) -> HttpResult:
    event = http_event(TEMPLATE, method, path)
    event["headers"].pop("content-type", None)
    if content_type is not None:
        event["headers"]["content-type"] = content_type
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = base64_encoded
    return HttpResult.from_response(handler(event, LambdaContext()))


def refused(result: HttpResult, status: int, code: str, *words: str) -> None:
    assert result.status == status, result.body
    assert set(result.body) == {"error"}
    assert result.body["error"]["code"] == code
    for word in words:
        assert word in result.body["error"]["message"]
    assert received == []


@contextmanager
def service_log(service: str) -> Iterator[io.StringIO]:
    """What the service's Powertools logger writes (it keeps the stream it was made with,
    so pytest's capture does not see it): every handler pointed at one buffer."""
    buffer = io.StringIO()
    handlers = [
        h for h in logging.getLogger(service).handlers if isinstance(h, logging.StreamHandler)
    ]
    previous = [handler.setStream(buffer) for handler in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


@pytest.fixture(autouse=True)
def no_unhandled_errors() -> Iterator[None]:
    """No case may reach the 500 handler: it logs "unhandled error" with a stack trace."""
    handler(http_event(TEMPLATE, "GET", "/warm-up"), LambdaContext())  # makes the logger
    with service_log("inputs") as logged:
        yield
    assert "unhandled error" not in logged.getvalue()
    assert "Traceback" not in logged.getvalue()


def test_the_log_capture_sees_an_unhandled_error() -> None:
    # Proves no_unhandled_errors can fail: a defect logs its trace where it looks.
    with service_log("inputs") as logged:
        result = send('{"a": 1}', path="/defect")
    assert result.status == 500
    assert "unhandled error" in logged.getvalue()
    assert "Traceback" in logged.getvalue()


# --- Content-Type (415) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "application/json; charset=utf-8",
        'application/json;charset="UTF-8"',
    ],
)
def test_json_media_type_with_utf8_or_no_charset_is_accepted(content_type: str) -> None:
    assert send('{"a": 1}', content_type=content_type).status == 200
    assert received == [{"a": 1}]


@pytest.mark.parametrize(
    ("content_type", "words"),
    [
        (None, ["no Content-Type"]),
        ("text/plain", ["'text/plain'", "application/json"]),
        ("text/plain;charset=UTF-8", ["'text/plain'"]),
        ("application/x-www-form-urlencoded", ["application/json"]),
        ("multipart/form-data; boundary=x", ["application/json"]),
        ("application/json-patch+json", ["application/json"]),
        ("application/json, text/plain", ["application/json"]),
        ("application/json; charset=latin-1", ["charset 'latin-1'", "UTF-8"]),
        ("application/json; charset=utf-16", ["UTF-8"]),
        ("application/json; charset=utf8", ["UTF-8"]),  # the registered name only
    ],
)
def test_other_media_types_and_charsets_are_415(content_type: str | None, words: list[str]) -> None:
    refused(send('{"a": 1}', content_type=content_type), 415, "unsupported_media_type", *words)


def test_header_name_case_does_not_matter() -> None:
    event = http_event(TEMPLATE, "POST", "/body")
    event["headers"] = {"Content-Type": "application/json"}
    event["body"] = '{"a": 1}'
    assert HttpResult.from_response(handler(event, LambdaContext())).status == 200


def test_missing_body_is_400_before_any_media_type_rule() -> None:
    refused(send(None, content_type=None), 400, "bad_request", "request body is required")
    refused(send("", content_type="text/plain"), 400, "bad_request", "request body is required")


# --- size (413) -----------------------------------------------------------------------


def padded_object(total_bytes: int) -> str:
    filler = total_bytes - len('{"a":""}')
    return '{"a":"' + "x" * filler + '"}'


def test_body_of_exactly_the_cap_is_accepted() -> None:
    body = padded_object(json_input.MAX_BODY_BYTES)
    assert len(body.encode()) == 65536
    assert send(body).status == 200


def test_body_one_byte_over_the_cap_is_413() -> None:
    refused(send(padded_object(65537)), 413, "payload_too_large", "65536 bytes")


def test_cap_counts_utf8_bytes_not_characters() -> None:
    # 40,000 characters of two bytes each: 80,000 bytes.
    body = '{"a":"' + "é" * 40_000 + '"}'
    refused(send(body), 413, "payload_too_large")


def test_oversize_base64_body_is_413_without_decoding_it() -> None:
    body = base64.b64encode(padded_object(65537).encode()).decode()
    refused(send(body, base64_encoded=True), 413, "payload_too_large")
    huge = "A" * 10_000_000
    refused(send(huge, base64_encoded=True), 413, "payload_too_large")


def test_oversize_wrong_media_type_is_415_first() -> None:
    refused(send(padded_object(70_000), content_type="text/plain"), 415, "unsupported_media_type")


# --- bytes (400) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\xff"}',  # never valid in UTF-8
        b'{"a": "\xc3"}',  # truncated sequence
        b'{"a": "\xc0\xaf"}',  # overlong "/"
        b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate (CESU-8), not UTF-8
        b'{"a": "caf\xe9"}',  # Latin-1
    ],
)
def test_bytes_that_are_not_strict_utf8_are_400(raw: bytes) -> None:
    body = base64.b64encode(raw).decode()
    refused(send(body, base64_encoded=True), 400, "bad_request", "not UTF-8")


def test_lone_surrogate_carried_by_the_event_string_is_400() -> None:
    # An event whose body string holds a surrogate code point (Lambda's JSON allows it).
    refused(send('{"a": "\ud800"}'), 400, "bad_request", "not UTF-8")


@pytest.mark.parametrize("body", ["e30", "e30===", "{}!", "e3 0=", "not base64 at all"])
def test_invalid_base64_is_400(body: str) -> None:
    refused(send(body, base64_encoded=True), 400, "bad_request", "base64")


def test_valid_base64_body_is_decoded() -> None:
    body = base64.b64encode('{"a": "ü", "n": 2.5}'.encode()).decode()
    assert send(body, base64_encoded=True).status == 200
    assert received == [{"a": "ü", "n": Decimal("2.5")}]


# --- depth (400) ----------------------------------------------------------------------


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_depth_of_exactly_the_cap_is_accepted() -> None:
    assert send(nested(json_input.MAX_JSON_DEPTH)).status == 200


@pytest.mark.parametrize("depth", [33, 1000])
def test_objects_deeper_than_the_cap_are_400(depth: int) -> None:
    refused(send(nested(depth)), 400, "bad_request", f"{depth} deep", "at most 32")


def test_arrays_nested_100000_deep_are_400_without_recursion() -> None:
    body = '{"a":' + "[" * 32_000 + "]" * 32_000 + "}"
    refused(send(body), 400, "bad_request", "32001 deep")


def test_unbalanced_deep_brackets_are_400() -> None:
    refused(send("[" * 60_000), 400, "bad_request", "deep")


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"a": "[" * 1000, "b": '\\"[{' * 100, "c": [[["x]"]]]})
    assert send(body).status == 200
    assert received[0]["a"] == "[" * 1000


@pytest.mark.parametrize(
    "body",
    [
        '"' + '\\"' * 21_000,  # one unterminated string of escaped quotes
        '\\"' * 30_000,  # escaped quotes and no string at all
        '{"a":"' + "\\" * 60_000,  # a string of backslashes running to the end
        '{"a":[' + ",".join(['"x"'] * 20_000) + "]}",  # many short strings
    ],
)
def test_depth_scan_is_linear_on_quotes_and_escapes(body: str) -> None:
    # A backtracking string pattern took about a minute on the first two (a 64 KiB DoS).
    started = time.perf_counter()
    with suppress(BadRequest):
        json_input.parse_document(body)
    assert time.perf_counter() - started < 2.0


def test_depth_counts_arrays_and_objects_together() -> None:
    refused(send('{"a":' + "[{" * 16 + "}]" * 16 + "}"), 400, "bad_request", "33 deep")


# --- parsing rules (400) --------------------------------------------------------------


def test_invalid_json_is_400_saying_where() -> None:
    refused(send("{not json"), 400, "bad_request", "not valid JSON", "line 1 column 2")


def test_utf8_byte_order_mark_is_400() -> None:
    refused(send("\ufeff{}"), 400, "bad_request", "not valid JSON")


@pytest.mark.parametrize("body", ['{"a": 1, "a": 2}', '{"x": {"a": 1, "b": 2, "a": 1}}'])
def test_duplicate_keys_are_400_naming_the_key(body: str) -> None:
    refused(send(body), 400, "bad_request", "field 'a' appears more than once")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_400_naming_the_field(literal: str) -> None:
    refused(send(f'{{"target": {literal}}}'), 400, "bad_request", "field 'target'", literal)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"password": "abc\\ud800"}', "field 'password'"),
        ('{"email": "\\udfffa@example.com"}', "field 'email'"),
        ('{"topic": {"x": ["ok", "\\udc00"]}}', "field 'topic.x[1]'"),
        ('{"a": "\\ude00\\ud83d"}', "field 'a'"),  # a pair in the wrong order
        ('{"\\ud800": 1}', "a key at the top level"),
        ('{"x": {"\\ud800": 1}}', "a key in field 'x'"),
    ],
)
def test_lone_surrogate_escapes_are_400(body: str, where: str) -> None:
    refused(send(body), 400, "bad_request", where, "surrogate")


def test_a_surrogate_pair_is_one_character_and_accepted() -> None:
    assert send('{"a": "\\ud83d\\ude00"}').status == 200
    assert received == [{"a": "\U0001f600"}]


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null", "true"])
def test_a_body_that_is_not_an_object_is_400(body: str) -> None:
    refused(send(body), 400, "bad_request", "must be a JSON object")


# --- numbers --------------------------------------------------------------------------

LARGEST = "9.9999999999999999999999999999999999999E+125"


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        ("0", 0),
        ("-0", 0),
        ("3", 3),
        ("-17", -17),
        ("2.5", Decimal("2.5")),
        ("0.1", Decimal("0.1")),
        ("1e5", Decimal("1E+5")),
        ("0.0", Decimal(0)),
        ("0e999999999999", Decimal(0)),
        ("1E-130", Decimal("1E-130")),
        ("-1E-130", Decimal("-1E-130")),
        (LARGEST, Decimal(LARGEST)),
        ("12345678901234567890123456789012345678", 12345678901234567890123456789012345678),
        ("1" + "0" * 40, Decimal("1E+40")),
        ("1.50000000000000000000000000000000000000000", Decimal("1.5")),
        ("1" + "0" * 125, Decimal("1E+125")),
    ],
)
def test_numbers_dynamodb_holds_come_back_as_int_or_decimal(literal: str, value: Any) -> None:
    assert send(f'{{"n": {literal}}}').status == 200
    number = received[0]["n"]
    assert number == value
    assert type(number) is type(value)
    assert not isinstance(number, float)


@pytest.mark.parametrize(
    ("literal", "words"),
    [
        ("1e-200", ["outside", "1E-130"]),
        ("1e200", ["outside", "E+125"]),
        ("-1e200", ["outside"]),
        ("1E-131", ["outside"]),
        ("1E+126", ["outside"]),
        ("1" + "0" * 126, ["outside"]),
        ("9" * 39 + "E+87", ["38 significant digits"]),
        ("12345678901234567890123456789012345678901", ["38 significant digits"]),
        ("-12345678901234567890123456789012345678901", ["38 significant digits"]),
        ("1.2345678901234567890123456789012345678E-130", ["stored exactly"]),
        ("1" * 60_000, ["outside"]),
        ("0." + "1" * 60_000, ["38 significant digits"]),
        ("1e99999999999999999999999999", ["outside"]),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_400_naming_the_field(
    literal: str, words: list[str]
) -> None:
    refused(send(f'{{"target": {literal}}}'), 400, "bad_request", "field 'target'", *words)


def test_every_accepted_number_survives_boto3s_dynamodb_serializer() -> None:
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415 - only this test

    literals = [
        "0",
        "-0",
        "0e99999",
        "1E-130",
        LARGEST,
        "1" + "0" * 125,
        "1" + "0" * 40,
        "1.50000000000000000000000000000000000000000",
        "0.1",
        "-2.5e-3",
    ]
    for literal in literals:
        assert send(f'{{"n": {literal}}}').status == 200
    serializer = TypeSerializer()
    for document in received:
        serializer.serialize(document["n"])


def test_nested_number_errors_name_the_path() -> None:
    refused(send('{"kpi": {"points": [1, 1e999]}}'), 400, "bad_request", "field 'kpi.points[1]'")


# --- require_fields with parsed numbers ----------------------------------------------


@pytest.mark.parametrize("value", [3, Decimal("2.5"), 2.5, Decimal("1E+40"), 0])
def test_require_fields_float_accepts_int_decimal_and_float(value: Any) -> None:
    require_fields({"target": value}, {"target": float})


@pytest.mark.parametrize("value", [True, False, "1", [1]])
def test_require_fields_float_refuses_booleans_and_non_numbers(value: Any) -> None:
    with pytest.raises(BadRequest, match="field 'target' must be a number"):
        require_fields({"target": value}, {"target": float})


# --- optional_json_body (DELETE /auth/me) --------------------------------------------


def test_optional_body_absent_is_none() -> None:
    assert send(None, content_type=None, method="DELETE", path="/optional").status == 200
    assert received == [None]


@pytest.mark.parametrize(
    ("body", "base64_encoded"),
    [
        ("{not json", False),
        ("[1]", False),
        (nested(100), False),
        ('{"password": "\\ud800"}', False),
        ('{"a": 1, "a": 2}', False),
        (base64.b64encode(b'{"password": "\xff"}').decode(), True),
        ("!!", True),
    ],
)
def test_optional_body_unusable_is_none(body: str, base64_encoded: bool) -> None:
    result = send(body, base64_encoded=base64_encoded, method="DELETE", path="/optional")
    assert result.status == 200
    assert received == [None]


def test_optional_body_object_is_returned() -> None:
    assert send('{"password": "pw"}', method="DELETE", path="/optional").status == 200
    assert received == [{"password": "pw"}]


def test_optional_body_sent_with_another_media_type_is_415() -> None:
    result = send(
        '{"password": "pw"}', content_type="text/plain", method="DELETE", path="/optional"
    )
    refused(result, 415, "unsupported_media_type")


def test_optional_body_over_the_cap_is_413() -> None:
    result = send(padded_object(65537), method="DELETE", path="/optional")
    refused(result, 413, "payload_too_large")
