"""SAM's DeploymentPreference carried out by the local AWS: CodeDeploy shifts the alias.

The template is what SAM generates for ``AutoPublishAlias`` + ``DeploymentPreference``
(a CodeDeploy application and deployment group, its service role, and
``UpdatePolicy: CodeDeployLambdaAliasUpdate`` on the alias). Each test fails on moto alone,
which has no CloudFormation model for either CodeDeploy type and ignores UpdatePolicy.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from pplocalaws import cloudwatch_endpoints
from pplocalaws.extensions import install
from pplocalaws.resources import local_clock

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
FACTOR = "300"  # a 5-minute canary interval lasts 1 s: long enough to watch under load


def template(config: str = "Canary10Percent5Minutes", alarms: str = "[!Ref ErrorsAlarm]") -> str:
    return f"""
Transform: AWS::Serverless-2016-10-31
Parameters:
  Code: {{Type: String, Default: v1.zip}}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: svc
      Runtime: python3.12
      Handler: app.handler
      CodeUri: {{Bucket: artifacts, Key: !Ref Code}}
      AutoPublishAlias: live
      DeploymentPreference:
        Type: {config}
        Alarms: {alarms}
  ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: svc-live-errors
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - {{Name: FunctionName, Value: svc}}
        - {{Name: Resource, Value: "svc:live"}}
        - {{Name: ExecutedVersion, Value: "2"}}
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
      TreatMissingData: notBreaching
"""


def _zip(body: str) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", body)
    return archive.getvalue()


@pytest.fixture
def stack(aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Stack "s" at version 1 of function svc; returns the CloudFormation client."""
    install()
    monkeypatch.setenv(local_clock.VARIABLE, FACTOR)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="artifacts")
    for key in ("v1.zip", "v2.zip"):
        s3.put_object(Bucket="artifacts", Key=key, Body=_zip(f"# {key}"))
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=template(), Capabilities=CAPABILITIES)
    assert settled(cfn)["StackStatus"] == "CREATE_COMPLETE"
    return cfn


def settled(cfn: Any, timeout: float = 60.0) -> dict[str, Any]:
    """The stack once no operation is in progress (stack operations may run in background)."""
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = cfn.describe_stacks(StackName="s")["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return described
        time.sleep(0.05)


def update(
    cfn: Any, config: str = "Canary10Percent5Minutes", alarms: str = "[!Ref ErrorsAlarm]"
) -> dict[str, Any]:
    cfn.update_stack(
        StackName="s",
        TemplateBody=template(config, alarms),
        Parameters=[{"ParameterKey": "Code", "ParameterValue": "v2.zip"}],
        Capabilities=CAPABILITIES,
    )
    return settled(cfn)


def alias(aws: boto3.Session) -> dict[str, Any]:
    found: dict[str, Any] = aws.client("lambda").get_alias(FunctionName="svc", Name="live")
    return found


def deployments(aws: boto3.Session) -> list[dict[str, Any]]:
    codedeploy = aws.client("codedeploy")
    found = []
    for application in codedeploy.list_applications()["applications"]:
        for group in codedeploy.list_deployment_groups(applicationName=application)[
            "deploymentGroups"
        ]:
            ids = codedeploy.list_deployments(
                applicationName=application, deploymentGroupName=group
            )["deployments"]
            found += [codedeploy.get_deployment(deploymentId=i)["deploymentInfo"] for i in ids]
    return found


class Shifting:
    """Watches the alias from another thread; runs ``act(routing)`` once, when the alias
    first routes part of its traffic to another version."""

    def __init__(self, aws: boto3.Session, act: Callable[[dict[str, Any]], None]) -> None:
        self.seen: list[dict[str, Any]] = []
        self._client = aws.client("lambda")
        self._act = act
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = self._client.get_alias(FunctionName="svc", Name="live")
            routing = found.get("RoutingConfig") or {}
            if routing.get("AdditionalVersionWeights"):
                self.seen.append(routing)
                self._act(routing)
                return
            time.sleep(0.02)

    def join(self) -> list[dict[str, Any]]:
        self._thread.join()
        return self.seen


def test_sam_deployment_preference_creates_codedeploy_resources(
    aws: boto3.Session, stack: Any
) -> None:
    codedeploy = aws.client("codedeploy")
    (application,) = codedeploy.list_applications()["applications"]
    assert (
        codedeploy.get_application(applicationName=application)["application"]["computePlatform"]
        == "Lambda"
    )
    (group,) = codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]
    info = codedeploy.get_deployment_group(applicationName=application, deploymentGroupName=group)[
        "deploymentGroupInfo"
    ]
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert info["alarmConfiguration"]["alarms"] == [{"name": "svc-live-errors"}]
    assert alias(aws)["FunctionVersion"] == "1"
    assert deployments(aws) == []  # creating the alias is no deployment


