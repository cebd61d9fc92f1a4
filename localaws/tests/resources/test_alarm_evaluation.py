"""Alarms evaluated from PutMetricData as CloudWatch evaluates them (moto never does).

Each test puts datapoints, evaluates at a fixed ``now`` on a real-time clock (factor 1, so
a 60 s period is 60 s) and reads the state DescribeAlarms answers.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto.cloudwatch.models import cloudwatch_backends

from pplocalaws import cloudwatch_endpoints
from pplocalaws.resources import alarm_evaluation, local_clock

FUNCTION = {"Name": "FunctionName", "Value": "svc"}
LIVE = {"Name": "Resource", "Value": "svc:live"}
VERSION_2 = {"Name": "ExecutedVersion", "Value": "2"}


@pytest.fixture
def cloudwatch(aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv(local_clock.VARIABLE, "1")
    return aws.client("cloudwatch")


def put(
    cloudwatch: Any,
    name: str,
    value: float,
    seconds_ago: float,
    dims: list[Any],
    ns: str = "AWS/Lambda",
) -> None:
    at = datetime.fromtimestamp(NOW - seconds_ago, tz=UTC)
    data = [{"MetricName": name, "Value": value, "Timestamp": at, "Dimensions": dims}]
    if ns.startswith("AWS/"):  # what Lambda and API Gateway record (clients may not)
        cloudwatch_endpoints.record(ns, data)
    else:
        cloudwatch.put_metric_data(Namespace=ns, MetricData=data)


NOW = time.time()


def errors_alarm(cloudwatch: Any, **overrides: Any) -> None:
    alarm = {
        "AlarmName": "errors",
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [FUNCTION, LIVE, VERSION_2],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        **overrides,
    }
    cloudwatch.put_metric_alarm(**alarm)


def state(cloudwatch: Any, name: str = "errors") -> dict[str, Any]:
    alarm_evaluation.evaluate_all(NOW)
    alarm: dict[str, Any] = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    return alarm


def test_errors_of_the_watched_version_put_the_alarm_in_alarm(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch)
    put(cloudwatch, "Errors", 1, 5, [FUNCTION, LIVE, VERSION_2])
    alarm = state(cloudwatch)
    assert alarm["StateValue"] == "ALARM"
    assert "greater than or equal to the threshold (1)" in alarm["StateReason"]


def test_errors_under_other_dimensions_are_another_metric(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch)
    put(cloudwatch, "Errors", 5, 5, [FUNCTION, LIVE, {"Name": "ExecutedVersion", "Value": "1"}])
    put(cloudwatch, "Errors", 5, 5, [FUNCTION])
    assert state(cloudwatch)["StateValue"] == "OK"


def test_old_datapoints_fall_out_of_the_evaluation_period(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch)
    put(cloudwatch, "Errors", 3, 90, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "OK"


def test_missing_data_treated_as_missing_gives_insufficient_data(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch, TreatMissingData="missing")
    assert state(cloudwatch)["StateValue"] == "INSUFFICIENT_DATA"


def test_missing_data_treated_as_breaching_alarms(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch, TreatMissingData="breaching")
    assert state(cloudwatch)["StateValue"] == "ALARM"


def test_datapoints_to_alarm_needs_m_of_n_breaching_periods(cloudwatch: Any) -> None:
    errors_alarm(cloudwatch, EvaluationPeriods=3, DatapointsToAlarm=2)
    put(cloudwatch, "Errors", 1, 10, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "OK"
    put(cloudwatch, "Errors", 2, 130, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "ALARM"


def test_average_and_less_than_compare_the_period_statistic(cloudwatch: Any) -> None:
    errors_alarm(
        cloudwatch,
        MetricName="Duration",
        Statistic="Average",
        Threshold=100.0,
        ComparisonOperator="LessThanThreshold",
    )
    for value in (50, 200, 80):
        put(cloudwatch, "Duration", value, 3, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "OK"  # average 110
    put(cloudwatch, "Duration", 10, 3, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "ALARM"  # average 85


def test_an_api_5xx_alarm_counts_the_api_s_5xx(cloudwatch: Any) -> None:
    api = [{"Name": "ApiId", "Value": "abc123"}]
    errors_alarm(cloudwatch, Namespace="AWS/ApiGateway", MetricName="5xx", Dimensions=api)
    put(cloudwatch, "5xx", 0, 4, api, ns="AWS/ApiGateway")
    assert state(cloudwatch)["StateValue"] == "OK"
    put(cloudwatch, "5xx", 1, 2, api, ns="AWS/ApiGateway")
    assert state(cloudwatch)["StateValue"] == "ALARM"


def test_a_metrics_insights_sum_counts_every_dimension_set(cloudwatch: Any) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName="logins",
        Metrics=[
            {
                "Id": "events",
                "Expression": 'SELECT SUM(LoginFailed) FROM "PurposePath/account"',
                "Period": 300,
                "ReturnData": True,
            }
        ],
        EvaluationPeriods=1,
        Threshold=3.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    put(cloudwatch, "LoginFailed", 1, 5, [], ns="PurposePath/account")
    put(
        cloudwatch,
        "LoginFailed",
        1,
        5,
        [{"Name": "service", "Value": "account"}],
        ns="PurposePath/account",
    )
    assert state(cloudwatch, "logins")["StateValue"] == "OK"
    put(cloudwatch, "LoginFailed", 1, 100, [{"Name": "x", "Value": "y"}], ns="PurposePath/account")
    assert state(cloudwatch, "logins")["StateValue"] == "ALARM"


def _throttles(table: str) -> list[dict[str, Any]]:
    def stat(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/DynamoDB",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "TableName", "Value": table}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
        }

    return [
        {"Id": "throttled", "Expression": "FILL(reads, 0) + FILL(writes, 0)", "ReturnData": True},
        stat("reads", "ReadThrottleEvents"),
        stat("writes", "WriteThrottleEvents"),
    ]


def test_a_fill_sum_expression_alarms_on_either_series(cloudwatch: Any) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName="throttles",
        Metrics=_throttles("users"),
        EvaluationPeriods=1,
        Threshold=0.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    assert state(cloudwatch, "throttles")["StateValue"] == "OK"
    put(
        cloudwatch,
        "WriteThrottleEvents",
        2,
        5,
        [{"Name": "TableName", "Value": "users"}],
        ns="AWS/DynamoDB",
    )
    assert state(cloudwatch, "throttles")["StateValue"] == "ALARM"


def test_an_alarm_it_cannot_evaluate_is_listed_and_never_ok(cloudwatch: Any) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName="odd",
        Metrics=[{"Id": "e", "Expression": "RATE(m)", "ReturnData": True, "Period": 60}],
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        TreatMissingData="notBreaching",
    )
    alarm = state(cloudwatch, "odd")
    assert alarm["StateValue"] == "INSUFFICIENT_DATA"
    assert "cannot evaluate" in alarm["StateReason"]
    assert "RATE(m)" in alarm_evaluation.UNEVALUABLE[alarm["AlarmArn"]]


def test_an_alarm_state_change_runs_its_actions(aws: boto3.Session, cloudwatch: Any) -> None:
    sns = aws.client("sns")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
            '{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish","Resource":"'
            + topic
            + '"}]}'
        ),
    )
    sqs = aws.client("sqs")
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    errors_alarm(cloudwatch, AlarmActions=[topic])
    put(cloudwatch, "Errors", 1, 5, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "ALARM"
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert any("NewStateValue" in m["Body"] and "ALARM" in m["Body"] for m in messages)


def test_the_background_evaluator_stays_off_under_a_test_mock(cloudwatch: Any) -> None:
    assert alarm_evaluation.ensure_running() is False


def test_the_index_reads_new_datapoints_and_forgets_what_no_alarm_reaches(
    cloudwatch: Any,
) -> None:
    errors_alarm(cloudwatch)
    put(cloudwatch, "Errors", 1, 5, [FUNCTION, LIVE, VERSION_2])
    put(cloudwatch, "Errors", 1, 5000, [FUNCTION, LIVE, VERSION_2])
    assert state(cloudwatch)["StateValue"] == "ALARM"
    backend = cloudwatch_backends["123456789012"]["us-east-1"]
    index = alarm_evaluation.index_of(backend)
    watched = frozenset(
        {("FunctionName", "svc"), ("Resource", "svc:live"), ("ExecutedVersion", "2")}
    )
    kept = index.of("AWS/Lambda", "Errors", watched)
    assert len(kept) == 1  # the datapoint 5000 s old is past 60 s + the margin
    assert index.read == len(backend.metric_data)


def test_a_client_s_set_alarm_state_holds_until_the_next_period(
    cloudwatch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(local_clock.VARIABLE, "60")  # a 60 s period lasts 1 s
    errors_alarm(cloudwatch)
    assert state(cloudwatch)["StateValue"] == "OK"
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="test")
    alarm_evaluation.evaluate_all()
    assert state(cloudwatch)["StateValue"] == "ALARM"  # held: the next evaluation is later
    time.sleep(1.1)
    alarm_evaluation.evaluate_all()
    assert state(cloudwatch)["StateValue"] == "OK"  # back to what the data says
