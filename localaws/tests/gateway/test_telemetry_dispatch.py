"""The dispatcher's telemetry: each answered request's API metrics, the alias it invoked."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from typing import Any

from pplocalaws.gateway.discovery import (
    AliasRoute,
    Catalog,
    FunctionConfig,
    HttpApi,
    Integration,
    Topology,
)
from pplocalaws.gateway.dispatch import Gateway
from pplocalaws.gateway.events import IncomingRequest
from pplocalaws.gateway.log_delivery import LogShipper
from pplocalaws.gateway.metrics import MetricsPublisher
from pplocalaws.gateway.routing import Route
from pplocalaws.gateway.telemetry import Telemetry
from pplocalaws.gateway.workers import Failed, Outcome, Returned

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
VERSION_3 = replace(FUNCTION, arn=f"{ARN}:3", version="3", qualifier="3")


@dataclass
class Registry:
    outcome: Outcome
    invoked_as: list[str | None] = field(default_factory=list)

    def invoke(
        self,
        function: FunctionConfig,
        event: dict[str, Any],
        request_id: str,
        timeout: float,
        invoked_as: str | None = None,
    ) -> Outcome:
        self.invoked_as.append(invoked_as)
        return self.outcome


class CloudWatch:
    def __init__(self) -> None:
        self.data: list[dict[str, Any]] = []

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:
        self.data += [{"Namespace": Namespace, **datum} for datum in MetricData]

    def sums(self, name: str, dimensions: int) -> float:
        return sum(
            value * count
            for datum in self.data
            if datum["MetricName"] == name and len(datum["Dimensions"]) == dimensions
            for value, count in zip(datum["Values"], datum["Counts"], strict=True)
        )


def _gateway(outcome: Outcome) -> tuple[Gateway, Registry, CloudWatch, Telemetry]:
    integration = Integration("int1", "AWS_PROXY", ARN, "2.0", "account-fn", qualifier="live")
    api = HttpApi(
        "acc111",
        "account",
        (Route.parse("GET /me", "int1"),),
        {"int1": integration},
        {"$default": {}},
    )
    topology = Topology(
        apis={"acc111": api},
        functions={"account-fn": FUNCTION},
        versions={("account-fn", "3"): VERSION_3},
        aliases={("account-fn", "live"): AliasRoute("3")},
    )
    registry, cloudwatch = Registry(outcome), CloudWatch()
    telemetry = Telemetry(
        LogShipper(lambda name: None), MetricsPublisher(lambda: cloudwatch), echo=None
    )
    gateway = Gateway(Catalog(lambda: topology), registry, region="us-east-1", telemetry=telemetry)  # type: ignore[arg-type]  # a stand-in registry
    return gateway, registry, cloudwatch, telemetry


def _get(gateway: Gateway, path: str = "/_api/acc111/me") -> int:
    return gateway.handle(IncomingRequest("GET", path, "", (), b"", "127.0.0.1")).status


def test_each_answered_request_counts_once_per_api_and_stage_with_its_status_class() -> None:
    gateway, registry, cloudwatch, telemetry = _gateway(Returned({"statusCode": 500, "body": "x"}))

    assert [_get(gateway), _get(gateway)] == [500, 500]
    telemetry.flush()

    assert registry.invoked_as == ["live", "live"]  # the alias reaches the worker's metrics
    assert cloudwatch.sums("Count", 1) == cloudwatch.sums("Count", 2) == 2
    assert cloudwatch.sums("5xx", 2) == 2
    assert cloudwatch.sums("4xx", 2) == 0
    stages = {
        d["Value"] for datum in cloudwatch.data for d in datum["Dimensions"] if d["Name"] == "Stage"
    }
    assert stages == {"$default"}
    assert all(datum["Namespace"] == "AWS/ApiGateway" for datum in cloudwatch.data)
    assert any(datum["MetricName"] == "IntegrationLatency" for datum in cloudwatch.data)


def test_a_handler_error_is_a_502_counted_as_5xx() -> None:
    gateway, _, cloudwatch, telemetry = _gateway(Failed("ValueError", "bad"))

    assert _get(gateway) == 502
    telemetry.flush()

    assert cloudwatch.sums("5xx", 1) == 1


def test_a_path_no_api_serves_counts_nothing() -> None:
    gateway, _, cloudwatch, telemetry = _gateway(Returned({"statusCode": 200}))

    assert _get(gateway, "/_api/nope/me") == 404
    telemetry.flush()

    assert cloudwatch.data == []