def test_a_canary_routes_ten_percent_then_all_traffic(aws: boto3.Session, stack: Any) -> None:
    during: list[str] = []
    cfn = aws.client("cloudformation")

    def read_stack(_routing: dict[str, Any]) -> None:
        # CloudFormation keeps answering while the deployment waits (operations.pause).
        during.append(cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"])

    watch = Shifting(aws, read_stack)
    started = time.monotonic()
    described = update(stack)
    elapsed = time.monotonic() - started
    seen = watch.join()
    assert described["StackStatus"] == "UPDATE_COMPLETE", described.get("StackStatusReason")
    assert seen[0] == {"AdditionalVersionWeights": {"2": 0.1}}
    assert during == ["UPDATE_IN_PROGRESS"]
    assert elapsed >= 1.0  # the 5-minute interval on the compressed clock
    live = alias(aws)
    assert live["FunctionVersion"] == "2"
    assert not (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    (deployment,) = deployments(aws)
    assert deployment["status"] == "Succeeded"
    assert deployment["deploymentId"].startswith("d-")
    assert deployment["errorInformation"] == {}


def test_all_at_once_moves_all_traffic_in_one_step(aws: boto3.Session, stack: Any) -> None:
    described = update(stack, config="AllAtOnce")
    assert described["StackStatus"] == "UPDATE_COMPLETE", described.get("StackStatusReason")
    assert alias(aws)["FunctionVersion"] == "2"
    assert [d["status"] for d in deployments(aws)] == ["Succeeded"]
    assert deployments(aws)[0]["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"


def test_an_alarm_during_the_canary_rolls_traffic_back_and_fails_the_update(
    aws: boto3.Session, stack: Any
) -> None:
    def canary_errors(_routing: dict[str, Any]) -> None:
        # Lambda records its own metrics (PutMetricData refuses AWS/ to clients).
        cloudwatch_endpoints.record(
            "AWS/Lambda",
            [
                {
                    "MetricName": "Errors",
                    "Value": 1.0,
                    "Timestamp": datetime.now(UTC),
                    "Dimensions": [
                        {"Name": "FunctionName", "Value": "svc"},
                        {"Name": "Resource", "Value": "svc:live"},
                        {"Name": "ExecutedVersion", "Value": "2"},
                    ],
                }
            ],
        )

    watch = Shifting(aws, canary_errors)
    described = update(stack)
    assert watch.join(), "the alias never routed part of its traffic to version 2"
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    stopped = next(d for d in deployments(aws) if d["creator"] == "user")
    assert stopped["status"] == "Stopped"
    assert stopped["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "svc-live-errors" in stopped["errorInformation"]["message"]
    rollback = next(d for d in deployments(aws) if d["creator"] == "codeDeployRollback")
    assert stopped["rollbackInfo"]["rollbackDeploymentId"] == rollback["deploymentId"]
    events = stack.describe_stack_events(StackName="s")["StackEvents"]
    failed = next(
        e
        for e in events
        if e["LogicalResourceId"] == "FnAliaslive" and e["ResourceStatus"] == "UPDATE_FAILED"
    )
    assert stopped["deploymentId"] in failed["ResourceStatusReason"]
    assert "svc-live-errors" in failed["ResourceStatusReason"]
    live = alias(aws)
    assert live["FunctionVersion"] == "1"
    assert not (live.get("RoutingConfig") or {}).get("AdditionalVersionWeights")


def test_a_deployment_group_alarm_that_does_not_exist_fails_the_deployment(
    aws: boto3.Session, stack: Any
) -> None:
    described = update(stack, alarms="[no-such-alarm]")
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    failed = next(d for d in deployments(aws) if d["creator"] == "user")
    assert failed["status"] == "Failed"
    assert failed["errorInformation"]["code"] == "ALARM_CONFIG"
    assert "no-such-alarm" in failed["errorInformation"]["message"]
    assert alias(aws)["FunctionVersion"] == "1"


def test_stop_deployment_stops_the_shift_and_returns_traffic(
    aws: boto3.Session, stack: Any
) -> None:
    codedeploy = aws.client("codedeploy")

    def stop(_routing: dict[str, Any]) -> None:
        (running,) = [d for d in deployments(aws) if d["status"] == "InProgress"]
        answer = codedeploy.stop_deployment(
            deploymentId=running["deploymentId"], autoRollbackEnabled=True
        )
        assert answer["status"] == "Pending"

    watch = Shifting(aws, stop)
    described = update(stack)
    assert watch.join()
    assert described["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    stopped = next(d for d in deployments(aws) if d["creator"] == "user")
    assert (stopped["status"], stopped["errorInformation"]["code"]) == ("Stopped", "MANUAL_STOP")
    assert alias(aws)["FunctionVersion"] == "1"
    with pytest.raises(codedeploy.exceptions.ClientError, match="DeploymentAlreadyCompleted"):
        codedeploy.stop_deployment(deploymentId=stopped["deploymentId"])
