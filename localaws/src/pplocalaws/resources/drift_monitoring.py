"""Drift readers for CloudWatch alarms and dashboards, SNS topics and subscriptions, and
Lambda aliases.

An alarm on metric math (``Metrics``) is compared on everything but its ``Metrics``
list, which moto keeps in its own query objects: a PutMetricAlarm that changes only
that list is not seen as drift here (it is on AWS), a known gap.
A topic's tags are moto's private state and are not read.
"""

from __future__ import annotations

import json
from typing import Any

from pplocalaws.resources.drift_common import Live, Reader

_ALARM_FIELDS = {
    "AlarmDescription": "description",
    "Namespace": "namespace",
    "MetricName": "metric_name",
    "Statistic": "statistic",
    "ExtendedStatistic": "extended_statistic",
    "Period": "period",
    "EvaluationPeriods": "evaluation_periods",
    "DatapointsToAlarm": "datapoints_to_alarm",
    "Threshold": "threshold",
    "ComparisonOperator": "comparison_operator",
    "TreatMissingData": "treat_missing_data",
    "Unit": "unit",
    "ThresholdMetricId": "threshold_metric_id",
}


# -- AWS::CloudWatch::Alarm (physical id: the alarm's name) ----------------------------------
def read_alarm(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415 - moto loads on first use

    alarm = cloudwatch_backends[account_id][region].alarms.get(physical_id)
    if alarm is None:
        return None
    live: Live = {
        "AlarmName": alarm.name,
        "ActionsEnabled": bool(alarm.actions_enabled),
        "AlarmActions": list(alarm.alarm_actions or []),
        "OKActions": list(alarm.ok_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions or []],
    }
    for prop, attribute in _ALARM_FIELDS.items():
        value = getattr(alarm, attribute, None)
        if value is not None:
            live[prop] = value
    return live


# -- AWS::CloudWatch::Dashboard (physical id: its name) ---------------------------------------
def read_dashboard(physical_id: str, account_id: str, region: str) -> Live | None:
    """The body compares as the text the template resolves to, as the API keeps it."""
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415 - moto loads on first use

    dashboard = cloudwatch_backends[account_id][region].dashboards.get(physical_id)
    if dashboard is None:
        return None
    return {"DashboardName": dashboard.name, "DashboardBody": dashboard.body}


# -- AWS::SNS::Topic (physical id: the topic's ARN) ------------------------------------------
def read_topic(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.sns.models import sns_backends  # noqa: PLC0415 - moto loads on first use

    topic = sns_backends[account_id][region].topics.get(physical_id)
    if topic is None:
        return None
    live: Live = {"TopicName": topic.name}
    if topic.display_name:
        live["DisplayName"] = topic.display_name
    if topic.kms_master_key_id:
        live["KmsMasterKeyId"] = topic.kms_master_key_id
    return live


# -- AWS::SNS::Subscription (physical id: the subscription's ARN) ---------------------------
def read_subscription(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.sns.models import sns_backends  # noqa: PLC0415 - moto loads on first use

    subscription = sns_backends[account_id][region].subscriptions.get(physical_id)
    if subscription is None:
        return None
    live: Live = {
        "TopicArn": subscription.topic_arn,
        "Protocol": subscription.protocol,
        "Endpoint": subscription.endpoint,
    }
    attributes = subscription.attributes
    if attributes.get("RawMessageDelivery") is not None:
        live["RawMessageDelivery"] = str(attributes["RawMessageDelivery"]).lower() == "true"
    if attributes.get("FilterPolicy"):
        live["FilterPolicy"] = json.loads(attributes["FilterPolicy"])
    return live


# -- AWS::Lambda::Alias (physical id: the alias's ARN) ---------------------------------------
def read_alias(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.awslambda.exceptions import (  # noqa: PLC0415 - moto loads on first use
        UnknownAliasException,
        UnknownFunctionException,
    )
    from moto.awslambda.models import lambda_backends  # noqa: PLC0415 - moto loads on first use

    function_name, name = physical_id.split(":")[-2:]  # ...:function:<function>:<alias>
    try:
        alias = lambda_backends[account_id][region].get_alias(name, function_name)
    except (UnknownAliasException, UnknownFunctionException):
        return None
    live: Live = {"Name": alias.name, "FunctionVersion": str(alias.function_version)}
    if alias.description:
        live["Description"] = alias.description
    routing: dict[str, Any] = alias.routing_config if isinstance(alias.routing_config, dict) else {}
    weights: dict[str, float] = routing.get("AdditionalVersionWeights") or {}
    if weights:
        live["RoutingConfig"] = {
            "AdditionalVersionWeights": [
                {"FunctionVersion": str(version), "FunctionWeight": weight}
                for version, weight in sorted(weights.items())
            ]
        }
    return live


READERS: dict[str, Reader] = {
    "AWS::CloudWatch::Alarm": Reader(
        read_alarm,
        frozenset(
            {
                "AlarmName",
                "ActionsEnabled",
                "AlarmActions",
                "OKActions",
                "InsufficientDataActions",
                "Dimensions",
                *_ALARM_FIELDS,
            }
        ),
    ),
    "AWS::CloudWatch::Dashboard": Reader(
        read_dashboard, frozenset({"DashboardName", "DashboardBody"})
    ),
    "AWS::SNS::Topic": Reader(
        read_topic, frozenset({"TopicName", "DisplayName", "KmsMasterKeyId"})
    ),
    "AWS::SNS::Subscription": Reader(
        read_subscription,
        frozenset({"TopicArn", "Protocol", "Endpoint", "RawMessageDelivery", "FilterPolicy"}),
    ),
    "AWS::Lambda::Alias": Reader(
        read_alias, frozenset({"Name", "FunctionVersion", "Description", "RoutingConfig"})
    ),
}
