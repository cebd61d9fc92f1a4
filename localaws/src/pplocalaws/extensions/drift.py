"""Stack drift detection, which moto does not have: DetectStackDrift and its three companions.

CloudFormation compares each resource's live configuration with the properties its
template sets (resolved with the stack's parameters, imports and other resources), and
records the result per resource (AWS CloudFormation User Guide, "Detect unmanaged
configuration changes to stacks and resources with drift detection",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html;
API Reference: DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts, DetectStackResourceDrift). Here:

- the live state comes from moto's backends through ``resources.drift_readers`` (its
  ``READERS`` names every type read and the properties compared); the comparison and
  the PropertyDifferences are ``drift_compare``'s; the stack's own tags, which
  CloudFormation puts on its resources, are not drift;
- a resource type CloudFormation does not drift-check answers NOT_CHECKED ("Resource
  type support", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resource-import-supported-resources.html;
  custom resources and nested stacks, which DetectStackDrift's page excludes);
- a type AWS checks but the local AWS cannot read answers UNKNOWN with a
  DriftStatusReason saying so, and the detection is DETECTION_FAILED naming those
  resources ("DETECTION_FAILED: the stack drift detection operation has failed for at
  least one resource in the stack. Results will be available for resources on which
  CloudFormation successfully completed drift detection", DescribeStackDriftDetectionStatus).
  Never IN_SYNC for what was not compared;
- detection runs inside the DetectStackDrift call (the local AWS is fast enough), so the
  first DescribeStackDriftDetectionStatus already answers DETECTION_COMPLETE (or FAILED);
  callers that poll, as on AWS, work unchanged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from pplocalaws.extensions.changeset_model import live_stack
from pplocalaws.extensions.drift_compare import differences
from pplocalaws.extensions.resolution import DynamicReference, ResolutionView, resolve
from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.resources.drift_readers import READERS
from pplocalaws.seams import add_actions, parsed_resources, request_param, resource_bodies

# Statuses in which drift can be detected ("Detect drift on an entire CloudFormation
# stack": a stack whose last operation completed or left it stopped after an update).
# Strict: the page names CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE and
# UPDATE_ROLLBACK_FAILED; the import statuses are added as their "complete" equivalents.
DETECTABLE_STATUSES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
    }
)
# Types CloudFormation never drift-checks: a custom resource's state is its provider's,
# and a nested stack is checked on its own (DetectStackDrift: "CloudFormation doesn't
# detect drift on any nested stacks belonging to that stack").
NOT_CHECKED_TYPES = frozenset(
    {
        "AWS::CloudFormation::CustomResource",
        "AWS::CloudFormation::Stack",
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
    }
)
MAX_RESULTS = 100  # DescribeStackResourceDrifts: MaxResults 1..100


@dataclass
class Detection:
    detection_id: str
    stack_id: str
    drifted: int
    failed: list[str]
    timestamp: datetime

    def shaped(self) -> dict[str, Any]:
        shaped: dict[str, Any] = {
            "StackId": self.stack_id,
            "StackDriftDetectionId": self.detection_id,
            "StackDriftStatus": "DRIFTED" if self.drifted else "IN_SYNC",
            "DetectionStatus": "DETECTION_FAILED" if self.failed else "DETECTION_COMPLETE",
            "DriftedStackResourceCount": self.drifted,
            "Timestamp": self.timestamp,
        }
        if self.failed:
            shaped["DetectionStatusReason"] = (
                f"Failed to detect drift on resources [{', '.join(self.failed)}]: the local "
                "AWS cannot read their live state (see each resource's DriftStatusReason)"
            )
        return shaped


# Detections by id, and each stack's latest result per logical id. Detection ids are
# fresh UUIDs and stack ids unique, so one process-wide registry serves every backend.
_detections: dict[str, Detection] = {}
_latest: dict[str, dict[str, dict[str, Any]]] = {}


# -- detecting ----------------------------------------------------------------------------
def _checkable_stack(backend: CloudFormationBackend, name: str | None) -> LocalStack:
    if not name:
        raise ValidationError(message="StackName is required: name the stack to check for drift.")
    stack = live_stack(backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack with id {name} does not exist")
    if stack.status not in DETECTABLE_STATUSES:
        raise ValidationError(
            message=f"Stack {stack.name} is in {stack.status} state; drift detection runs on a "
            f"stack in {', '.join(sorted(DETECTABLE_STATUSES))}. Wait for its operation to end."
        )
    return stack


def _deployed_ids(stack: LocalStack) -> list[str]:
    """Logical ids of the stack's resources that exist (created, condition true)."""
    parsed = parsed_resources(stack.resource_map)
    return sorted(lid for lid in resource_bodies(stack.resource_map) if lid in parsed)


