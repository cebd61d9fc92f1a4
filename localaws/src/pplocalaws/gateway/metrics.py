"""CloudWatch metrics of the gateway's invocations, as Lambda and API Gateway publish them.

Lambda ("Types of metrics for Lambda functions", Lambda Developer Guide,
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html), namespace
``AWS/Lambda``: Invocations (every invocation that ran, including those that failed,
not throttled ones), Errors (the invocation ended in a function error: the handler raised,
timed out, or its runtime died; 0 otherwise), Duration (milliseconds of handler time) and
Throttles (an invocation refused for want of concurrency). Dimensions ("Using
dimensions", same page): ``FunctionName``; ``FunctionName, Resource`` where Resource is
``function:qualifier`` for an invocation of a version or an alias; and ``FunctionName,
Resource, ExecutedVersion`` for an alias invocation, naming the version that ran.
The dimensionless all-functions aggregate is not published (nothing here reads it).

API Gateway HTTP APIs ("Monitor CloudWatch metrics for HTTP APIs in API Gateway",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html),
namespace ``AWS/ApiGateway``: Count, 4xx, 5xx (0 or 1 per request, so Average is a rate),
Latency and IntegrationLatency (milliseconds); dimensions ``ApiId`` and ``ApiId, Stage``
(the per-route detailed metrics are off by default and not published).

The gateway is the Lambda and API Gateway service here, so it publishes with the local
AWS's administrative credentials through PutMetricData. Datapoints are grouped in
100 ms buckets and sent every ``flush_seconds`` as Values/Counts (at most 1000 metric data
and 150 distinct values each: "PutMetricData", CloudWatch API Reference), so every
statistic (SampleCount, Sum, Average, extremes) comes out as if sent one by one.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pplocalaws.gateway.periodic_flush import PeriodicFlush

log = logging.getLogger(__name__)

LAMBDA = "AWS/Lambda"
API_GATEWAY = "AWS/ApiGateway"
BUCKETS_PER_SECOND = 10
MAX_DATA_PER_CALL = 1000
MAX_VALUES_PER_DATUM = 150
DEFAULT_FLUSH_SECONDS = 0.5

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Point:
    namespace: str
    name: str
    dimensions: Dimensions
    value: float
    unit: str


def lambda_dimension_sets(
    function_name: str, invoked_qualifier: str | None, executed_version: str
) -> list[Dimensions]:
    """The dimension sets one invocation is counted under (module docstring)."""
    sets: list[Dimensions] = [(("FunctionName", function_name),)]
    if invoked_qualifier and invoked_qualifier != "$LATEST":
        resource = ("Resource", f"{function_name}:{invoked_qualifier}")
        sets.append((("FunctionName", function_name), resource))
        if not invoked_qualifier.isdigit():  # an alias: which of its versions ran
            sets.append(
                (("FunctionName", function_name), resource, ("ExecutedVersion", executed_version))
            )
    return sets


def lambda_points(
    function_name: str,
    invoked_qualifier: str | None,
    executed_version: str,
    *,
    error: bool,
    duration_ms: float,
) -> list[Point]:
    """The datapoints of one invocation that ran."""
    points = []
    for dimensions in lambda_dimension_sets(function_name, invoked_qualifier, executed_version):
        points += [
            Point(LAMBDA, "Invocations", dimensions, 1.0, "Count"),
            Point(LAMBDA, "Errors", dimensions, 1.0 if error else 0.0, "Count"),
            Point(LAMBDA, "Duration", dimensions, round(duration_ms, 2), "Milliseconds"),
        ]
    return points


def throttle_points(
    function_name: str, invoked_qualifier: str | None, executed_version: str
) -> list[Point]:
    """A throttled invocation counts as a Throttle and not as an Invocation."""
    return [
        Point(LAMBDA, "Throttles", dimensions, 1.0, "Count")
        for dimensions in lambda_dimension_sets(function_name, invoked_qualifier, executed_version)
    ]


def api_points(
    api_id: str, stage: str, status: int, latency_ms: float, integration_ms: float | None
) -> list[Point]:
    """The datapoints of one request an HTTP API answered."""
    points = []
    for dimensions in ((("ApiId", api_id),), (("ApiId", api_id), ("Stage", stage))):
        points += [
            Point(API_GATEWAY, "Count", dimensions, 1.0, "Count"),
            Point(API_GATEWAY, "4xx", dimensions, 1.0 if 400 <= status < 500 else 0.0, "Count"),
            Point(API_GATEWAY, "5xx", dimensions, 1.0 if status >= 500 else 0.0, "Count"),
            Point(API_GATEWAY, "Latency", dimensions, round(latency_ms, 2), "Milliseconds"),
        ]
        if integration_ms is not None:
            points.append(
                Point(
                    API_GATEWAY,
                    "IntegrationLatency",
                    dimensions,
                    round(integration_ms, 2),
                    "Milliseconds",
                )
            )
    return points


_Key = tuple[str, str, Dimensions, str, int]  # namespace, name, dimensions, unit, bucket


def metric_data(pending: dict[_Key, Counter[float]]) -> dict[str, list[dict[str, Any]]]:
    """PutMetricData's MetricData per namespace for the bucketed datapoints."""
    data: dict[str, list[dict[str, Any]]] = {}
    for (namespace, name, dimensions, unit, bucket), values in sorted(pending.items()):
        when = datetime.datetime.fromtimestamp(bucket / BUCKETS_PER_SECOND, datetime.UTC)
        items = sorted(values.items())
        for start in range(0, len(items), MAX_VALUES_PER_DATUM):
            chunk = items[start : start + MAX_VALUES_PER_DATUM]
            data.setdefault(namespace, []).append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions],
                    "Timestamp": when,
                    "Values": [value for value, _ in chunk],
                    "Counts": [float(count) for _, count in chunk],
                    "Unit": unit,
                }
            )
    return data


