"""Gradual deploys in the engine: following CodeDeploy's traffic shift, and a rollback as exit 4.

Against fakes of the CloudFormation adapter and of the CodeDeploy reader: a test scripts
what CodeDeploy says at each poll (the deployment's status, the alias's weights) and reads
back the ``TrafficShift`` events and the error. No network, no threads left running.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import ResourceChange, StackResource
from ppdeploy.aws.codedeploy import AliasRouting, CodeDeploy, Deployment
from ppdeploy.errors import DeployError
from ppdeploy.events import Recorder, StackNote, TrafficShift
from ppdeploy.model import StackSpec
from ppdeploy.workflows.stack_deploy import deploy_stack
from ppdeploy.workflows.traffic_watch import TrafficWatch, shifted_aliases, uses_codedeploy
from tests.unit.fake_cloudformation import FakeCloudFormation, Then, resource_event, stack_state

STACK = "purposepath-coaching-api-prod"
FUNCTION = "purposepath-coaching-api-prod"
ALIAS_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}:live"
APP = "purposepath-coaching-api-prod-ServerlessDeploymentApplication-X1"
GROUP = "purposepath-coaching-api-prod-ServiceFunctionDeploymentGroup-Y2"
ERRORS_ALARM = "purposepath-coaching-live-version-errors-prod"
FIVE_XX_ALARM = "purposepath-coaching-api-5xx-prod"
RESOURCES = [
    StackResource("ServerlessDeploymentApplication", "AWS::CodeDeploy::Application", APP, "x"),
    StackResource("ServiceFunctionDeploymentGroup", "AWS::CodeDeploy::DeploymentGroup", GROUP, "x"),
    StackResource("ServiceFunctionAliaslive", "AWS::Lambda::Alias", ALIAS_ARN, "x"),
    StackResource("ServiceFunction", "AWS::Lambda::Function", FUNCTION, "x"),
]
SAM_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String}
Resources:
  ServiceFunction:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      DeploymentPreference: {Type: Canary10Percent5Minutes}
"""
ALARM_MESSAGE = (
    "One or more alarms have been activated according to the Amazon CloudWatch metrics you "
    f"selected, and the affected deployments have been stopped. Activated alarms: <{ERRORS_ALARM}>"
)


@dataclass
class FakeCodeDeploy:
    """Answers as CodeDeploy and Lambda would, one scripted reading per ``advance``."""

    old: list[str] = field(default_factory=list)  # deployments from before this update
    readings: list[tuple[Deployment | None, AliasRouting]] = field(default_factory=list)
    alarms: list[str] = field(default_factory=lambda: [ERRORS_ALARM, FIVE_XX_ALARM])
    at: int = 0

    def advance(self) -> None:
        self.at = min(self.at + 1, len(self.readings) - 1)

    def _now(self) -> tuple[Deployment | None, AliasRouting]:
        return self.readings[self.at]

    def deployment_ids(self, application: str, group: str) -> list[str]:
        assert (application, group) == (APP, GROUP)
        deployment, _ = self._now()
        return ([deployment.deployment_id] if deployment else []) + self.old

    def deployment(self, deployment_id: str) -> Deployment:
        deployment, _ = self._now()
        assert deployment is not None
        assert deployment_id == deployment.deployment_id
        return deployment

    def group_alarms(self, application: str, group: str) -> list[str]:
        return list(self.alarms)

    def alias_routing(self, function: str, alias: str) -> AliasRouting:
        assert (function, alias) == (FUNCTION, "live")
        return self._now()[1]


class FakeStack(FakeCloudFormation):
    """The CloudFormation fake with the stack's resources (what the watcher lists)."""

    def resources(self, name: str) -> list[StackResource]:
        return list(RESOURCES)


def deployment(status: str, **fields: str) -> Deployment:
    return Deployment("d-CANARY1", status, APP, GROUP, **fields)


def canary_then(status: str, **fields: str) -> list[tuple[Deployment | None, AliasRouting]]:
    """A canary of version 3 over version 2, then ``status``."""
    last_routing = AliasRouting("3") if status == "Succeeded" else AliasRouting("2")
    return [
        (None, AliasRouting("2")),
        (deployment("InProgress"), AliasRouting("2", {"3": 0.1})),
        (deployment(status, **fields), last_routing),
    ]


