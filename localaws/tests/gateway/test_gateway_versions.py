"""The gateway invokes exactly what an integration names: $LATEST, a version, an alias.

API Gateway HTTP API "Working with AWS Lambda proxy integrations" (a qualified function
ARN invokes that version or alias); Lambda "Weighted aliases" (the additional version
takes its weight's share of invocations, chosen per invocation).
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from pplocalaws.gateway.discovery import (
    INVOKED_QUALIFIER,
    AliasRoute,
    Catalog,
    FunctionConfig,
    HttpApi,
    Integration,
    Topology,
    function_target_of,
)
from pplocalaws.gateway.dispatch import Gateway
from pplocalaws.gateway.events import HttpResponse, IncomingRequest
from pplocalaws.gateway.routing import Route
from pplocalaws.gateway.runtimes import Interpreter
from pplocalaws.gateway.workers import (
    LocalAwsSettings,
    Outcome,
    Returned,
    WorkerRegistry,
    worker_environment,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:account-fn"
FUNCTION = FunctionConfig(
    name="account-fn",
    arn=ARN,
    handler="handlers.echo",
    runtime="python{}.{}".format(*sys.version_info[:2]),
    environment={},
    timeout_seconds=20,
    memory_mb=128,
    code_sha256="c2hh",
    last_modified="then",
)
AWS = LocalAwsSettings("http://127.0.0.1:1", "us-east-1")
OWN_PYTHON = Interpreter(sys.executable, "{}.{}".format(*sys.version_info[:2]), True)


@dataclass
class Registry:
    """Records what each invocation was given to run, and answers 200."""

    calls: list[FunctionConfig] = field(default_factory=list)

    def invoke(
        self,
        function: FunctionConfig,
        event: dict[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        self.calls.append(function)
        return Returned({"statusCode": 200, "body": "ok"})


class Artifacts:
    """Stands in for the ArtifactStore: every revision's code is the folder given."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.forgotten: list[str] = []

    def unpacked(self, function: FunctionConfig) -> Path:
        return self.folder

    def forget(self, function: FunctionConfig, keep: FunctionConfig | None = None) -> None:
        self.forgotten.append(function.code_sha256)


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("code")
    (folder / "handlers.py").write_text(
        "import os\n\ndef echo(event, context):\n    return {'pid': os.getpid()}\n",
        encoding="utf-8",
    )
    return folder


VERSION_1 = replace(FUNCTION, arn=f"{ARN}:1", version="1", qualifier="1", code_sha256="djE=")
VERSION_2 = replace(FUNCTION, arn=f"{ARN}:2", version="2", qualifier="2", code_sha256="djI=")


@pytest.mark.parametrize(
    ("uri", "target"),
    [
        (ARN, ("account-fn", None)),
        (f"{ARN}:live", ("account-fn", "live")),
        (f"{ARN}:7", ("account-fn", "7")),
        (f"{ARN}:$LATEST", ("account-fn", "$LATEST")),
        (
            f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:live/invocations",
            ("account-fn", "live"),
        ),
        ("https://example.com", None),
    ],
)
def test_an_integration_uri_names_a_function_and_its_qualifier(
    uri: str, target: tuple[str, str | None] | None
) -> None:
    assert function_target_of(uri) == target


def test_the_invoked_qualifier_is_the_local_aws_s() -> None:
    if "moto" not in sys.modules:
        pytest.importorskip("moto")
    from pplocalaws.resources import lambda_updates  # noqa: PLC0415 - imports moto

    assert INVOKED_QUALIFIER == lambda_updates.INVOKED_QUALIFIER


def _with_integration(qualifier: str | None, **topology: Any) -> tuple[Gateway, Registry]:
    integration = Integration("int1", "AWS_PROXY", ARN, "2.0", "account-fn", qualifier=qualifier)
    api = HttpApi(
        "acc111",
        "account",
        (Route.parse("GET /me", "int1"),),
        {"int1": integration},
        {"$default": {}},
    )
    shaped = Topology(apis={"acc111": api}, functions={"account-fn": FUNCTION}, **topology)
    registry = Registry()
    catalog = Catalog(lambda: shaped)
    return Gateway(catalog, registry, region="us-east-1"), registry  # type: ignore[arg-type]  # a stand-in registry


