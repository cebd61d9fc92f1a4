"""The gateway's async runner: what each worker outcome reports, and one claim-run-report.

"Configuring error handling for asynchronous invocation" (Lambda Developer Guide):
function errors (raised, timed out, crashed) are retried as attempts; throttles are not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from pplocalaws.gateway.async_runner import AsyncRunner, FunctionResolver, report_of
from pplocalaws.gateway.discovery import FunctionConfig, Topology
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
    name="purge",
    arn="arn:aws:lambda:us-east-1:123456789012:function:purge",
    handler="app.handler",
    runtime="python3.12",
    environment={},
    timeout_seconds=7,
    memory_mb=128,
    code_sha256="c2hh",
    last_modified="then",
)


@pytest.mark.parametrize(
    ("outcome", "report"),
    [
        (Returned(None), {"outcome": "succeeded"}),
        (
            Failed("ValueError", "bad"),
            {"outcome": "functionError", "errorType": "ValueError", "errorMessage": "bad"},
        ),
        (
            TimedOut(7),
            {
                "outcome": "functionError",
                "errorType": "Sandbox.Timedout",
                "errorMessage": "Task timed out after 7.00 seconds",
            },
        ),
        (
            Crashed("the worker exited"),
            {
                "outcome": "functionError",
                "errorType": "Runtime.ExitError",
                "errorMessage": "the worker exited",
            },
        ),
        (Busy(), {"outcome": "throttled", "errorMessage": "every worker stayed busy"}),
    ],
)
def test_each_outcome_reports_what_lambda_counts_it_as(
    outcome: Outcome, report: dict[str, str]
) -> None:
    assert report_of(outcome) == report


def test_a_function_the_gateway_cannot_run_is_a_function_error() -> None:
    assert report_of(Unavailable("runtime dotnet8"))["outcome"] == "functionError"


class Catalog:
    def __init__(self, topology: Topology) -> None:
        self.topology = topology

    def current(self) -> Topology:
        return self.topology

    def after_miss(self) -> Topology:
        return self.topology


@dataclass
class LambdaApi:
    weights: dict[str, float] = field(default_factory=dict)

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, Any]:
        return {"FunctionVersion": "1", "RoutingConfig": {"AdditionalVersionWeights": self.weights}}

    def get_function_configuration(self, FunctionName: str, Qualifier: str) -> dict[str, Any]:
        return {
            "FunctionName": FunctionName,
            "FunctionArn": f"{FUNCTION.arn}:{Qualifier}",
            "Handler": "app.handler",
            "Runtime": "python3.12",
            "CodeSha256": f"v{Qualifier}",
        }


@dataclass
class Clients:
    awslambda: LambdaApi


def _resolver(weights: dict[str, float] | None = None) -> FunctionResolver:
    return FunctionResolver(
        Catalog(Topology(functions={"purge": FUNCTION})),  # type: ignore[arg-type]  # a stand-in
        Clients(LambdaApi(weights or {})),  # type: ignore[arg-type]  # same
        random.Random(7),  # noqa: S311 - a seeded traffic split, not security
    )


def test_the_resolver_runs_latest_versions_and_aliases() -> None:
    resolver = _resolver()
    assert resolver.resolve("purge", None) == FUNCTION
    assert resolver.resolve("purge", "$LATEST") == FUNCTION
    version = resolver.resolve("purge", "3")
    assert isinstance(version, FunctionConfig)
    assert (version.version, version.code_sha256) == ("3", "v3")
    alias = resolver.resolve("purge", "live")
    assert isinstance(alias, FunctionConfig)
    assert alias.version == "1"
    assert "does not exist" in str(resolver.resolve("gone", None))


def test_a_weighted_alias_splits_async_invocations_too() -> None:
    resolver = _resolver({"2": 0.5})
    versions = []
    for _ in range(200):
        resolved = resolver.resolve("purge", "live")
        assert isinstance(resolved, FunctionConfig)
        versions.append(resolved.version)
    assert 0.35 <= versions.count("2") / len(versions) <= 0.65


@dataclass
class Registry:
    outcome: Outcome
    calls: list[tuple[str, Any, str, float]] = field(default_factory=list)

    def invoke(
        self,
        function: FunctionConfig,
        event: Any,
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        self.calls.append((function.name, event, request_id, timeout))
        return self.outcome


def test_one_claim_runs_on_the_workers_and_reports_its_outcome() -> None:
    posted: list[tuple[str, dict[str, Any]]] = []
    claimed = {
        "leaseId": "L1",
        "requestId": "R1",
        "functionName": "purge",
        "qualifier": None,
        "event": {"Records": []},
        "attempt": 1,
    }

    def post(url: str, body: dict[str, Any], timeout: float) -> tuple[int, Any]:
        posted.append((url, body))
        return (200, claimed) if url.endswith("/claim") else (200, {"recorded": True})

    registry = Registry(Failed("RuntimeError", "no"))
    runner = AsyncRunner("http://127.0.0.1:1", _resolver(), registry, post=post)  # type: ignore[arg-type]  # a stand-in registry
    assert runner.run_once()
    assert registry.calls == [("purge", {"Records": []}, "R1", 7.0)]  # the function's timeout
    assert posted[-1] == (
        "http://127.0.0.1:1/_localaws/lambda/async/report",
        {
            "leaseId": "L1",
            "outcome": "functionError",
            "errorType": "RuntimeError",
            "errorMessage": "no",
        },
    )


def test_nothing_claimed_runs_nothing() -> None:
    registry = Registry(Returned(None))
    runner = AsyncRunner(
        "http://127.0.0.1:1",
        _resolver(),
        registry,
        post=lambda url, body, timeout: (204, None),  # type: ignore[arg-type]  # a stand-in registry
    )
    assert not runner.run_once()
    assert registry.calls == []