def _calls(data: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for namespace, items in data.items():
        for start in range(0, len(items), MAX_DATA_PER_CALL):
            yield namespace, items[start : start + MAX_DATA_PER_CALL]


class MetricsPublisher(PeriodicFlush):
    """Collects datapoints; a background thread sends them with PutMetricData."""

    def __init__(
        self,
        client: Callable[[], Any],
        *,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time  # noqa: PLC0415 - the default clock only

        super().__init__("metrics", flush_seconds)
        self._client = client  # -> a CloudWatch client of the local AWS
        self._clock = clock or time.time
        self._pending: dict[_Key, Counter[float]] = {}
        self._sending = threading.Lock()
        self.sent = 0
        self.failed = 0

    def record(self, points: list[Point], when: float | None = None) -> None:
        bucket = int((self._clock() if when is None else when) * BUCKETS_PER_SECOND)
        with self._condition:
            for point in points:
                key = (point.namespace, point.name, point.dimensions, point.unit, bucket)
                self._pending.setdefault(key, Counter())[point.value] += 1

    def flush(self) -> None:
        """Send everything recorded so far (on the caller's thread)."""
        with self._sending:
            with self._condition:
                pending, self._pending = self._pending, {}
            for namespace, items in _calls(metric_data(pending)):
                try:
                    self._client().put_metric_data(Namespace=namespace, MetricData=items)
                    self.sent += len(items)
                except Exception as error:  # the local AWS is down: these points are lost
                    self.failed += len(items)
                    log.warning(
                        "cannot publish %d %s metric data: %s", len(items), namespace, error
                    )


class ServiceMetricsDoor:
    """Records AWS/ metrics as the services that own them do: through the local AWS's
    local-only door (``/_localaws/cloudwatch/service-metrics``), because PutMetricData
    refuses ``AWS/`` namespaces to every client, as AWS does. Same call shape as a
    CloudWatch client's ``put_metric_data``, so :class:`MetricsPublisher` takes either."""

    def __init__(self, endpoint: str, region: str, *, timeout: float = 10.0) -> None:
        self._url = f"{endpoint.rstrip('/')}/_localaws/cloudwatch/service-metrics"
        self._region = region
        self._timeout = timeout

    def put_metric_data(self, *, Namespace: str, MetricData: list[dict[str, Any]]) -> None:
        import json  # noqa: PLC0415 - only when sending
        import urllib.request  # noqa: PLC0415 - only when sending

        items = [
            {**item, "Timestamp": item["Timestamp"].timestamp()} if "Timestamp" in item else item
            for item in MetricData
        ]
        body = json.dumps(
            {"namespace": Namespace, "region": self._region, "metricData": items}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the local AWS's own loopback URL
            self._url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self._timeout):  # noqa: S310 - as above
            pass
