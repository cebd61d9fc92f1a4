"""API Gateway v2 payload format 2.0: the event a request becomes, and the HTTP response
a function's result becomes ("Working with AWS Lambda proxy integrations for HTTP APIs").

Request rules kept here: header names are lower-cased and repeated headers joined with
commas; the Cookie header leaves ``headers`` and becomes the ``cookies`` list; repeated
query parameters are joined with commas in ``queryStringParameters`` (``rawQueryString``
keeps them as sent); a body whose media type is not text is base64-encoded (HTTP APIs do
this even for form posts); empty parts (body, cookies, query, path parameters) are left
out, as API Gateway leaves them out. ``rawPath`` is the path as the client sent it: on a
custom domain it still starts with the mapping key (API Gateway strips the key for route
selection only, which is why Powertools' resolvers take ``strip_prefixes``).

Response rules: a result carrying ``statusCode`` is a structured response (headers,
``cookies`` -> one Set-Cookie each, body, ``isBase64Encoded``); any other JSON result
(a dict without ``statusCode``, a string, a list, a number) is a 200 whose body is the
result (a string as it is, anything else JSON-serialised) with content-type
application/json. A structured response API Gateway could not use is a
:class:`MalformedResponse`, which the server answers with 502 as API Gateway does.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

LOCAL_ACCOUNT_ID = "123456789012"

_TEXT_MEDIA_SUFFIXES = ("+json", "+xml")
_TEXT_MEDIA_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/graphql",
    }
)
# Headers the gateway frames itself; a handler's value for them would corrupt the response.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


@dataclass(frozen=True)
class IncomingRequest:
    """An HTTP request as the gateway received it (headers in order, repeats kept)."""

    method: str
    raw_path: str
    raw_query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class RouteContext:
    """Where routing sent the request: the API, its stage, the route and its parameters."""

    api_id: str
    stage: str
    route_key: str
    domain_name: str
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    # The path on the API's own endpoint when it differs from the one requested here
    # (``/_api/{apiId}/x`` is ``/x`` on the execute-api URL); None: the requested path.
    raw_path: str | None = None


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class MalformedResponse(ValueError):
    """The function answered with something API Gateway cannot turn into HTTP."""


def is_text_media_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return (
        media_type.startswith("text/")
        or media_type in _TEXT_MEDIA_TYPES
        or media_type.endswith(_TEXT_MEDIA_SUFFIXES)
    )


def _joined_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        joined[lowered] = f"{joined[lowered]},{value}" if lowered in joined else value
    return joined, cookies


def _query_parameters(raw_query: str) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(raw_query, keep_blank_values=True):
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def _request_time(epoch_seconds: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch_seconds))


def build_event(
    request: IncomingRequest,
    route: RouteContext,
    *,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway sends the function for ``request``."""
    epoch = time.time() if now is None else now
    headers, cookies = _joined_headers(request.headers)
    host = route.domain_name
    headers.setdefault("host", host)
    headers.setdefault("x-forwarded-for", request.source_ip)
    headers.setdefault("x-forwarded-proto", "http")
    request_id = request_id or uuid.uuid4().hex
    raw_path = request.raw_path if route.raw_path is None else route.raw_path
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": route.api_id,
            "domainName": host,
            "domainPrefix": host.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": route.stage,
            "time": _request_time(epoch),
            "timeEpoch": int(epoch * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    query = _query_parameters(request.raw_query)
    if query:
        event["queryStringParameters"] = query
    if route.path_parameters:
        event["pathParameters"] = dict(route.path_parameters)
    if route.stage_variables:
        event["stageVariables"] = dict(route.stage_variables)
    if request.body:
        if is_text_media_type(headers.get("content-type")):
            # Declared text but not UTF-8: sent base64-encoded below, as binary is.
            with contextlib.suppress(UnicodeDecodeError):
                event["body"] = request.body.decode("utf-8")
        if "body" not in event:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def _header_value(name: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise MalformedResponse(f"header {name!r} has a {type(value).__name__} value")


def _structured(result: Mapping[str, Any]) -> HttpResponse:
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status code")
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, Mapping):
        raise MalformedResponse("headers is not an object")
    headers = [
        (str(name), _header_value(str(name), value))
        for name, value in raw_headers.items()
        if str(name).lower() not in _HOP_BY_HOP
    ]
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResponse("cookies is not a list of strings")
    headers.extend(("Set-Cookie", cookie) for cookie in cookies)
    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise MalformedResponse(f"body is a {type(body).__name__}, not a string")
    elif result.get("isBase64Encoded") is True:
        try:
            payload = base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise MalformedResponse("isBase64Encoded is true but body is not base64") from error
    else:
        payload = body.encode("utf-8")
    return HttpResponse(status, tuple(headers), payload)


def function_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's (JSON-decoded) result."""
    if isinstance(result, Mapping) and "statusCode" in result:
        return _structured(result)
    body = result if isinstance(result, str) else json.dumps(result)
    return HttpResponse(200, (("Content-Type", "application/json"),), body.encode("utf-8"))


def error_response(status: int, message: str) -> HttpResponse:
    """API Gateway's own JSON error body, ``{"message": ...}``."""
    body = json.dumps({"message": message}).encode("utf-8")
    return HttpResponse(status, (("Content-Type", "application/json"),), body)


NOT_FOUND = error_response(404, "Not Found")
INTERNAL_SERVER_ERROR = error_response(502, "Internal Server Error")
SERVICE_UNAVAILABLE = error_response(503, "Service Unavailable")
