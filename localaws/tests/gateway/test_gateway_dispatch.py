"""From request to API Gateway's answer, with a hand-made topology and a stand-in registry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from pplocalaws.gateway.discovery import (
    Catalog,
    FunctionConfig,
    HttpApi,
    Integration,
    Topology,
)
from pplocalaws.gateway.dispatch import Gateway
from pplocalaws.gateway.events import HttpResponse, IncomingRequest
from pplocalaws.gateway.routing import Route
from pplocalaws.gateway.workers import (
    Busy,
    Crashed,
    Failed,
    Outcome,
    Returned,
    TimedOut,
    Unavailable,
)

FUNCTION = FunctionConfig(
    name="account-fn",
    arn="arn:aws:lambda:us-east-1:123456789012:function:account-fn",
    handler="app.handler",
    runtime="python3.13",
    environment={},
    timeout_seconds=20,
    memory_mb=512,
    code_sha256="c2hh",
    last_modified="then",
)
PROXY = Integration("int1", "AWS_PROXY", FUNCTION.arn, "2.0", "account-fn", timeout_seconds=5)
ACCOUNT_API = HttpApi(
    api_id="acc111",
    name="account",
    routes=(
        Route.parse("GET /me", "int1"),
        Route.parse("POST /legacy", "int2"),
        Route.parse("POST /http", "int3"),
        Route.parse("GET /dangling", "missing"),
        Route.parse("GET /orphan", None),
    ),
    integrations={
        "int1": PROXY,
        "int2": replace(PROXY, integration_id="int2", payload_format="1.0"),
        "int3": Integration("int3", "HTTP_PROXY", "https://example.com", "1.0", None),
    },
    stages={"$default": {}, "live": {"flag": "on"}},
)
OTHER_API = replace(ACCOUNT_API, api_id="oth222", stages={"$default": {}})
TOPOLOGY = Topology(
    apis={"acc111": ACCOUNT_API, "oth222": OTHER_API},
    domains={
        "api.dev.purposepath.app": {"account": ("acc111", "$default")},
        "api.staging.purposepath.app": {"account": ("oth222", "$default")},
    },
    functions={"account-fn": FUNCTION},
)


@dataclass
class Registry:
    """Records invocations and answers each with ``outcome``."""

    outcome: Outcome = field(default_factory=lambda: Returned({"statusCode": 200, "body": "ok"}))
    calls: list[tuple[FunctionConfig, dict[str, Any], float]] = field(default_factory=list)

    def invoke(
        self,
        function: FunctionConfig,
        event: dict[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        self.calls.append((function, event, timeout))
        return self.outcome


class Reader:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.readings = 0

    def __call__(self) -> Topology:
        self.readings += 1
        return self.topology


def _gateway(
    registry: Registry, topology: Topology = TOPOLOGY, domain: str | None = None
) -> tuple[Gateway, Reader]:
    reader = Reader(topology)
    catalog = Catalog(reader, miss_refresh_interval=0.0)
    return Gateway(catalog, registry, region="us-east-1", default_domain=domain), reader  # type: ignore[arg-type]  # a stand-in registry


def _get(
    gateway: Gateway, path: str, host: str = "127.0.0.1:4567", method: str = "GET"
) -> HttpResponse:
    request = IncomingRequest(method, path, "", (("Host", host),), b"", "127.0.0.1")
    return gateway.handle(request)


def _message(response: HttpResponse) -> str:
    return str(json.loads(response.body)["message"])


def test_the_host_header_picks_the_domain_and_the_mapping_key_is_stripped() -> None:
    registry = Registry()
    gateway, _ = _gateway(registry)

    response = _get(gateway, "/account/me", host="api.staging.purposepath.app")

    assert (response.status, response.body) == (200, b"ok")
    function, event, timeout = registry.calls[0]
    assert function is FUNCTION
    assert event["routeKey"] == "GET /me"
    assert event["rawPath"] == "/account/me"
    assert event["requestContext"]["apiId"] == "oth222"
    assert event["requestContext"]["domainName"] == "api.staging.purposepath.app"
    assert timeout == 5  # the integration's timeout caps the function's 20 s


def test_a_configured_domain_serves_requests_whose_host_names_none() -> None:
    registry = Registry()
    gateway, _ = _gateway(registry, domain="api.staging.purposepath.app")

    _get(gateway, "/account/me")

    assert registry.calls[0][1]["requestContext"]["apiId"] == "oth222"


def test_without_a_named_domain_the_first_by_name_serves() -> None:
    registry = Registry()
    gateway, _ = _gateway(registry)

    _get(gateway, "/account/me")

    assert registry.calls[0][1]["requestContext"]["apiId"] == "acc111"


def test_an_api_is_served_on_its_own_with_its_named_stage() -> None:
    registry = Registry()
    gateway, _ = _gateway(registry)

    _get(gateway, "/_api/acc111/live/me")
    _get(gateway, "/_api/acc111/me")

    named, default = registry.calls[0][1], registry.calls[1][1]
    assert (named["requestContext"]["stage"], named["rawPath"]) == ("live", "/live/me")
    assert named["stageVariables"] == {"flag": "on"}
    assert (default["requestContext"]["stage"], default["rawPath"]) == ("$default", "/me")
    assert default["requestContext"]["domainName"] == "acc111.execute-api.us-east-1.amazonaws.com"


@pytest.mark.parametrize(
    "path",
    ["/nothing", "/account/nothing", "/_api/none/me", "/_api/acc111/live", "/account/orphan"],
)
def test_what_nothing_serves_is_a_404_after_a_fresh_reading(path: str) -> None:
    registry = Registry()
    gateway, reader = _gateway(registry)

    response = _get(gateway, path)

    assert (response.status, _message(response)) == (404, "Not Found")
    assert reader.readings == 2  # the miss re-read the local AWS once
    assert registry.calls == []


def test_a_method_without_a_route_is_a_404() -> None:
    gateway, _ = _gateway(Registry())

    assert _get(gateway, "/account/me", method="DELETE").status == 404


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [
        (Failed("ValueError", "bad"), 502, "Internal Server Error"),
        (Crashed("exited"), 502, "Internal Server Error"),
        (Returned({"statusCode": "bad"}), 502, "Internal Server Error"),
        (TimedOut(5), 503, "Service Unavailable"),
        (Busy(), 503, "Service Unavailable"),
        (Unavailable("runtime dotnet10 cannot run here"), 502, "runtime dotnet10 cannot run here"),
    ],
)
def test_failures_are_answered_as_api_gateway_does(
    outcome: Outcome, status: int, message: str
) -> None:
    gateway, _ = _gateway(Registry(outcome))

    response = _get(gateway, "/account/me")

    assert (response.status, _message(response)) == (status, message)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/account/legacy", "payload format 1.0"),
        ("/account/http", "not a Lambda proxy integration"),
        ("/account/dangling", "has no integration"),
    ],
)
def test_an_integration_the_gateway_cannot_serve_is_a_502_saying_why(
    path: str, reason: str
) -> None:
    registry = Registry()
    gateway, _ = _gateway(registry)

    response = _get(gateway, path, method="POST" if "dangling" not in path else "GET")

    assert response.status == 502
    assert reason in _message(response)
    assert registry.calls == []


def test_a_function_missing_from_the_local_aws_is_a_502_naming_it() -> None:
    gateway, _ = _gateway(Registry(), replace(TOPOLOGY, functions={}))

    response = _get(gateway, "/account/me")

    assert response.status == 502
    assert "account-fn does not exist" in _message(response)