def _get(gateway: Gateway) -> HttpResponse:
    request = IncomingRequest("GET", "/_api/acc111/me", "", (), b"", "127.0.0.1")
    return gateway.handle(request)


def _invoked(setup: tuple[Gateway, Registry], times: int = 1) -> list[FunctionConfig]:
    gateway, registry = setup
    for _ in range(times):
        assert _get(gateway).status == 200
    return registry.calls


def test_an_unqualified_integration_runs_latest_and_a_version_runs_that_version() -> None:
    versions = {("account-fn", "1"): VERSION_1, ("account-fn", "2"): VERSION_2}

    latest = _invoked(_with_integration(None, versions=versions))
    version = _invoked(_with_integration("2", versions=versions))

    assert latest == [FUNCTION]
    assert version == [VERSION_2]


def test_an_alias_runs_its_version() -> None:
    gateway = _with_integration(
        "live",
        versions={("account-fn", "1"): VERSION_1},
        aliases={("account-fn", "live"): AliasRoute("1")},
    )

    assert _invoked(gateway, 3) == [VERSION_1] * 3


def test_a_weighted_alias_splits_invocations_by_its_weight() -> None:
    setup = _with_integration(
        "live",
        versions={("account-fn", "1"): VERSION_1, ("account-fn", "2"): VERSION_2},
        aliases={("account-fn", "live"): AliasRoute("1", "2", 0.2)},
    )
    setup[0].chooser = random.Random(20261203)  # noqa: S311 - a reproducible split, not security

    invoked = _invoked(setup, 2000)

    share = sum(1 for function in invoked if function.version == "2") / len(invoked)
    assert 0.17 <= share <= 0.23  # 0.2 within about 3.4 standard deviations
    assert {function.version for function in invoked} == {"1", "2"}


@pytest.mark.parametrize(
    ("qualifier", "topology", "reason"),
    [
        ("live", {}, "alias live of function account-fn does not exist"),
        ("3", {}, "version 3 of function account-fn does not exist"),
        (
            "live",
            {"aliases": {("account-fn", "live"): AliasRoute("4")}},
            "version 4 of function account-fn does not exist",
        ),
    ],
)
def test_a_missing_version_or_alias_is_a_502_saying_which(
    qualifier: str, topology: dict[str, object], reason: str
) -> None:
    gateway, _ = _with_integration(qualifier, **topology)

    answer = _get(gateway)

    assert answer.status == 502
    assert reason in json.loads(answer.body)["message"]


def test_a_version_s_worker_knows_its_version() -> None:
    environment = worker_environment(VERSION_2, Path("/code"), Path("/runtime"), AWS)

    assert environment["AWS_LAMBDA_FUNCTION_VERSION"] == "2"
    assert "/[2]" in environment["AWS_LAMBDA_LOG_STREAM_NAME"]


def test_each_version_has_its_own_warm_workers(code: Path) -> None:
    artifacts = Artifacts(code)
    registry = WorkerRegistry(AWS, artifacts, code, interpreters=Finder())  # type: ignore[arg-type]  # a stand-in
    latest = FUNCTION
    version = replace(latest, version="1", qualifier="1")
    try:
        from_latest = registry.invoke(latest, {}, "r", 3)
        from_version = registry.invoke(version, {}, "r", 3)
        again = registry.invoke(latest, {}, "r", 3)
        redeployed = registry.invoke(replace(latest, code_sha256="bmV3"), {}, "r", 3)
        sizes = registry.pool_sizes()
    finally:
        registry.close()

    assert isinstance(from_latest, Returned)
    assert isinstance(from_version, Returned)
    assert isinstance(again, Returned)
    assert isinstance(redeployed, Returned)
    assert from_version.result["pid"] != from_latest.result["pid"]
    assert again.result["pid"] == from_latest.result["pid"]
    assert sizes == {"account-fn": 1, "account-fn:1": 1}
    assert artifacts.forgotten == []  # version 1 still runs that code


class Finder:
    """Every Python runtime runs on the test's own interpreter."""

    def for_runtime(self, runtime: str) -> Interpreter:
        return OWN_PYTHON


