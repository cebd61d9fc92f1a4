"""Request bodies as the services accept them: the rules checked before and while parsing.

Every rule answers a 4xx in the shared error shape (``ppcommon.errors``) before a body can
reach a route, so nothing a client sends can make parsing raise ``RecursionError``,
``UnicodeDecodeError`` or a float DynamoDB cannot store (each of those used to answer 500).

Before parsing, in this order:

- a body without ``Content-Type: application/json`` -> 415 (parameters are allowed; a
  ``charset`` other than UTF-8 is 415: RFC 8259 section 8.1 says JSON exchanged between
  systems is UTF-8);
- more than ``MAX_BODY_BYTES`` bytes (after base64 decoding) -> 413;
- bytes that are not strict UTF-8, or a base64 body that is not base64 -> 400;
- containers nested deeper than ``MAX_JSON_DEPTH`` -> 400 (counted by a loop over the
  brackets outside strings, so ``json.loads`` never recurses that deep).

While parsing: duplicate keys, ``NaN``/``Infinity``, lone surrogates (``"\\ud800"``) in keys
or values, and numbers DynamoDB cannot hold exactly -> 400, naming the field when there is
one. Numbers come back as ``int`` or ``Decimal``, never ``float``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import deque
from collections.abc import Mapping
from decimal import (
    Clamped,
    Context,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Underflow,
)
from itertools import accumulate
from typing import Any

from ppcommon.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 65536
MAX_JSON_DEPTH = 32

# "Supported data types and naming rules in Amazon DynamoDB", section "Number": up to 38
# digits of precision; positive range 1E-130 to 9.9999999999999999999999999999999999999E+125,
# negative the same, or 0.
MAX_SIGNIFICANT_DIGITS = 38
MIN_ADJUSTED_EXPONENT = -130
MAX_ADJUSTED_EXPONENT = 125
# boto3 sends every number through ``boto3.dynamodb.types.DYNAMODB_CONTEXT`` (these
# settings, these traps) and raises client-side for a number it would round; a number
# must also pass it, or the write would fail inside the route (a 500).
_STORE_CONTEXT = Context(
    Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow]
)

# A JSON string token: a quote, runs of plain characters and escapes, the closing quote
# or the end of the text. Possessive and always matching once it starts, so the scan is
# linear: a backtracking pattern that could fail takes minutes on 64 KiB of '\\"'.
_STRING_TOKEN = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"?')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_MEDIA_TYPE = "application/json"


class _RefusedNumber:
    """A number literal the parser met that no route may receive: why, for the message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def check_content_type(headers: Mapping[str, str]) -> None:
    """415 unless ``Content-Type`` is ``application/json`` with no charset but UTF-8."""
    header = headers.get("content-type")
    if not header:
        raise UnsupportedMediaType(
            "request has a body but no Content-Type: send it as Content-Type: application/json"
        )
    media_type, *parameters = header.split(";")
    if media_type.strip().lower() != _MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"Content-Type {media_type.strip()[:64]!r} is not accepted: "
            "send the body as Content-Type: application/json"
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise UnsupportedMediaType(
                f"charset {value.strip()[:32]!r} is not accepted: send the JSON body as UTF-8"
            )


def body_bytes(body: str, *, base64_encoded: bool) -> bytes:
    """The body's bytes as the client sent them; 413 over ``MAX_BODY_BYTES``, 400 for bad
    base64. API Gateway base64-encodes bodies it does not treat as text."""
    if base64_encoded:
        # 4 characters carry 3 bytes: anything longer decodes to more than the cap.
        if len(body) > 4 * -(-MAX_BODY_BYTES // 3):
            raise _too_large()
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("request body is marked base64-encoded but is not base64") from None
    else:
        if len(body) > MAX_BODY_BYTES:  # every character is at least one byte
            raise _too_large()
        # surrogatepass: a lone surrogate the event carried becomes bytes that the strict
        # decode in body_text refuses, instead of an exception here.
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large()
    return raw


def body_text(raw: bytes) -> str:
    """``raw`` decoded as strict UTF-8 (400 otherwise)."""
    try:
        return raw.decode("utf-8", "strict")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"request body is not UTF-8 (invalid byte at offset {error.start}): "
            "send JSON encoded as UTF-8"
        ) from None


