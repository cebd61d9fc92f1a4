"""Request helpers and the resolver factory every Python service builds its app with."""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ppcommon import json_input, revocations
from ppcommon.errors import BadRequest, Unauthorized, install_error_handlers
from ppcommon.jwt import Claims, verify_access_token
from ppcommon.observability import Handler, logger
from ppcommon.observability import app_handler as _service_handler

# Python types a field spec may name, with the JSON word used in error messages.
_TYPE_WORDS: Mapping[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "an array",
}


if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2


class HttpRequestSource(Protocol):
    """The app or any of its routers: whatever holds the current HTTP API event."""

    @property
    def current_event(self) -> APIGatewayProxyEventV2: ...


# The service each app was built for, so the handler needs no second argument.
_services: weakref.WeakKeyDictionary[APIGatewayHttpResolver, str] = weakref.WeakKeyDictionary()


def _json_default(value: object) -> object:
    # DynamoDB returns every number as Decimal: answer JSON numbers, not strings.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), default=_json_default)


def build_app(service: str) -> APIGatewayHttpResolver:
    """An HTTP API (payload 2.0) resolver with the JSON error handlers installed.

    Through the custom domain the path arrives with the mapping key in front
    (``/coaching/sessions``); it is stripped so routes are written once.
    """
    app = APIGatewayHttpResolver(serializer=to_json, strip_prefixes=[f"/{service}"])
    install_error_handlers(app, logger(service))
    _services[app] = service
    return app


def app_handler(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda entry point of a ``build_app`` app: ``lambda_handler = app_handler(app)``."""
    service = _services.get(app)
    if service is None:
        raise TypeError("app_handler needs an app made by ppcommon.http.build_app")
    return _service_handler(app, service)


def service_app(
    service: str, *routers: APIGatewayHttpRouter
) -> tuple[APIGatewayHttpResolver, Handler]:
    """A service's whole app and its Lambda handler: ``routers`` plus ``GET /health``.

    Every Python service's ``app.py`` is this one call, so their entry points cannot drift::

        app, lambda_handler = service_app("coaching", routes.router)

    ``/health`` answers without touching AWS, so it proves the function runs; the
    ``runtime`` field tells the Python and .NET account runtimes apart.
    """
    app = build_app(service)
    for router in routers:
        app.include_router(router)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "service": service, "runtime": "python"}

    return app, app_handler(app)


def json_body(app: HttpRequestSource) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx saying what is wrong with it.

    The only way a route reads a body. The rules (``ppcommon.json_input``): 415 without
    ``Content-Type: application/json``, 413 over ``MAX_BODY_BYTES``, 400 for bytes that are
    not UTF-8, nesting deeper than ``MAX_JSON_DEPTH``, duplicate keys, ``NaN``/``Infinity``,
    lone surrogates and numbers DynamoDB cannot hold. Numbers are ``int`` or ``Decimal``.
    """
    event = app.current_event
    body = event.get("body")
    if not body:
        raise BadRequest("request body is required: send a JSON object")
    json_input.check_content_type(event.headers)
    raw = json_input.body_bytes(body, base64_encoded=bool(event.get("isBase64Encoded")))
    document = json_input.parse_document(json_input.body_text(raw))
    if not isinstance(document, dict):
        raise BadRequest("request body must be a JSON object")
    return document


def optional_json_body(app: HttpRequestSource) -> dict[str, Any] | None:
    """The body as a JSON object, or None when there is none or it is not a usable one.

    For routes where a missing body must look like a wrong one (``DELETE /auth/me``: no
    password and a wrong password both answer 401). A body that is sent still needs
    ``Content-Type: application/json`` (415) and must fit ``MAX_BODY_BYTES`` (413); any
    other defect (not UTF-8, not JSON, too deep, a refused value, not an object) is None.
    """
    event = app.current_event
    body = event.get("body")
    if not body:
        return None
    json_input.check_content_type(event.headers)
    try:
        raw = json_input.body_bytes(body, base64_encoded=bool(event.get("isBase64Encoded")))
        document = json_input.parse_document(json_input.body_text(raw))
    except BadRequest:
        return None
    return document if isinstance(document, dict) else None


def _matches(value: object, expected: type) -> bool:
    if isinstance(value, bool):
        return expected is bool
    if expected is float:
        # json_body gives numbers as int or Decimal; float stays for callers' own dicts.
        return isinstance(value, int | Decimal | float)
    return isinstance(value, expected)


def require_fields(body: Mapping[str, Any], spec: Mapping[str, type]) -> None:
    """400 naming the first field of ``spec`` that is missing or of the wrong JSON type.

    ``float`` accepts any JSON number (``int``, ``Decimal``, ``float``); booleans never
    count as numbers.
    """
    for name, expected in spec.items():
        if body.get(name) is None:
            raise BadRequest(f"field {name!r} is required")
        if not _matches(body[name], expected):
            word = _TYPE_WORDS.get(expected, expected.__name__)
            raise BadRequest(f"field {name!r} must be {word}")


@overload
def require_text(
    body: Mapping[str, Any],
    name: str,
    *,
    max_length: int,
    min_length: int = 1,
    required: Literal[True] = True,
) -> str: ...


@overload
def require_text(
    body: Mapping[str, Any],
    name: str,
    *,
    max_length: int,
    min_length: int = 1,
    required: bool,
) -> str | None: ...


def require_text(
    body: Mapping[str, Any],
    name: str,
    *,
    max_length: int,
    min_length: int = 1,
    required: bool = True,
) -> str | None:
    """Field ``name`` as stripped text of ``min_length..max_length`` characters (400 if not)."""
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequest(f"field {name!r} is required")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"field {name!r} must be a string")
    text = value.strip()
    if not min_length <= len(text) <= max_length:
        raise BadRequest(f"field {name!r} must be {min_length} to {max_length} characters long")
    return text


def bearer_claims(app: HttpRequestSource) -> Claims:
    """The verified, unrevoked access-token claims of the request.

    401 when the token is absent, invalid or revoked; 503 ``session_store_unavailable``
    for a write method when the revocation store cannot answer (``ppcommon.revocations``).
    """
    header = app.current_event.headers.get("authorization")  # case-insensitive in v3
    if not header:
        raise Unauthorized("Authorization header is missing: send 'Bearer <access token>'")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <access token>'")
    claims = verify_access_token(token.strip())
    revocations.check(claims, method=app.current_event.http_method)
    return claims
