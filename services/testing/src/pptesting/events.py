"""API Gateway HTTP API (payload 2.0) events and a Lambda context for in-process tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl


def load_event(path: Path | str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return document


def http_event(
    template: dict[str, Any],
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """``template`` (a fixture event) aimed at ``method path``, as API Gateway sends it.

    ``body``: a ``str`` is sent verbatim (to test invalid JSON), anything else as JSON.
    ``path`` may end in ``?query``: parsed as an HTTP API does (percent-decoded; a repeated
    name's values joined by commas).
    """
    path, _, query = path.partition("?")
    event = copy.deepcopy(template)
    all_headers = {key.lower(): value for key, value in event.get("headers", {}).items()}
    if token is not None:
        all_headers["authorization"] = f"Bearer {token}"
    all_headers.update({key.lower(): value for key, value in (headers or {}).items()})
    event["headers"] = all_headers
    event["rawPath"] = path
    event["routeKey"] = route_key or event.get("routeKey") or "$default"
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["isBase64Encoded"] = False
    if query:
        parameters: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
        event["rawQueryString"] = query
        event["queryStringParameters"] = parameters
    if body is None:
        event.pop("body", None)
    else:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
        event["headers"].setdefault("content-type", "application/json")
    return event


@dataclass
class LambdaContext:
    """The attributes Powertools' Logger reads from a Lambda context."""

    function_name: str = "purposepath-test-api-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:purposepath-test-api-test"
    )
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> HttpResult:
        raw = response.get("body") or ""
        headers = {key.lower(): value for key, value in (response.get("headers") or {}).items()}
        return cls(response["statusCode"], headers, json.loads(raw) if raw else None)


class ApiClient:
    """Calls a Lambda handler in-process the way API Gateway would."""

    def __init__(
        self,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        template: dict[str, Any],
    ) -> None:
        self._handler = handler
        self._template = template

    def __call__(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        event = http_event(self._template, method, path, token=token, body=body, headers=headers)
        return HttpResult.from_response(self._handler(event, LambdaContext()))
