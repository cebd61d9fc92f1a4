"""PutMetricData refuses AWS/ namespaces to clients; AWS services record theirs locally."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.cloudwatch.models import cloudwatch_backends

from pplocalaws import cloudwatch_endpoints

ERRORS = {
    "MetricName": "Errors",
    "Value": 1.0,
    "Dimensions": [{"Name": "FunctionName", "Value": "f"}],
}


@pytest.mark.parametrize("namespace", ["AWS/Lambda", "AWS/ApiGateway", "AWS/Anything"])
def test_a_client_cannot_publish_into_an_aws_namespace(aws: boto3.Session, namespace: str) -> None:
    cloudwatch = aws.client("cloudwatch")
    with pytest.raises(ClientError) as refused:
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[ERRORS])
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert namespace in refused.value.response["Error"]["Message"]
    assert not cloudwatch_backends["123456789012"]["us-east-1"].metric_data


def test_a_client_namespace_is_accepted(aws: boto3.Session) -> None:
    aws.client("cloudwatch").put_metric_data(Namespace="PurposePath/account", MetricData=[ERRORS])
    assert len(cloudwatch_backends["123456789012"]["us-east-1"].metric_data) == 1


def _post(body: Any) -> tuple[str, Any]:
    raw = json.dumps(body).encode()
    environ = {"CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
    route = cloudwatch_endpoints.ROUTES[("POST", cloudwatch_endpoints.SERVICE_METRICS_PATH)]
    return route(environ)


def test_the_door_records_what_the_services_publish_with_their_timestamps(
    aws: boto3.Session,
) -> None:
    at = datetime(2026, 12, 3, 21, 0, 0, tzinfo=UTC)
    status, body = _post(
        {
            "namespace": "AWS/Lambda",
            "metricData": [
                {**ERRORS, "Value": None, "Values": [1.0, 0.0], "Counts": [2.0, 3.0],
                 "Timestamp": at.timestamp(), "Unit": "Count"}
            ],
        }
    )  # fmt: skip
    assert (status, body) == ("200 OK", {"recorded": 1})
    stats = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "f"}],
        StartTime=datetime(2026, 12, 3, 20, 59, tzinfo=UTC),
        EndTime=datetime(2026, 12, 3, 21, 1, tzinfo=UTC),
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )["Datapoints"]
    assert [(p["Sum"], p["SampleCount"]) for p in stats] == [(2.0, 5.0)]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"namespace": "PurposePath/x", "metricData": [ERRORS]}, "not an AWS/ namespace"),
        ({"namespace": "AWS/Lambda", "metricData": [{"Value": 1}]}, "needs a MetricName"),
        ({"namespace": "AWS/Lambda", "metricData": [{**ERRORS, "Timestamp": "noon"}]}, "epoch"),
        ([1, 2], "JSON object"),
    ],
)
def test_the_door_refuses_what_is_not_a_service_metric(
    aws: boto3.Session, body: Any, says: str
) -> None:
    status, answer = _post(body)
    assert status == "400 Bad Request"
    assert says in answer["message"]
    assert not cloudwatch_backends["123456789012"]["us-east-1"].metric_data
