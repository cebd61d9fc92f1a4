"""CloudWatch alarms (our model) and dashboards (moto's) through CloudFormation."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3

TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}},
        "Errors": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "purposepath-account-api-dev-errors",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "purposepath-account-api-dev"}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": [{"Ref": "Topic"}],
                "OKActions": [{"Ref": "Topic"}],
            },
        },
        "Dashboard": {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": "purposepath-dashboard-dev",
                "DashboardBody": json.dumps({"widgets": []}),
            },
        },
    },
    "Outputs": {
        "Alarm": {"Value": {"Ref": "Errors"}},
        "AlarmArn": {"Value": {"Fn::GetAtt": ["Errors", "Arn"]}},
    },
}


def _alarm(cloudwatch: Any) -> dict[str, Any]:
    return cloudwatch.describe_alarms(AlarmNames=["purposepath-account-api-dev-errors"])[
        "MetricAlarms"
    ][0]  # type: ignore[no-any-return]


def test_alarm_and_dashboard_are_created(aws: boto3.Session) -> None:
    cfn, cloudwatch = aws.client("cloudformation"), aws.client("cloudwatch")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    alarm = _alarm(cloudwatch)
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"]
    }
    assert outputs == {"Alarm": alarm["AlarmName"], "AlarmArn": alarm["AlarmArn"]}
    assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:alarms"]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "purposepath-account-api-dev"}]
    assert (alarm["Threshold"], alarm["TreatMissingData"]) == (1.0, "notBreaching")
    assert [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]] == [
        "purposepath-dashboard-dev"
    ]


def test_threshold_update_is_in_place(aws: boto3.Session) -> None:
    cfn, cloudwatch = aws.client("cloudformation"), aws.client("cloudwatch")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Errors"]["Properties"]["Threshold"] = 5

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    assert _alarm(cloudwatch)["Threshold"] == 5.0
    assert len(cloudwatch.describe_alarms()["MetricAlarms"]) == 1


def test_a_renamed_alarm_replaces_the_old_one(aws: boto3.Session) -> None:
    cfn, cloudwatch = aws.client("cloudformation"), aws.client("cloudwatch")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
    template = copy.deepcopy(TEMPLATE)
    template["Resources"]["Errors"]["Properties"]["AlarmName"] = "renamed"

    cfn.update_stack(StackName="s", TemplateBody=json.dumps(template))

    assert [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]] == ["renamed"]


def test_delete_stack_removes_alarm_and_dashboard(aws: boto3.Session) -> None:
    cfn, cloudwatch = aws.client("cloudformation"), aws.client("cloudwatch")
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))

    cfn.delete_stack(StackName="s")

    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []


def test_a_metric_math_alarm_can_be_described(aws: boto3.Session) -> None:
    """An expression query has no Period; describing it must not break the response."""
    template = {
        "Resources": {
            "Throttles": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmName": "throttles",
                    "ComparisonOperator": "GreaterThanThreshold",
                    "EvaluationPeriods": 1,
                    "Threshold": 0,
                    "Metrics": [
                        {
                            "Id": "reads",
                            "ReturnData": False,
                            "MetricStat": {
                                "Metric": {
                                    "Namespace": "AWS/DynamoDB",
                                    "MetricName": "ReadThrottleEvents",
                                    "Dimensions": [{"Name": "TableName", "Value": "t"}],
                                },
                                "Period": 300,
                                "Stat": "Sum",
                            },
                        },
                        {"Id": "total", "Expression": "reads", "Label": "throttles"},
                    ],
                },
            }
        }
    }
    aws.client("cloudformation").create_stack(StackName="math", TemplateBody=json.dumps(template))
    alarm = aws.client("cloudwatch").describe_alarms(AlarmNames=["throttles"])["MetricAlarms"][0]
    assert [query["Id"] for query in alarm["Metrics"]] == ["reads", "total"]
    assert alarm["Metrics"][0]["MetricStat"]["Period"] == 300
    assert "Period" not in alarm["Metrics"][1]