def no_wait(_event: threading.Event, _seconds: float) -> bool:
    return True  # the tests poll by hand


def watch_of(reader: FakeCodeDeploy, recorder: Recorder) -> TrafficWatch:
    return TrafficWatch(reader, FakeStack(), STACK, recorder, poll_seconds=0, wait=no_wait)


def test_a_canary_is_reported_step_by_step_once_per_change() -> None:
    reader, recorder = FakeCodeDeploy(readings=canary_then("Succeeded")), Recorder()
    watch = watch_of(reader, recorder)
    watch.start()
    watch.poll()
    reader.advance()
    watch.poll()
    watch.poll()  # nothing changed: nothing said
    reader.advance()
    last = watch.stop()

    shifts = recorder.of_type(TrafficShift)
    assert [(s.status, s.percent, s.from_version, s.to_version) for s in shifts] == [
        ("InProgress", 10.0, "2", "3"),
        ("Succeeded", 100.0, "2", "3"),
    ]
    assert shifts[0].alias == f"{FUNCTION}:live"
    assert shifts[0].deployment_id == "d-CANARY1"
    assert last == [shifts[-1]]


def test_a_deployment_from_before_the_update_is_not_this_updates() -> None:
    reader = FakeCodeDeploy(old=["d-OLD"], readings=[(None, AliasRouting("2"))])
    recorder = Recorder()
    watch = watch_of(reader, recorder)
    watch.start()
    watch.poll()

    assert watch.stop() == []
    assert recorder.events == []


def test_a_rollback_reports_the_traffic_back_and_the_alarm() -> None:
    reader = FakeCodeDeploy(
        readings=canary_then("Stopped", error_code="ALARM_ACTIVE", error_message=ALARM_MESSAGE)
    )
    recorder = Recorder()
    watch = watch_of(reader, recorder)
    watch.start()
    reader.advance()
    watch.poll()
    reader.advance()
    [last] = watch.stop()

    assert (last.status, last.percent, last.to_version) == ("Stopped", 0.0, "3")
    assert last.rolled_back
    assert ERRORS_ALARM in last.reason


def test_codedeploys_own_rollback_deployment_is_not_reported_as_a_shift() -> None:
    """Its AppSpec repeats the stopped one's versions: said as a shift it would read 100%."""
    rollback = Deployment(
        "d-ROLLBACK", "Succeeded", APP, GROUP, current_version="2", target_version="3",
        creator="codeDeployRollback", rolls_back="d-CANARY1",
    )  # fmt: skip

    class WithRollback(FakeCodeDeploy):
        def deployment_ids(self, application: str, group: str) -> list[str]:
            return ["d-ROLLBACK", *super().deployment_ids(application, group)]

        def deployment(self, deployment_id: str) -> Deployment:
            return rollback if deployment_id == "d-ROLLBACK" else super().deployment(deployment_id)

    reader = WithRollback(readings=canary_then("Stopped", error_message=ALARM_MESSAGE))
    recorder = Recorder()
    watch = watch_of(reader, recorder)
    watch.start()
    reader.advance()
    watch.poll()
    reader.advance()
    [last] = watch.stop()

    assert (last.deployment_id, last.status, last.percent) == ("d-CANARY1", "Stopped", 0.0)
    assert all(s.deployment_id == "d-CANARY1" for s in recorder.of_type(TrafficShift))


def test_a_rollback_error_that_names_no_alarm_gets_the_groups_alarms() -> None:
    reader = FakeCodeDeploy(readings=canary_then("Failed", error_message="Deployment failed"))
    watch = watch_of(reader, Recorder())
    watch.start()
    reader.advance()
    reader.advance()
    [last] = watch.stop()

    assert last.reason == f"Deployment failed (rollback alarms: {ERRORS_ALARM}, {FIVE_XX_ALARM})"


