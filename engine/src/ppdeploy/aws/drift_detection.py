"""CloudFormation drift detection calls: start a detection, wait for it, read each resource's drift.

DetectStackDrift starts a detection and returns its id; DescribeStackDriftDetectionStatus
answers DETECTION_IN_PROGRESS until it ends (COMPLETE, or FAILED when some resources
could not be checked: "Results will be available for resources on which CloudFormation
successfully completed drift detection"); DescribeStackResourceDrifts then lists each
resource's result (CloudFormation API Reference, those three pages). botocore has no
paginator for DescribeStackResourceDrifts, so NextToken is followed here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ppdeploy.aws.cloudformation import _translated_errors
from ppdeploy.errors import TargetError

DRIFTED_STATUSES = frozenset({"MODIFIED", "DELETED"})


@dataclass(frozen=True)
class PropertyDrift:
    """One property that differs: a JSON pointer, both values as AWS shows them, and how."""

    path: str
    expected: str
    actual: str
    kind: str  # ADD | REMOVE | NOT_EQUAL


@dataclass(frozen=True)
class ResourceDrift:
    logical_id: str
    physical_id: str
    resource_type: str
    status: str  # IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED
    differences: tuple[PropertyDrift, ...] = ()
    reason: str = ""

    @property
    def drifted(self) -> bool:
        return self.status in DRIFTED_STATUSES


@dataclass(frozen=True)
class StackDrift:
    """A finished detection of one stack."""

    stack: str
    detection_status: str  # DETECTION_COMPLETE | DETECTION_FAILED
    reason: str
    resources: tuple[ResourceDrift, ...]

    @property
    def drifted(self) -> tuple[ResourceDrift, ...]:
        return tuple(r for r in self.resources if r.drifted)

    @property
    def unchecked(self) -> tuple[ResourceDrift, ...]:
        """Resources the detection could not check (UNKNOWN), each with its reason."""
        return tuple(r for r in self.resources if r.status == "UNKNOWN")


def _resource_drift(raw: dict[str, Any]) -> ResourceDrift:
    return ResourceDrift(
        logical_id=raw["LogicalResourceId"],
        physical_id=raw.get("PhysicalResourceId", "") or "",
        resource_type=raw.get("ResourceType", ""),
        status=raw["StackResourceDriftStatus"],
        differences=tuple(
            PropertyDrift(
                path=d["PropertyPath"],
                expected=d.get("ExpectedValue", ""),
                actual=d.get("ActualValue", ""),
                kind=d["DifferenceType"],
            )
            for d in raw.get("PropertyDifferences", []) or []
        ),
        reason=raw.get("DriftStatusReason", "") or "",
    )


class DriftDetection:
    """Drift detection for one target; ``poll_seconds`` paces the wait for a result."""

    def __init__(
        self,
        client: Any,
        *,
        poll_seconds: float,
        timeout_seconds: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._poll_seconds = poll_seconds
        self._timeout_seconds = timeout_seconds
        self._sleep = sleep

    def _call(self, action: str, **kwargs: Any) -> Any:
        with _translated_errors():
            return getattr(self._client, action)(**kwargs)

    def detect(self, stack: str) -> StackDrift:
        """Run a detection on ``stack`` and wait for its result."""
        started = self._call("detect_stack_drift", StackName=stack)
        status = self._wait(stack, started["StackDriftDetectionId"])
        return StackDrift(
            stack=stack,
            detection_status=status["DetectionStatus"],
            reason=status.get("DetectionStatusReason", "") or "",
            resources=tuple(self._resource_drifts(stack)),
        )

    def _wait(self, stack: str, detection_id: str) -> dict[str, Any]:
        waited = 0.0
        while True:
            status: dict[str, Any] = self._call(
                "describe_stack_drift_detection_status", StackDriftDetectionId=detection_id
            )
            if status["DetectionStatus"] != "DETECTION_IN_PROGRESS":
                return status
            if waited >= self._timeout_seconds:
                raise TargetError(
                    f"drift detection of {stack} did not finish in {self._timeout_seconds:.0f} s",
                    cause=f"detection {detection_id} is still DETECTION_IN_PROGRESS",
                    fix="run the same command again later; a large stack takes minutes",
                )
            self._sleep(self._poll_seconds)
            waited += self._poll_seconds

    def _resource_drifts(self, stack: str) -> list[ResourceDrift]:
        found: list[ResourceDrift] = []
        token: str | None = None
        while True:
            page = self._call(
                "describe_stack_resource_drifts",
                StackName=stack,
                **({"NextToken": token} if token else {}),
            )
            found.extend(_resource_drift(raw) for raw in page.get("StackResourceDrifts", []))
            token = page.get("NextToken")
            if not token:
                return found
