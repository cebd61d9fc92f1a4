"""AWS::CloudWatch::Alarm on moto's CloudWatch backend (moto has no model for it).

Ref returns the alarm name; ``Fn::GetAtt Arn`` the alarm ARN. PutMetricAlarm overwrites an
alarm of the same name, so an update is in place; a new AlarmName replaces it. The first
alarm a stack creates starts the alarm evaluator (``alarm_evaluation``) in a serving process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.cloudwatch.models import (
    CloudWatchBackend,
    Dimension,
    Metric,
    MetricDataQuery,
    MetricStat,
    cloudwatch_backends,
)
from moto.core.common_models import CloudFormationModel

from pplocalaws.resources import alarm_evaluation
from pplocalaws.resources.common import LocalModel, Properties, as_bool

RESOURCE_TYPE = "AWS::CloudWatch::Alarm"


def _backend(account_id: str, region_name: str) -> CloudWatchBackend:
    return cloudwatch_backends[account_id][region_name]


def metric_queries(metrics: list[Properties] | None) -> list[MetricDataQuery] | None:
    """CloudFormation's ``Metrics`` (metric math) as moto's query objects."""
    if not metrics:
        return None
    queries = []
    for metric in metrics:
        stat = metric.get("MetricStat")
        metric_stat = None
        if stat:
            watched = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=watched["MetricName"],
                    namespace=watched.get("Namespace", ""),
                    dimensions=[
                        Dimension(name=d["Name"], value=d["Value"])
                        for d in watched.get("Dimensions", [])
                    ],
                ),
                period=str(stat["Period"]),
                stat=stat["Stat"],
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=metric["Id"],
                label=metric.get("Label", ""),
                # An expression query has no period; moto would serialise "" as an integer.
                period=str(metric["Period"]) if "Period" in metric else None,  # type: ignore[arg-type]  # moto's serialiser omits None; its hint says str
                return_data=str(as_bool(metric.get("ReturnData"), True)).lower(),
                expression=metric.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    return queries


def _put_alarm(name: str, properties: Properties, account_id: str, region_name: str) -> Any:
    threshold = properties.get("Threshold")
    return _backend(account_id, region_name).put_metric_alarm(
        name=name,
        namespace=properties.get("Namespace", ""),
        metric_name=properties.get("MetricName", ""),
        comparison_operator=properties["ComparisonOperator"],
        evaluation_periods=int(properties["EvaluationPeriods"]),
        period=int(properties.get("Period", 0)),
        threshold=float(threshold) if threshold is not None else 0.0,
        statistic=properties.get("Statistic", ""),
        description=properties.get("AlarmDescription", ""),
        dimensions=list(properties.get("Dimensions", [])),
        alarm_actions=list(properties.get("AlarmActions", [])),
        metric_data_queries=metric_queries(properties.get("Metrics")),
        datapoints_to_alarm=(
            int(properties["DatapointsToAlarm"]) if "DatapointsToAlarm" in properties else None
        ),
        extended_statistic=properties.get("ExtendedStatistic"),
        ok_actions=list(properties.get("OKActions", [])),
        insufficient_data_actions=list(properties.get("InsufficientDataActions", [])),
        unit=properties.get("Unit"),
        actions_enabled=as_bool(properties.get("ActionsEnabled"), True),
        treat_missing_data=properties.get("TreatMissingData"),
        evaluate_low_sample_count_percentile=properties.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=properties.get("ThresholdMetricId"),
        tags=properties.get("Tags"),
    )


class LocalAlarm(LocalModel, CloudFormationModel):
    """A metric alarm. Ref returns its name."""

    RESOURCE_TYPE = RESOURCE_TYPE
    NAME_PROPERTY = "AlarmName"
    REF_ATTRIBUTE = "name"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {"Arn": "arn"}

    def __init__(self, name: str, arn: str, properties: Properties) -> None:
        self.name = name
        self.arn = arn
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalAlarm:
        alarm = _put_alarm(resource_name, properties, account_id, region_name)
        alarm_evaluation.ensure_running()  # the server evaluates alarms from the first one on
        return cls(resource_name, alarm.alarm_arn, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        _put_alarm(self.name, new, account_id, region_name)

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).delete_alarms([physical_id])