def check_depth(text: str) -> None:
    """400 when arrays/objects nest deeper than ``MAX_JSON_DEPTH``, without recursion.

    Strings are cut out first so brackets inside them do not count. On text that is not
    JSON the count may be off; such text is refused by the parser anyway.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING_TOKEN.sub("", text))
    depth = max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
    if depth > MAX_JSON_DEPTH:
        raise BadRequest(
            f"request body nests arrays/objects {depth} deep; at most {MAX_JSON_DEPTH} allowed"
        )


def parse_document(text: str) -> Any:
    """``text`` parsed as JSON under every rule above (depth already checked or not)."""
    check_depth(text)
    refused: list[_RefusedNumber] = []

    def noted(number: Any) -> Any:
        if isinstance(number, _RefusedNumber):
            refused.append(number)
        return number

    try:
        document = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_int=lambda literal: (
                int(literal) if len(literal) <= MAX_SIGNIFICANT_DIGITS else noted(_integer(literal))
            ),
            parse_float=lambda literal: noted(_decimal(literal)),
            parse_constant=lambda literal: noted(_constant(literal)),
        )
    except BadRequest:
        raise
    except ValueError as error:  # JSONDecodeError and any other parser complaint
        raise BadRequest(f"request body is not valid JSON: {error}") from None
    # The walk that names the field costs as much as the parse: only when it will find
    # something (strict UTF-8 text holds a surrogate only as a \uD800-\uDFFF escape).
    if refused or _SURROGATE_ESCAPE.search(text):
        _check_values(document)
    return document


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(f"request body is over {MAX_BODY_BYTES} bytes; send a smaller one")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise BadRequest(f"field {_name(key)!r} appears more than once in one object")
            seen.add(key)
    return document


def _constant(literal: str) -> _RefusedNumber:
    # Worded as the routes worded it when they checked floats themselves.
    return _RefusedNumber(f"must be a finite number: {literal} is not a JSON number")


def _integer(literal: str) -> int | Decimal | _RefusedNumber:
    if len(literal) <= MAX_SIGNIFICANT_DIGITS:  # the common case: always storable
        return int(literal)
    digits = literal.lstrip("-")
    # Checked on the text first: int() of a 60,000-digit literal is slow and refused by
    # Python's int/str conversion limit (a ValueError, not a message naming the field).
    if len(digits) > MAX_ADJUSTED_EXPONENT + 1:
        return _RefusedNumber(_range_reason())
    if len(digits.rstrip("0")) > MAX_SIGNIFICANT_DIGITS:
        return _RefusedNumber(_digits_reason())
    if len(digits) > MAX_SIGNIFICANT_DIGITS:
        # Trailing zeros beyond 38 digits: the same value with an exponent, which is how
        # DynamoDB (and boto3's context) can hold it exactly.
        return _storable(Decimal(literal).normalize(_exact_context(len(digits))))
    return int(literal)


def _decimal(literal: str) -> Decimal | _RefusedNumber:
    if len(literal) <= MAX_SIGNIFICANT_DIGITS and "e" not in literal and "E" not in literal:
        # The common case: under 38 digits and no exponent is always storable.
        value = Decimal(literal)
        return Decimal(0) if value.is_zero() else value  # -0.0 and 0.000 are 0 in the store
    return _checked_decimal(literal)


def _checked_decimal(literal: str) -> Decimal | _RefusedNumber:
    try:
        value = Decimal(literal)
    except (InvalidOperation, ValueError, OverflowError):
        return _RefusedNumber(_range_reason())
    if value.is_zero():
        return Decimal(0)  # 0E+999999 is zero; boto3's context would clamp its exponent
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN/Infinity: the JSON grammar sends none here
        return _RefusedNumber(_range_reason())
    significant = len(digits)
    while significant > 1 and digits[significant - 1] == 0:
        significant -= 1
    if significant > MAX_SIGNIFICANT_DIGITS:
        return _RefusedNumber(_digits_reason())
    if not MIN_ADJUSTED_EXPONENT <= value.adjusted() <= MAX_ADJUSTED_EXPONENT:
        return _RefusedNumber(_range_reason())
    if significant < len(digits):
        value = Decimal((sign, digits[:significant], exponent + len(digits) - significant))
    return _storable(value)


def _storable(value: Decimal) -> Decimal | _RefusedNumber:
    try:
        _STORE_CONTEXT.create_decimal(value)
    except DecimalException:
        return _RefusedNumber("cannot be stored exactly as a DynamoDB number")
    return value


def _exact_context(digits: int) -> Context:
    return Context(prec=digits, traps=[Inexact, Rounded])


def _digits_reason() -> str:
    return f"has more than {MAX_SIGNIFICANT_DIGITS} significant digits (DynamoDB's precision)"


def _range_reason() -> str:
    return (
        "is outside the numbers DynamoDB can hold: "
        "magnitude 1E-130 to 9.9999999999999999999999999999999999999E+125, or 0"
    )


def _check_values(document: Any) -> None:
    """Walk the parsed document (iteratively) for refused numbers and lone surrogates."""
    # Breadth first, so the message names the outermost offending field.
    pending: deque[tuple[Any, str]] = deque([(document, "")])
    while pending:
        value, path = pending.popleft()
        if isinstance(value, dict):
            for key, item in value.items():
                if _LONE_SURROGATE.search(key):
                    where = f"in field {path!r}" if path else "at the top level"
                    raise BadRequest(
                        f"a key {where} holds a lone UTF-16 surrogate (\\ud800-\\udfff)"
                    )
                pending.append((item, f"{path}.{_name(key)}" if path else _name(key)))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise BadRequest(
                    f"{_subject(path)} holds a lone UTF-16 surrogate (\\ud800-\\udfff); "
                    "send text as valid Unicode"
                )
        elif isinstance(value, _RefusedNumber):
            raise BadRequest(f"{_subject(path)} {value.reason}")


def _name(key: str) -> str:
    # Messages stay short and printable whatever the key holds.
    return _LONE_SURROGATE.sub("?", key[:64])


def _subject(path: str) -> str:
    return f"field {path!r}" if path else "the request body"