def _without_none(value: Any) -> Any:
    """A resolved fragment without the holes AWS::NoValue leaves."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def resource_drift(stack: LocalStack, logical_id: str, now: datetime) -> dict[str, Any]:
    """The StackResourceDrift of one deployed resource."""
    body = resource_bodies(stack.resource_map)[logical_id]
    resource_type = str(body.get("Type"))
    resource = parsed_resources(stack.resource_map)[logical_id]
    drift: dict[str, Any] = {
        "StackId": stack.stack_id,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": str(getattr(resource, "physical_resource_id", "") or ""),
        "ResourceType": resource_type,
        "Timestamp": now,
    }
    if resource_type in NOT_CHECKED_TYPES or resource_type.startswith("Custom::"):
        drift["StackResourceDriftStatus"] = "NOT_CHECKED"
        return drift
    reader = READERS.get(resource_type)
    if reader is None:
        return _unknown(drift, f"the local AWS cannot read the live state of {resource_type}")
    try:
        resolved = resolve(
            body.get("Properties") or {}, ResolutionView.of(stack.resource_map, deployed=True)
        )
    except (DynamicReference, KeyError) as error:
        return _unknown(drift, f"the template's properties do not resolve ({error})")
    expected = {k: v for k, v in _without_none(resolved).items() if k in reader.properties}
    live = reader.live(drift["PhysicalResourceId"], stack.account_id, stack.region_name, expected)
    drift["ExpectedProperties"] = json.dumps(expected, sort_keys=True)
    if live is None:
        drift["StackResourceDriftStatus"] = "DELETED"
        return drift
    live = _without_stack_tags(live, stack, expected.get("Tags"))
    actual = {k: v for k, v in live.items() if k in expected}
    found = differences(expected, actual)
    drift["ActualProperties"] = json.dumps(actual, sort_keys=True, default=str)
    drift["PropertyDifferences"] = [difference.shaped() for difference in found]
    drift["StackResourceDriftStatus"] = "MODIFIED" if found else "IN_SYNC"
    return drift


def _without_stack_tags(
    live: dict[str, Any], stack: LocalStack, template_tags: Any
) -> dict[str, Any]:
    """The live properties without the stack's own tags (unless the template sets them too).

    CloudFormation puts the stack's tags on the resources it creates (CreateStack, Tags:
    "CloudFormation also propagates these tags to the resources created in the stack"):
    they are CloudFormation's doing, not a change behind its back.
    """
    tags = live.get("Tags")
    if not isinstance(tags, list) or not stack.tags:
        return live
    declared = {str(t.get("Key")) for t in template_tags or [] if isinstance(t, dict)}
    own = {(str(k), str(v)) for k, v in stack.tags.items() if str(k) not in declared}
    kept = [t for t in tags if (str(t.get("Key")), str(t.get("Value"))) not in own]
    return {**live, "Tags": kept}


def _unknown(drift: dict[str, Any], reason: str) -> dict[str, Any]:
    drift["StackResourceDriftStatus"] = "UNKNOWN"
    drift["DriftStatusReason"] = reason
    return drift


def detect(stack: LocalStack, logical_ids: list[str] | None = None) -> Detection:
    """Check the stack's resources (or only ``logical_ids``) and record the result."""
    deployed = _deployed_ids(stack)
    if logical_ids:
        unknown = sorted(set(logical_ids) - set(deployed))
        if unknown:
            raise ValidationError(
                message=f"LogicalResourceIds {unknown} are not resources of stack {stack.name}; "
                "name resources of its template that exist."
            )
        deployed = [lid for lid in deployed if lid in logical_ids]
    now = datetime.now(UTC)
    results = {lid: resource_drift(stack, lid, now) for lid in deployed}
    _latest.setdefault(stack.stack_id, {}).update(results)
    detection = Detection(
        detection_id=str(uuid.uuid4()),
        stack_id=stack.stack_id,
        drifted=sum(
            r["StackResourceDriftStatus"] in ("MODIFIED", "DELETED") for r in results.values()
        ),
        failed=[lid for lid, r in results.items() if r["StackResourceDriftStatus"] == "UNKNOWN"],
        timestamp=now,
    )
    _detections[detection.detection_id] = detection
    return detection


# -- responses ----------------------------------------------------------------------------
def detect_stack_drift(self: CloudFormationResponse) -> ActionResult:
    stack = _checkable_stack(self.cloudformation_backend, request_param(self, "StackName"))
    logical_ids = request_param(self, "LogicalResourceIds") or None
    detection = detect(stack, logical_ids)
    return ActionResult({"StackDriftDetectionId": detection.detection_id})


def describe_stack_drift_detection_status(self: CloudFormationResponse) -> ActionResult:
    detection_id = request_param(self, "StackDriftDetectionId")
    detection = _detections.get(str(detection_id))
    if detection is None:
        raise ValidationError(
            message=f"Drift detection id {detection_id} does not exist: use the "
            "StackDriftDetectionId DetectStackDrift returned."
        )
    return ActionResult(detection.shaped())


def describe_stack_resource_drifts(self: CloudFormationResponse) -> ActionResult:
    name = request_param(self, "StackName")
    stack = live_stack(self.cloudformation_backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack with id {name} does not exist")
    wanted = set(request_param(self, "StackResourceDriftStatusFilters") or [])
    limit = int(request_param(self, "MaxResults") or MAX_RESULTS)
    if not 1 <= limit <= MAX_RESULTS:
        raise ValidationError(
            message=f"MaxResults {limit} is out of range: use 1 to {MAX_RESULTS}."
        )
    drifts = [
        drift
        for _, drift in sorted(_latest.get(stack.stack_id, {}).items())
        if not wanted or drift["StackResourceDriftStatus"] in wanted
    ]
    start = int(request_param(self, "NextToken") or 0)
    page = drifts[start : start + limit]
    result: dict[str, Any] = {"StackResourceDrifts": page}
    if start + limit < len(drifts):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def detect_stack_resource_drift(self: CloudFormationResponse) -> ActionResult:
    stack = _checkable_stack(self.cloudformation_backend, request_param(self, "StackName"))
    logical_id = str(request_param(self, "LogicalResourceId") or "")
    if logical_id not in _deployed_ids(stack):
        raise ValidationError(
            message=f"Resource {logical_id} does not exist for stack {stack.name}; name a "
            "logical id of its template."
        )
    drift = resource_drift(stack, logical_id, datetime.now(UTC))
    _latest.setdefault(stack.stack_id, {})[logical_id] = drift
    return ActionResult({"StackResourceDrift": drift})


def apply() -> None:
    add_actions(
        CloudFormationResponse,
        detect_stack_drift,
        describe_stack_drift_detection_status,
        describe_stack_resource_drifts,
        detect_stack_resource_drift,
    )