def test_a_failing_read_is_one_warning_and_never_fails_the_deploy() -> None:
    class Broken(FakeCodeDeploy):
        def deployment_ids(self, application: str, group: str) -> list[str]:
            raise RuntimeError("AccessDenied: codedeploy:ListDeployments")

    recorder = Recorder()
    watch = watch_of(Broken(readings=[(None, AliasRouting("2"))]), recorder)
    watch.start()
    watch.poll()

    assert watch.stop() == []
    [note] = recorder.of_type(StackNote)
    assert note.level == "warn"
    assert "AccessDenied: codedeploy:ListDeployments" in note.text


def test_the_watch_thread_polls_until_stopped() -> None:
    reader, recorder = FakeCodeDeploy(readings=canary_then("Succeeded")), Recorder()
    polled = threading.Event()

    def wait(stopped: threading.Event, _seconds: float) -> bool:
        polled.set()
        return stopped.wait(5)

    watch = TrafficWatch(reader, FakeStack(), STACK, recorder, poll_seconds=0, wait=wait)
    watch.start()
    assert polled.wait(5)
    reader.advance()
    reader.advance()
    assert [s.status for s in watch.stop()] == ["Succeeded"]


def test_groups_are_paired_with_their_functions_alias_by_sams_logical_ids() -> None:
    [found] = shifted_aliases(RESOURCES)

    assert (found.application, found.group, found.function, found.alias) == (
        APP,
        GROUP,
        FUNCTION,
        "live",
    )
    # A group not made yet (the first update with a preference) pairs with nothing.
    assert shifted_aliases([r for r in RESOURCES if "Deployment" not in r.logical_id]) == []


def test_only_a_template_with_a_deployment_preference_is_watched() -> None:
    assert uses_codedeploy(templates.parse(SAM_TEMPLATE, Path("t.yaml")))
    assert not uses_codedeploy({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})


# -- deploy_stack ------------------------------------------------------------------------


def sam_spec() -> StackSpec:
    template = templates.Template(
        Path("t.yaml"), SAM_TEMPLATE, templates.parse(SAM_TEMPLATE, Path("t.yaml"))
    )
    return StackSpec(STACK, template, parameters={"Stage": "prod"}, tags={"team": "x"})


def deployed_stack() -> FakeStack:
    cfn = FakeStack(
        changes=(ResourceChange("Modify", "ServiceFunctionAliaslive", "AWS::Lambda::Alias"),)
    )
    cfn.stacks[STACK] = stack_state(STACK, "UPDATE_COMPLETE", parameters={"Stage": "prod"})
    cfn.templates[STACK] = SAM_TEMPLATE
    return cfn


class AdvancingStack(FakeStack):
    """Executing the change set moves CodeDeploy to its last reading (the shift ran)."""

    reader: FakeCodeDeploy

    def execute_change_set(
        self, change_set_id: str, *, token: str, retain_except_on_create: bool = False
    ) -> None:
        super().execute_change_set(change_set_id, token=token)
        self.reader.advance()
        self.reader.advance()


def test_a_rolled_back_canary_fails_the_deploy_with_exit_4_naming_the_alarm() -> None:
    cfn = deployed_stack()
    advancing = AdvancingStack(**{k: v for k, v in cfn.__dict__.items() if not k.startswith("_")})
    advancing.reader = FakeCodeDeploy(
        readings=canary_then("Stopped", error_code="ALARM_ACTIVE", error_message=ALARM_MESSAGE)
    )
    advancing.then["execute"] = Then(
        stack_state(STACK, "UPDATE_ROLLBACK_COMPLETE"),
        [
            resource_event(
                "ServiceFunctionAliaslive",
                "UPDATE_FAILED",
                "CodeDeploy deployment d-CANARY1 failed",
                "AWS::Lambda::Alias",
            )
        ],
    )
    recorder = Recorder()

    with pytest.raises(DeployError) as failed:
        deploy_stack(
            advancing,  # type: ignore[arg-type]
            sam_spec(),
            recorder,
            approve=lambda *_: True,
            force=True,
            traffic=advancing.reader,
        )

    assert failed.value.exit_code == 4
    assert "CodeDeploy rolled purposepath-coaching-api-prod:live back to version 2" in str(
        failed.value
    )
    assert "d-CANARY1" in failed.value.what
    assert ERRORS_ALARM in failed.value.cause
    assert recorder.of_type(TrafficShift)[-1].rolled_back


