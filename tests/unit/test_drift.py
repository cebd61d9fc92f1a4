"""`invoke drift` with fakes: polling, which stacks are checked, what is printed, exit 8."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from ppdeploy.aws.cloudformation import StackState
from ppdeploy.aws.drift_detection import DriftDetection, PropertyDrift, ResourceDrift, StackDrift
from ppdeploy.decide import drift_verdict as decide
from ppdeploy.errors import InputError, TargetError
from ppdeploy.ui import drift_view
from ppdeploy.workflows.stage_drift import stage_drift

SHARED = "purposepath-shared-infrastructure-dev"
COACHING = "purposepath-coaching-api-dev"


def _raw(logical_id: str, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": f"phys-{logical_id}",
        "ResourceType": extra.pop("ResourceType", "AWS::DynamoDB::Table"),
        "StackResourceDriftStatus": status,
        **extra,
    }


@dataclass
class FakeClient:
    """CloudFormation's drift calls: in progress ``polls`` times, then the given results."""

    drifts: dict[str, list[dict[str, Any]]]
    polls: int = 0
    failed_reason: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def detect_stack_drift(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("detect", kwargs))
        return {"StackDriftDetectionId": f"id-{kwargs['StackName']}"}

    def describe_stack_drift_detection_status(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("status", kwargs))
        if self.polls:
            self.polls -= 1
            return {"DetectionStatus": "DETECTION_IN_PROGRESS"}
        if self.failed_reason:
            return {
                "DetectionStatus": "DETECTION_FAILED",
                "DetectionStatusReason": self.failed_reason,
            }
        return {"DetectionStatus": "DETECTION_COMPLETE"}

    def describe_stack_resource_drifts(self, **kwargs: Any) -> dict[str, Any]:
        """Pages of one resource each, to exercise NextToken."""
        self.calls.append(("drifts", kwargs))
        found = self.drifts[kwargs["StackName"]]
        index = int(kwargs.get("NextToken", 0))
        page: dict[str, Any] = {"StackResourceDrifts": found[index : index + 1]}
        if index + 1 < len(found):
            page["NextToken"] = str(index + 1)
        return page


@dataclass
class FakeStacks:
    """The CloudFormation adapter's ``describe``: stack name -> status (absent: not deployed)."""

    statuses: dict[str, str]

    def describe(self, name: str) -> StackState | None:
        status = self.statuses.get(name)
        if status is None:
            return None
        return StackState(name, f"id-{name}", status)


TABLE_DRIFT = _raw(
    "UsersTable",
    "MODIFIED",
    PropertyDifferences=[
        {
            "PropertyPath": "/BillingMode",
            "ExpectedValue": "PAY_PER_REQUEST",
            "ActualValue": "PROVISIONED",
            "DifferenceType": "NOT_EQUAL",
        }
    ],
)
FUNCTION_DRIFT = _raw(
    "ServiceFunction",
    "MODIFIED",
    ResourceType="AWS::Lambda::Function",
    PropertyDifferences=[
        {
            "PropertyPath": "/Timeout",
            "ExpectedValue": "10",
            "ActualValue": "30",
            "DifferenceType": "NOT_EQUAL",
        },
        {
            "PropertyPath": "/Environment/Variables/DEBUG",
            "ExpectedValue": "null",
            "ActualValue": "1",
            "DifferenceType": "ADD",
        },
    ],
)


def test_detection_waits_while_in_progress_and_reads_every_page() -> None:
    client = FakeClient({SHARED: [TABLE_DRIFT, _raw("Key", "IN_SYNC")]}, polls=2)
    slept: list[float] = []

    result = DriftDetection(client, poll_seconds=0.5, sleep=slept.append).detect(SHARED)

    assert slept == [0.5, 0.5]
    assert [r.logical_id for r in result.resources] == ["UsersTable", "Key"]
    assert result.drifted == (result.resources[0],)
    assert result.resources[0].differences == (
        PropertyDrift("/BillingMode", "PAY_PER_REQUEST", "PROVISIONED", "NOT_EQUAL"),
    )


def test_a_detection_that_never_ends_is_a_target_error() -> None:
    client = FakeClient({SHARED: []}, polls=1000)

    with pytest.raises(TargetError, match="did not finish"):
        DriftDetection(client, poll_seconds=1, timeout_seconds=3, sleep=lambda s: None).detect(
            SHARED
        )


