"""The gateway's front door: Hosts it does not serve (DNS rebinding) get 421, foreign
Origins 403, before any function runs; loopback names, served domains and same-origin or
CORS-allowed Origins pass. In-process and through the gateway's HTTP server."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from pplocalaws.gateway import front_door
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
from pplocalaws.gateway.server import GatewayHttpServer
from pplocalaws.gateway.workers import Outcome, Returned

DOMAIN = "api.dev.purposepath.app"
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
ACCOUNT_API = HttpApi(
    api_id="acc111",
    name="account",
    routes=(Route.parse("GET /me", "int1"),),
    integrations={"int1": Integration("int1", "AWS_PROXY", FUNCTION.arn, "2.0", "account-fn")},
    stages={"$default": {}},
)
TOPOLOGY = Topology(
    apis={"acc111": ACCOUNT_API},
    domains={DOMAIN: {"account": ("acc111", "$default")}},
    functions={"account-fn": FUNCTION},
)


@dataclass
class Registry:
    """Records invocations and answers each with 200."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def invoke(
        self,
        function: FunctionConfig,
        event: dict[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        self.calls.append(event)
        return Returned({"statusCode": 200, "body": "{}"})

    def pool_sizes(self) -> dict[str, int]:
        return {}


class Reader:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology

    def __call__(self) -> Topology:
        return self.topology


def _gateway(topology: Topology = TOPOLOGY, domain: str | None = None) -> tuple[Gateway, Registry]:
    registry = Registry()
    catalog = Catalog(Reader(topology), miss_refresh_interval=0.0)
    gateway = Gateway(catalog, registry, region="us-east-1", default_domain=domain)  # type: ignore[arg-type]  # a stand-in registry
    return gateway, registry


def _call(gateway: Gateway, path: str, *headers: tuple[str, str]) -> HttpResponse:
    return gateway.handle(IncomingRequest("GET", path, "", headers, b"", "127.0.0.1"))


def _error(response: HttpResponse) -> dict[str, str]:
    found: dict[str, str] = json.loads(response.body)["error"]
    return found


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:4567", "127.0.0.1:4567", "[::1]:4567", "LOCALHOST:1"]
)
def test_loopback_hosts_are_served(host: str) -> None:
    gateway, registry = _gateway()
    assert _call(gateway, "/_api/acc111/me", ("Host", host)).status == 200
    assert len(registry.calls) == 1


def test_a_served_custom_domain_is_served() -> None:
    gateway, _ = _gateway()
    assert _call(gateway, "/account/me", ("Host", f"{DOMAIN}:443")).status == 200


def test_the_configured_domain_is_served_before_it_is_deployed() -> None:
    gateway, _ = _gateway(Topology(), domain="api.local.purposepath.app")
    response = _call(gateway, "/account/me", ("Host", "api.local.purposepath.app"))
    assert response.status == 404  # served (nothing deployed there yet), not misdirected


@pytest.mark.parametrize(
    "host", ["attacker.example", "attacker.example:4567", "127.0.0.1.nip.io", "10.0.0.5", ""]
)
def test_a_rebinding_host_is_misdirected_and_runs_nothing(host: str) -> None:
    gateway, registry = _gateway()

    response = _call(gateway, "/_api/acc111/me", ("Host", host))

    assert response.status == 421
    assert _error(response)["code"] == "misdirected_request"
    assert "loopback names" in _error(response)["message"]
    assert registry.calls == []


def test_a_domain_deployed_after_the_last_reading_is_served_at_once() -> None:
    reader = Reader(Topology())
    gateway = Gateway(Catalog(reader, miss_refresh_interval=0.0), Registry(), region="us-east-1")  # type: ignore[arg-type]  # a stand-in registry
    assert _call(gateway, "/account/me", ("Host", DOMAIN)).status == 421
    reader.topology = TOPOLOGY
    assert _call(gateway, "/account/me", ("Host", DOMAIN)).status == 200


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("127.0.0.1:4567", "http://127.0.0.1:4567"),
        ("localhost:4567", "http://localhost:4567/"),
        (DOMAIN, f"https://{DOMAIN}"),
    ],
)
def test_the_gateways_own_origin_passes(host: str, origin: str) -> None:
    gateway, _ = _gateway()
    path = "/account/me" if host == DOMAIN else "/_api/acc111/me"
    assert _call(gateway, path, ("Host", host), ("Origin", origin)).status == 200


