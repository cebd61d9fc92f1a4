"""The local-only door through which the gateway records AWS services' own metrics.

Lambda and API Gateway publish ``AWS/Lambda`` and ``AWS/ApiGateway`` metrics themselves; a
client cannot: "You cannot specify a namespace that begins with 'AWS/'" (CloudWatch API
Reference, PutMetricData, ``Namespace``), which the local AWS enforces
(``resources/cloudwatch_namespaces.py``). The local gateway plays Lambda's and API Gateway's
part, so it records their metrics here, straight into moto's CloudWatch backend:

- ``POST /_localaws/cloudwatch/service-metrics`` ``{"namespace": "AWS/...", "region"?: R,
  "account"?: A, "metricData": [{"MetricName", "Dimensions": [{"Name", "Value"}],
  "Timestamp": epoch seconds, "Values", "Counts", "Unit"}]}``: 200 ``{"recorded": N}``;
  400 naming the field for anything else (only ``AWS/`` namespaces come this way).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from pplocalaws.ses_endpoints import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    Answer,
    account_and_region,
    json_object_body,
)

SERVICE_METRICS_PATH = "/_localaws/cloudwatch/service-metrics"


def _timestamp(stamp: Any) -> datetime.datetime:
    # moto's query parser hands the backend naive UTC datetimes: the same shape here.
    if stamp is None:
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    if isinstance(stamp, datetime.datetime):
        aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.UTC)
        return aware.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(stamp, int | float):
        return datetime.datetime.fromtimestamp(stamp, datetime.UTC).replace(tzinfo=None)
    raise ValueError("a Timestamp must be epoch seconds")


def _datum(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("MetricName"), str):
        raise ValueError("each metricData item needs a MetricName")
    values = raw.get("Values") or ([raw["Value"]] if "Value" in raw else [])
    counts = raw.get("Counts") or [1.0] * len(values)
    if not values or len(values) != len(counts):
        raise ValueError("each metricData item needs a Value, or Values and as many Counts")
    return {
        "MetricName": raw["MetricName"],
        "Dimensions": [
            {"Name": str(d["Name"]), "Value": str(d["Value"])} for d in raw.get("Dimensions", [])
        ],
        "Timestamp": _timestamp(raw.get("Timestamp")),
        "Values": [float(v) for v in values],
        "Counts": [float(c) for c in counts],
        "Unit": raw.get("Unit"),
    }


def record(
    namespace: str,
    metric_data: list[dict[str, Any]],
    *,
    account: str = DEFAULT_ACCOUNT,
    region: str = DEFAULT_REGION,
) -> int:
    """Record an AWS service's own datapoints (PutMetricData's MetricData shape; a
    Timestamp as a datetime, epoch seconds or absent for now): what Lambda and API
    Gateway do on AWS, and what tests that stand in for them call in process."""
    if not namespace.startswith("AWS/"):
        raise ValueError(
            f"namespace {namespace!r} is not an AWS/ namespace; other metrics go through "
            "PutMetricData"
        )
    data = [_datum(raw) for raw in metric_data]
    cloudwatch_backends[account][region].put_metric_data(namespace, data)
    return len(data)


def _service_metrics(environ: dict[str, Any]) -> Answer:
    body = json_object_body(environ)
    if body is None:
        return "400 Bad Request", {"message": "the body must be a JSON object"}
    account, region = account_and_region(body)
    try:
        recorded = record(
            str(body.get("namespace")),
            list(body.get("metricData") or []),
            account=account,
            region=region,
        )
    except (ValueError, KeyError, TypeError) as error:
        return "400 Bad Request", {"message": f"service metrics: {error}"}
    return "200 OK", {"recorded": recorded}


ROUTES: dict[tuple[str, str], Callable[[dict[str, Any]], Answer]] = {
    ("POST", SERVICE_METRICS_PATH): _service_metrics,
}