# --- discovery: what the gateway reads from the local AWS (stand-in clients, no network) ---


class NotFound(Exception):
    pass


class FakeLambda:
    """ListFunctions, GetFunctionConfiguration and GetAlias over a few canned answers."""

    class exceptions:
        ResourceNotFoundException = NotFound

    def __init__(self, listed: list[dict[str, Any]], qualified: dict[tuple[str, str], Any]):
        self.listed = listed
        self.qualified = qualified
        self.reads: list[tuple[str, str]] = []

    def get_paginator(self, name: str) -> Any:
        listed = self.listed

        class Pages:
            def paginate(self) -> list[dict[str, Any]]:
                return [{"Functions": listed}]

        return Pages()

    def get_function_configuration(self, FunctionName: str, Qualifier: str) -> Any:
        self.reads.append((FunctionName, Qualifier))
        if (FunctionName, Qualifier) not in self.qualified:
            raise NotFound(Qualifier)
        return self.qualified[(FunctionName, Qualifier)]

    def get_alias(self, FunctionName: str, Name: str) -> Any:
        return self.get_function_configuration(FunctionName, Name)


class FakeApis:
    def __init__(self, uri: str) -> None:
        self.uri = uri

    def get_apis(self) -> Any:
        return {"Items": [{"ApiId": "a1", "Name": "api", "ProtocolType": "HTTP"}]}

    def get_integrations(self, ApiId: str) -> Any:
        return {
            "Items": [
                {"IntegrationId": "i1", "IntegrationType": "AWS_PROXY", "IntegrationUri": self.uri}
            ]
        }

    def get_routes(self, ApiId: str) -> Any:
        return {"Items": [{"RouteKey": "$default", "Target": "integrations/i1"}]}

    def get_stages(self, ApiId: str) -> Any:
        return {"Items": [{"StageName": "$default"}]}

    def get_domain_names(self) -> Any:
        return {"Items": []}


def _configuration(
    version: str, sha: str, runtime: str = "python3.12", **more: Any
) -> dict[str, Any]:
    return {
        "FunctionName": "account-fn",
        "FunctionArn": ARN if version == "$LATEST" else f"{ARN}:{version}",
        "Runtime": runtime,
        "Handler": "app.handler",
        "CodeSha256": sha,
        "LastModified": "t",
        **more,
    }


def _read(uri: str, fake: FakeLambda) -> Topology:
    from pplocalaws.gateway.discovery import read_topology  # noqa: PLC0415 - beside its fakes

    clients = type("Clients", (), {"apigatewayv2": FakeApis(uri), "awslambda": fake})()
    return read_topology(clients)  # type: ignore[arg-type]  # stand-in clients


def test_discovery_reads_an_alias_and_the_versions_it_routes_to() -> None:
    fake = FakeLambda(
        [_configuration("$LATEST", "bGF0ZXN0", LastUpdateStatus="Successful")],
        {
            ("account-fn", "live"): {
                "FunctionVersion": "1",
                "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.1}},
            },
            ("account-fn", "1"): _configuration("1", "djE="),
            ("account-fn", "2"): _configuration("2", "djI="),
        },
    )

    topology = _read(f"{ARN}:live", fake)

    assert topology.aliases == {("account-fn", "live"): AliasRoute("1", "2", 0.1)}
    assert {key: f.code_sha256 for key, f in topology.versions.items()} == {
        ("account-fn", "1"): "djE=",
        ("account-fn", "2"): "djI=",
    }
    assert topology.versions[("account-fn", "2")].qualifier == "2"
    assert topology.apis["a1"].integrations["i1"].qualifier == "live"


def test_discovery_reads_what_latest_runs_while_an_update_is_in_progress() -> None:
    fake = FakeLambda(
        [_configuration("$LATEST", "bmV3", runtime="python3.13", LastUpdateStatus="InProgress")],
        {("account-fn", INVOKED_QUALIFIER): _configuration("$LATEST", "b2xk")},
    )

    function = _read(ARN, fake).functions["account-fn"]

    assert (function.code_sha256, function.runtime) == ("b2xk", "python3.12")
    assert function.qualifier == INVOKED_QUALIFIER
    assert fake.reads == [("account-fn", INVOKED_QUALIFIER)]