def test_a_successful_shift_is_reported_and_the_deploy_succeeds() -> None:
    cfn = deployed_stack()
    advancing = AdvancingStack(**{k: v for k, v in cfn.__dict__.items() if not k.startswith("_")})
    advancing.reader = FakeCodeDeploy(readings=canary_then("Succeeded"))
    recorder = Recorder()

    result = deploy_stack(
        advancing,  # type: ignore[arg-type]
        sam_spec(),
        recorder,
        approve=lambda *_: True,
        force=True,
        traffic=advancing.reader,
    )

    assert result.outcome == "updated"
    assert recorder.of_type(TrafficShift)[-1].status == "Succeeded"


def test_a_create_is_not_watched_no_alias_shifts_on_create() -> None:
    reader = FakeCodeDeploy(readings=canary_then("Succeeded"))
    cfn = FakeStack()
    recorder = Recorder()

    result = deploy_stack(
        cfn,  # type: ignore[arg-type]
        sam_spec(),
        recorder,
        approve=lambda *_: True,
        traffic=reader,
    )

    assert result.outcome == "created"
    assert recorder.of_type(TrafficShift) == []


# -- the CodeDeploy adapter ----------------------------------------------------------------


class FakeClients:
    """botocore-shaped answers of CodeDeploy and Lambda."""

    def get_paginator(self, _name: str) -> FakeClients:
        return self

    def paginate(self, **kwargs: str) -> list[dict[str, list[str]]]:
        assert kwargs == {"applicationName": APP, "deploymentGroupName": GROUP}
        return [{"deployments": ["d-2"]}, {"deployments": ["d-1"]}]

    def get_deployment(self, deploymentId: str) -> dict[str, object]:
        appspec = (
            '{"version": 0.0, "Resources": [{"ServiceFunction": {"Type": "AWS::Lambda::Function",'
            ' "Properties": {"Name": "f", "Alias": "live", "CurrentVersion": "2",'
            ' "TargetVersion": "3"}}}]}'
        )
        return {
            "deploymentInfo": {
                "deploymentId": deploymentId,
                "status": "Stopped",
                "applicationName": APP,
                "deploymentGroupName": GROUP,
                "errorInformation": {"code": "ALARM_ACTIVE", "message": ALARM_MESSAGE},
                "creator": "user",
                "rollbackInfo": {"rollbackDeploymentId": "d-9"},
                "revision": {
                    "revisionType": "AppSpecContent",
                    "appSpecContent": {"content": appspec},
                },
            }
        }

    def get_deployment_group(self, **_kwargs: str) -> dict[str, object]:
        return {
            "deploymentGroupInfo": {
                "alarmConfiguration": {"enabled": True, "alarms": [{"name": ERRORS_ALARM}]}
            }
        }

    def get_alias(self, FunctionName: str, Name: str) -> dict[str, object]:
        return {"FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.1}}}


def test_the_adapter_reads_status_error_versions_alarms_and_weights() -> None:
    made: list[str] = []

    def client_for(service: str) -> FakeClients:
        made.append(service)
        return FakeClients()

    adapter = CodeDeploy(client_for)
    assert made == []  # nothing made until something is read

    assert adapter.deployment_ids(APP, GROUP) == ["d-2", "d-1"]
    found = adapter.deployment("d-2")
    assert (found.status, found.error_code, found.current_version, found.target_version) == (
        "Stopped",
        "ALARM_ACTIVE",
        "2",
        "3",
    )
    assert found.finished
    assert not found.is_rollback  # it was rolled back; it is not itself a rollback
    assert Deployment("d-9", "Succeeded", rolls_back="d-2").is_rollback
    assert Deployment("d-8", "Succeeded", creator="CloudFormationRollback").is_rollback
    assert adapter.group_alarms(APP, GROUP) == [ERRORS_ALARM]
    routing = adapter.alias_routing(FUNCTION, "live")
    assert (routing.share_of("3"), routing.share_of("2"), routing.share_of("9")) == (
        10.0,
        90.0,
        0.0,
    )
    assert set(made) == {"codedeploy", "lambda"}