def test_every_stack_at_rest_is_checked_and_the_others_are_said_why_not() -> None:
    client = FakeClient({SHARED: [_raw("UsersTable", "IN_SYNC")], COACHING: []})
    stacks = FakeStacks({SHARED: "UPDATE_COMPLETE", COACHING: "UPDATE_IN_PROGRESS"})
    seen: list[decide.StackCheck] = []

    checks = stage_drift(
        stacks, DriftDetection(client, poll_seconds=0), "dev", on_check=seen.append
    )

    assert seen == checks
    by_stack = {c.stack: c for c in checks}
    assert set(by_stack) == set(decide.stage_stacks("dev"))
    assert by_stack[SHARED].drift is not None
    assert by_stack[COACHING].skipped.startswith("UPDATE_IN_PROGRESS")
    assert by_stack["purposepath-account-api-dev"].skipped == "not deployed"
    assert [
        name for kind, call in client.calls if kind == "detect" for name in [call["StackName"]]
    ] == [SHARED]
    assert decide.verdict("dev", checks) == "no drift in stage dev (1 stack(s) checked)"


def test_one_stack_by_name_and_unknown_or_missing_stacks_are_input_errors() -> None:
    client = FakeClient({COACHING: [FUNCTION_DRIFT]})
    stacks = FakeStacks({COACHING: "CREATE_COMPLETE"})
    detection = DriftDetection(client, poll_seconds=0)

    checks = stage_drift(stacks, detection, "dev", stack=COACHING)

    assert [c.stack for c in checks] == [COACHING]
    with pytest.raises(InputError, match="not a stack of stage dev"):
        stage_drift(stacks, detection, "dev", stack="someone-elses")
    with pytest.raises(InputError, match=f"stack {SHARED} does not exist"):
        stage_drift(stacks, detection, "dev", stack=SHARED)


def test_drift_exits_6_naming_the_stacks() -> None:
    drifted = StackDrift(
        COACHING, "DETECTION_COMPLETE", "", (ResourceDrift("F", "f", "T", "DELETED"),)
    )
    checks = [
        decide.StackCheck(COACHING, drift=drifted),
        decide.StackCheck(SHARED, skipped="not deployed"),
    ]

    with pytest.raises(decide.DriftFound) as raised:
        decide.verdict("dev", checks)

    assert raised.value.exit_code == 8
    assert f"1 resource(s) in {COACHING}" in str(raised.value)


def test_the_view_prints_each_drifted_property_and_what_was_not_checked() -> None:
    client = FakeClient(
        {
            COACHING: [
                FUNCTION_DRIFT,
                _raw("Gone", "DELETED", ResourceType="AWS::Logs::LogGroup"),
                _raw(
                    "Api",
                    "UNKNOWN",
                    ResourceType="AWS::ApiGatewayV2::Api",
                    DriftStatusReason="cannot read it",
                ),
                _raw("Custom", "NOT_CHECKED", ResourceType="Custom::Thing"),
                _raw("Role", "IN_SYNC", ResourceType="AWS::IAM::Role"),
            ]
        },
        failed_reason="Failed to detect drift on resources [Api]",
    )
    drift = DriftDetection(client, poll_seconds=0).detect(COACHING)

    printed = drift_view.lines(decide.StackCheck(COACHING, drift=drift))

    assert printed == [
        f"{COACHING}: DRIFTED: 2 of 3 checked resource(s) differ from the template",
        "  ServiceFunction (AWS::Lambda::Function, phys-ServiceFunction): MODIFIED",
        "    /Timeout changed: expected 10, actual 30",
        "    /Environment/Variables/DEBUG added: expected null, actual 1",
        "  Gone (AWS::Logs::LogGroup, phys-Gone): DELETED outside CloudFormation",
        "  could not check 1 resource(s): AWS::ApiGatewayV2::Api: Api",
    ]
    assert drift.detection_status == "DETECTION_FAILED"


def test_the_view_of_a_clean_and_a_skipped_stack() -> None:
    clean = StackDrift(
        SHARED,
        "DETECTION_COMPLETE",
        "",
        (ResourceDrift("T", "t", "AWS::DynamoDB::Table", "IN_SYNC"),),
    )

    assert drift_view.lines(decide.StackCheck(SHARED, drift=clean)) == [
        f"{SHARED}: no drift (1 resource(s) checked)"
    ]
    assert drift_view.lines(decide.StackCheck(COACHING, skipped="not deployed")) == [
        f"{COACHING}: not checked (not deployed)"
    ]


def test_loading_the_drift_task_loads_no_aws_sdk() -> None:
    """`invoke --list` loads every task module: this one must stay as light as the others."""
    import subprocess  # noqa: PLC0415 - only this test runs a probe
    import sys  # noqa: PLC0415 - only this test runs a probe

    probe = (
        "import sys, ppdeploy.tasks.drift; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'moto'}))"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed probe
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert loaded.stdout.strip() == "[]"
