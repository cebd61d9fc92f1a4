"""The gateway's CloudWatch metrics: Lambda's and HTTP API's names, units and dimensions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pplocalaws.gateway.metrics import (
    MetricsPublisher,
    api_points,
    lambda_dimension_sets,
    lambda_points,
    metric_data,
)


def test_an_alias_invocation_is_counted_by_function_resource_and_executed_version() -> None:
    assert lambda_dimension_sets("fn", "live", "7") == [
        (("FunctionName", "fn"),),
        (("FunctionName", "fn"), ("Resource", "fn:live")),
        (("FunctionName", "fn"), ("Resource", "fn:live"), ("ExecutedVersion", "7")),
    ]


def test_a_version_invocation_has_a_resource_but_no_executed_version() -> None:
    assert lambda_dimension_sets("fn", "7", "7")[-1] == (
        ("FunctionName", "fn"),
        ("Resource", "fn:7"),
    )


def test_an_unqualified_invocation_is_counted_by_function_name_only() -> None:
    assert lambda_dimension_sets("fn", None, "$LATEST") == [(("FunctionName", "fn"),)]
    assert lambda_dimension_sets("fn", "$LATEST", "$LATEST") == [(("FunctionName", "fn"),)]


def test_a_successful_invocation_counts_zero_errors() -> None:
    points = {
        (p.name, p.value, p.unit)
        for p in lambda_points("fn", None, "$LATEST", error=False, duration_ms=12.345)
    }
    assert points == {
        ("Invocations", 1.0, "Count"),
        ("Errors", 0.0, "Count"),
        ("Duration", 12.35, "Milliseconds"),
    }


def test_an_api_request_counts_its_status_class_per_api_and_stage() -> None:
    points = api_points("abc", "$default", 502, 40.0, 35.0)
    by_key = {(p.name, p.dimensions): p.value for p in points}
    assert by_key[("5xx", (("ApiId", "abc"),))] == 1.0
    assert by_key[("4xx", (("ApiId", "abc"), ("Stage", "$default")))] == 0.0
    assert by_key[("Count", (("ApiId", "abc"), ("Stage", "$default")))] == 1.0
    assert by_key[("IntegrationLatency", (("ApiId", "abc"),))] == 35.0
    assert ("IntegrationLatency", (("ApiId", "abc"),)) not in {
        (p.name, p.dimensions) for p in api_points("abc", "$default", 404, 1.0, None)
    }


def test_values_of_a_bucket_become_values_and_counts() -> None:
    pending = {
        ("AWS/Lambda", "Errors", (("FunctionName", "fn"),), "Count", 17_000_000_005): Counter(
            {0.0: 3, 1.0: 1}
        )
    }
    data = metric_data(pending)
    (datum,) = data["AWS/Lambda"]
    assert datum["Values"] == [0.0, 1.0]
    assert datum["Counts"] == [3.0, 1.0]
    assert datum["Dimensions"] == [{"Name": "FunctionName", "Value": "fn"}]
    assert datum["Timestamp"].timestamp() == 1_700_000_000.5


class CloudWatch:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []

    def put_metric_data(self, Namespace: str, MetricData: list[dict[str, Any]]) -> None:
        self.calls.append((Namespace, MetricData))


def test_the_publisher_sends_each_namespace_in_calls_of_at_most_1000_data() -> None:
    cloudwatch = CloudWatch()
    publisher = MetricsPublisher(lambda: cloudwatch, clock=lambda: 100.0)
    for index in range(300):  # 300 functions x 3 points + API points
        publisher.record(lambda_points(f"fn{index}", None, "$LATEST", error=False, duration_ms=1))
    publisher.record(api_points("abc", "$default", 200, 1, 1))

    publisher.flush()

    assert sorted((ns, len(data)) for ns, data in cloudwatch.calls) == [
        ("AWS/ApiGateway", 10),
        ("AWS/Lambda", 900),
    ]
    assert publisher.sent == 910


def test_a_local_aws_that_does_not_answer_loses_points_not_the_gateway() -> None:
    class Down:
        def put_metric_data(self, **arguments: Any) -> None:
            raise ConnectionError("refused")

    publisher = MetricsPublisher(Down)
    publisher.record(api_points("abc", "$default", 200, 1, 1))
    publisher.flush()
    assert publisher.failed == 10
    assert publisher.sent == 0