@pytest.mark.parametrize(
    "origin", ["https://attacker.example", "http://localhost:3000", "null", "http://127.0.0.1"]
)
def test_a_foreign_origin_is_forbidden_and_runs_nothing(origin: str) -> None:
    gateway, registry = _gateway()

    response = _call(gateway, "/_api/acc111/me", ("Host", "127.0.0.1:4567"), ("Origin", origin))

    assert response.status == 403
    assert _error(response) == {
        "code": "forbidden_origin",
        "message": f"origin {origin!r} may not call this API: it is not the gateway's own "
        "origin and the API's CORS configuration (AllowOrigins) does not allow it",
    }
    assert registry.calls == []


def test_an_origin_the_apis_cors_configuration_allows_passes() -> None:
    api = replace(ACCOUNT_API, allow_origins=("https://app.purposepath.app",))
    gateway, _ = _gateway(replace(TOPOLOGY, apis={"acc111": api}))
    allowed = ("Origin", "https://app.purposepath.app")
    other = ("Origin", "https://other.purposepath.app")
    host = ("Host", "127.0.0.1:4567")

    assert _call(gateway, "/_api/acc111/me", host, allowed).status == 200
    assert _call(gateway, "/_api/acc111/me", host, other).status == 403


def test_a_wildcard_allow_origins_allows_any_origin() -> None:
    api = replace(ACCOUNT_API, allow_origins=("*",))
    gateway, _ = _gateway(replace(TOPOLOGY, apis={"acc111": api}))
    response = _call(
        gateway, "/_api/acc111/me", ("Host", "localhost"), ("Origin", "https://anywhere.example")
    )
    assert response.status == 200


def test_no_origin_passes() -> None:
    gateway, _ = _gateway()
    assert _call(gateway, "/_api/acc111/me", ("Host", "127.0.0.1:4567")).status == 200


def test_host_names_are_read_without_port_and_case() -> None:
    assert front_door.host_name("API.Dev.PurposePath.app:443") == "api.dev.purposepath.app"
    assert front_door.host_name("[::1]:4567") == "[::1]"
    assert front_door.host_name("[::1]") == "[::1]"


# -- through the HTTP server ----------------------------------------------------------------
@pytest.fixture
def served() -> Iterator[int]:
    gateway, _ = _gateway()
    catalog = Catalog(Reader(TOPOLOGY))
    server = GatewayHttpServer(0, gateway, Registry(), catalog)  # type: ignore[arg-type]  # a stand-in registry
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _http(port: int, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        connection.close()


def test_the_server_refuses_a_rebinding_host_on_routes_and_on_its_status(served: int) -> None:
    for path in ("/_api/acc111/me", "/_gateway/status"):
        status, body = _http(served, path, {"Host": "attacker.example"})
        assert (status, body["error"]["code"]) == (421, "misdirected_request")


def test_the_server_refuses_a_foreign_origin(served: int) -> None:
    status, body = _http(
        served,
        "/_api/acc111/me",
        {"Host": f"127.0.0.1:{served}", "Origin": "https://attacker.example"},
    )
    assert (status, body["error"]["code"]) == (403, "forbidden_origin")


def test_the_server_answers_loopback_and_domain_hosts(served: int) -> None:
    assert _http(served, "/_api/acc111/me", {"Host": f"localhost:{served}"})[0] == 200
    assert _http(served, "/account/me", {"Host": DOMAIN})[0] == 200
    status, body = _http(served, "/_gateway/status", {"Host": f"127.0.0.1:{served}"})
    assert status == 200
    assert DOMAIN in body["domains"]
