"""API errors and the handlers that turn every failure into one JSON error shape.

Body of every error response: ``{"error": {"code": "...", "message": "..."}}``. A route
raises an ``ApiError`` subclass; anything else is a defect and answers 500 with a fixed
message (the stack trace goes to the log, the request body and headers never do).
"""

from __future__ import annotations

import json
import logging
import math
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.exceptions import ServiceError

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver


class ApiError(Exception):
    """An error the client caused or must know about, answered with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class BadRequest(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(400, "bad_request", message)


class Unauthorized(ApiError):
    def __init__(self, message: str = "a valid Bearer access token is required") -> None:
        super().__init__(401, "unauthorized", message)


class Forbidden(ApiError):
    def __init__(self, message: str = "not allowed") -> None:
        super().__init__(403, "forbidden", message)


class NotFound(ApiError):
    def __init__(self, message: str = "not found") -> None:
        super().__init__(404, "not_found", message)


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, "conflict", message)


class PayloadTooLarge(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(413, "payload_too_large", message)


class UnsupportedMediaType(ApiError):
    def __init__(self, message: str = "send the body as Content-Type: application/json") -> None:
        super().__init__(415, "unsupported_media_type", message)


class TooManyRequests(ApiError):
    """429 with ``Retry-After`` (whole seconds, at least 1): when the client may try again."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(429, "too_many_requests", message)
        self.retry_after = max(1, math.ceil(retry_after_seconds))


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps({"error": {"code": code, "message": message}}, separators=(",", ":")),
        headers=headers,
    )


def _allowed_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    """Methods that some route serves at ``path`` (for 405 + Allow)."""
    # Powertools exposes no public route table; it keeps routes in these lists. When a
    # future version renames them, this degrades to a plain 404, never to a crash.
    routes = [*getattr(app, "_static_routes", []), *getattr(app, "_dynamic_routes", [])]
    return sorted({route.method for route in routes if route.rule.match(path)})


def install_error_handlers(
    app: APIGatewayHttpResolver, logger: Logger | logging.Logger | None = None
) -> None:
    """Register handlers so every error answers in the one JSON shape."""
    log = logger or logging.getLogger("ppcommon")

    def _api_error(error: ApiError) -> Response[Any]:
        headers: dict[str, str] | None = None
        if error.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        elif isinstance(error, TooManyRequests):
            headers = {"Retry-After": str(error.retry_after)}
        return error_response(error.status, error.code, error.message, headers)

    def _no_route(_: RouteNotFound) -> Response[Any]:
        event = app.current_event
        # The same prefix stripping the router applied before it found no route.
        allowed = _allowed_methods(app, app._remove_prefix(event.path))
        if allowed:
            return error_response(
                405,
                "method_not_allowed",
                f"{event.http_method} is not allowed here; use {', '.join(allowed)}",
                {"Allow": ", ".join(allowed)},
            )
        return error_response(404, "not_found", f"no route for {event.http_method} {event.path}")

    def _invalid_json(_: json.JSONDecodeError) -> Response[Any]:
        return error_response(400, "bad_request", "request body is not valid JSON")

    def _powertools_error(error: ServiceError) -> Response[Any]:
        status = int(error.status_code)
        code = HTTPStatus(status).phrase.lower().replace(" ", "_")
        return error_response(status, code, str(error.msg))

    def _unexpected(error: Exception) -> Response[Any]:
        event = app.current_event
        # Method and route only: the body and headers may carry passwords and tokens.
        log.exception(
            "unhandled error",
            extra={
                "method": event.http_method,
                "path": event.path,
                "error_type": type(error).__name__,
            },
        )
        return error_response(500, "internal_error", "internal error")

    # Registered by call, not as decorators: Powertools' decorators are untyped.
    app.exception_handler(ApiError)(_api_error)
    app.not_found(_no_route)
    app.exception_handler(json.JSONDecodeError)(_invalid_json)
    app.exception_handler(ServiceError)(_powertools_error)
    app.exception_handler(Exception)(_unexpected)
