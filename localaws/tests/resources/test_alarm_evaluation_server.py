"""In the local AWS server process, alarms are evaluated in the background.

Marked ``integration``: it starts the server in its own process, as the deploy engine does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pplocalaws.gateway.metrics import ServiceMetricsDoor
from pplocalaws.resources import local_clock

pytestmark = pytest.mark.integration

ALARM = {
    "Resources": {
        "Errors": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmName": "errors",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "svc"}],
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
            },
        }
    }
}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and our module
        [sys.executable, "-m", "pplocalaws.server", "--port", str(port), "--iam", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, local_clock.VARIABLE: "60"},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("local AWS ready")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=30)


def client(url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def wait_for(read: Any, wanted: str, timeout: float = 10.0) -> float:
    started = time.monotonic()
    while read() != wanted:
        assert time.monotonic() - started < timeout, f"still {read()}, not {wanted}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_an_alarm_goes_to_alarm_and_back_to_ok_on_the_compressed_clock(url: str) -> None:
    cfn, cloudwatch = client(url, "cloudformation"), client(url, "cloudwatch")
    cfn.create_stack(StackName="alarms", TemplateBody=json.dumps(ALARM))
    cfn.get_waiter("stack_create_complete").wait(StackName="alarms", WaiterConfig={"Delay": 1})

    def state() -> str:
        return str(
            cloudwatch.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]["StateValue"]
        )

    # As Lambda records them: the local-only door (PutMetricData refuses AWS/ to clients).
    ServiceMetricsDoor(url, "us-east-1").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Errors",
                "Value": 2,
                "Dimensions": [{"Name": "FunctionName", "Value": "svc"}],
            }
        ],
    )
    assert wait_for(state, "ALARM") < 2.0  # a tick is 0.25 s
    assert wait_for(state, "OK") < 3.0  # the 60 s period lasts 1 s at factor 60
