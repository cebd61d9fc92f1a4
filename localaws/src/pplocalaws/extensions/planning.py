"""What a change set will do: resource changes shaped like CloudFormation's.

moto's change sets list Action, LogicalResourceId and ResourceType only, compare raw
template text (a parameter change is missed, a YAML re-indent is a change) and never say
whether a resource is replaced. CloudFormation compares each resource's properties after
evaluating parameters and references, and decides Replacement from the type's provider
schema: a changed ``createOnlyProperties`` entry means "True", one whose new value is only
known at deploy time (it refers to a resource being replaced) means "Conditional".
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation.exceptions import ExportNotFound, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.parsing import ResourceMap

from pplocalaws.extensions import schemas
from pplocalaws.extensions.resolution import (
    DynamicReference,
    ResolutionView,
    resolve,
)
from pplocalaws.extensions.submission import Submission
from pplocalaws.extensions.templates import creation_order, referenced_names, walk
from pplocalaws.seams import parsed_resources

_UNKNOWN = object()
_ABSENT = object()

ALWAYS, CONDITIONALLY, NEVER = "Always", "Conditionally", "Never"


@dataclass
class ResourceChange:
    """One entry of DescribeChangeSet's Changes (``Type: Resource``)."""

    action: str
    logical_id: str
    resource_type: str
    physical_id: str | None = None
    replacement: str | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    policy_action: str | None = None

    @property
    def replaces(self) -> bool:
        return self.replacement in ("True", "Conditional")

    @property
    def scope(self) -> list[str]:
        return sorted({detail["Target"]["Attribute"] for detail in self.details})

    def to_aws(self) -> dict[str, Any]:
        """The ResourceChange structure of the CloudFormation API."""
        shaped: dict[str, Any] = {
            "Action": self.action,
            "LogicalResourceId": self.logical_id,
            "ResourceType": self.resource_type,
            "Scope": self.scope,
            "Details": copy.deepcopy(self.details),
        }
        if self.physical_id:
            shaped["PhysicalResourceId"] = self.physical_id
        if self.replacement is not None:
            shaped["Replacement"] = self.replacement
        if self.policy_action is not None:
            shaped["PolicyAction"] = self.policy_action
        return shaped


def preview_map(
    stack: Stack, submission: Submission, backend: CloudFormationBackend
) -> ResourceMap:
    """A loaded ResourceMap for ``submission`` (parameters, conditions; nothing created).

    Loading validates what moto validates before creating: parameter types, SSM
    parameters, Outputs that GetAtt an attribute the type lacks.
    """
    resource_map = ResourceMap(
        stack.stack_id,
        stack.name,
        dict(submission.parameters),
        dict(submission.tags),
        region_name=stack.region_name,
        account_id=stack.account_id,
        template=submission.template_copy(),
        cross_stack_resources=backend.exports,
    )
    resource_map.load()
    return resource_map


def condition_holds(resource_json: Mapping[str, Any], conditions: Mapping[str, Any]) -> bool:
    condition = resource_json.get("Condition")
    return condition is None or bool(conditions[condition])


def check_imports(submission: Submission, view: ResolutionView) -> None:
    """Raise moto's ExportNotFound (AWS's wording) for an import nothing exports."""
    sections = [submission.template.get("Resources") or {}, submission.template.get("Outputs")]
    for mapping in walk(sections):
        if "Fn::ImportValue" in mapping:
            try:
                name = resolve(mapping["Fn::ImportValue"], view)
            except (DynamicReference, KeyError):
                continue
            if name not in view.cross_stack_resources:
                raise ExportNotFound(name)


def plan_create(
    stack: Stack, submission: Submission, backend: CloudFormationBackend
) -> list[ResourceChange]:
    resource_map = preview_map(stack, submission, backend)
    check_imports(submission, ResolutionView.of(resource_map, deployed=False))
    resources = submission.template["Resources"]
    return [
        ResourceChange("Add", logical_id, resources[logical_id]["Type"])
        for logical_id in creation_order(submission.template)
        if condition_holds(resources[logical_id], resource_map.lazy_condition_map)
    ]


def plan_update(
    stack: Stack,
    old_template: Mapping[str, Any],
    submission: Submission,
    backend: CloudFormationBackend,
) -> list[ResourceChange]:
    """Changes that turn the deployed ``stack`` (``old_template``) into ``submission``."""
    new_map = preview_map(stack, submission, backend)
    old_map: ResourceMap = stack.resource_map
    old_resources: dict[str, Any] = old_template.get("Resources") or {}
    new_resources: dict[str, Any] = submission.template["Resources"]
    old_present = {
        name
        for name, body in old_resources.items()
        if condition_holds(body, old_map.lazy_condition_map)
    }
    new_present = {
        name
        for name, body in new_resources.items()
        if condition_holds(body, new_map.lazy_condition_map)
    }
    retyped = sorted(
        name
        for name in old_present & new_present
        if old_resources[name]["Type"] != new_resources[name]["Type"]
    )
    if retyped:
        raise ValidationError(
            message="Update of resource type is not permitted. The new template modifies "
            f"resource type of the following resources: [{', '.join(retyped)}]"
        )

    old_view = ResolutionView.of(old_map, deployed=True)
    new_view = ResolutionView.of(new_map, deployed=False)
    check_imports(submission, new_view)
    for name in old_present & new_present:
        if name in parsed_resources(old_map):
            new_view.remember(name, parsed_resources(old_map)[name])
    changed_parameters = {
        name for name, value in submission.parameters.items() if stack.parameters.get(name) != value
    }

    changes: list[ResourceChange] = []
    for name in creation_order(submission.template):
        if name not in new_present:
            continue
        kind = new_resources[name]["Type"]
        if name not in old_present:
            changes.append(ResourceChange("Add", name, kind))
            new_view.forget(name)
            continue
        details = _property_changes(
            kind,
            old_resources[name],
            new_resources[name],
            old_view,
            new_view,
            changed_parameters,
        )
        if not details:
            continue
        change = ResourceChange(
            "Modify",
            name,
            kind,
            physical_id=_physical_id(old_map, name),
            replacement=_replacement(details),
            details=details,
        )
        if change.replaces:
            policy = str(new_resources[name].get("UpdateReplacePolicy", "Delete"))
            change.policy_action = f"ReplaceAnd{policy}"
            new_view.forget(name)
        changes.append(change)
    for name, body in old_resources.items():
        if name in old_present and name not in new_present:
            changes.append(
                ResourceChange(
                    "Remove",
                    name,
                    body["Type"],
                    physical_id=_physical_id(old_map, name),
                    policy_action=_deletion_policy(body),
                )
            )
    return changes


def _deletion_policy(resource_json: Mapping[str, Any]) -> str:
    policy = str(resource_json.get("DeletionPolicy", "Delete"))
    return "Retain" if policy == "RetainExceptOnCreate" else policy


def _physical_id(resource_map: ResourceMap, logical_id: str) -> str | None:
    resource = parsed_resources(resource_map).get(logical_id)
    physical = getattr(resource, "physical_resource_id", None)
    return str(physical) if physical is not None else None


def _replacement(details: list[dict[str, Any]]) -> str:
    recreation = {detail["Target"]["RequiresRecreation"] for detail in details}
    if ALWAYS in recreation:
        return "True"
    if CONDITIONALLY in recreation:
        return "Conditional"
    return "False"


def _try_resolve(fragment: Any, view: ResolutionView) -> Any:
    if fragment is _ABSENT:
        return _ABSENT
    try:
        value = resolve(fragment, view)
    except DynamicReference:
        raise
    except Exception:  # unresolvable locally (odd intrinsic): compare the raw text instead
        return _UNKNOWN
    # A property that evaluates to AWS::NoValue is the same as an absent one.
    return _ABSENT if value is None else value


def _property_changes(
    resource_type: str,
    old_json: Mapping[str, Any],
    new_json: Mapping[str, Any],
    old_view: ResolutionView,
    new_view: ResolutionView,
    changed_parameters: set[str],
) -> list[dict[str, Any]]:
    old_properties = old_json.get("Properties") or {}
    new_properties = new_json.get("Properties") or {}
    details: list[dict[str, Any]] = []
    for name in sorted(set(old_properties) | set(new_properties)):
        raw_old = old_properties.get(name, _ABSENT)
        raw_new = new_properties.get(name, _ABSENT)
        try:
            old_value = _try_resolve(raw_old, old_view)
        except DynamicReference:
            old_value = _UNKNOWN
        try:
            new_value = _try_resolve(raw_new, new_view)
        except DynamicReference as dynamic:
            if raw_old != raw_new:
                recreation = _schema_recreation(resource_type, name)
                details.append(_detail(name, recreation, "Static", "DirectModification"))
            else:
                entity = _causing_entity(raw_new, dynamic.logical_id)
                source = "ResourceAttribute" if "." in entity else "ResourceReference"
                recreation = _recreation(resource_type, name, _UNKNOWN, _UNKNOWN, dynamic=True)
                details.append(_detail(name, recreation, "Dynamic", source, entity))
            continue
        if _UNKNOWN in (old_value, new_value):
            changed = raw_old != raw_new
        else:
            changed = old_value != new_value
        if not changed:
            continue
        recreation = _recreation(resource_type, name, old_value, new_value, dynamic=False)
        causes = sorted(referenced_names(raw_new) & changed_parameters)
        if raw_old == raw_new and causes:
            details.append(_detail(name, recreation, "Static", "ParameterReference", causes[0]))
        else:
            details.append(_detail(name, recreation, "Static", "DirectModification"))
    if old_json.get("Metadata") != new_json.get("Metadata"):
        details.append(
            {
                "Target": {"Attribute": "Metadata", "RequiresRecreation": NEVER},
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
        )
    return details


def _detail(
    name: str,
    recreation: str,
    evaluation: str,
    source: str,
    causing_entity: str | None = None,
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "Target": {
            "Attribute": "Tags" if name == "Tags" else "Properties",
            "Name": name,
            "RequiresRecreation": recreation,
        },
        "Evaluation": evaluation,
        "ChangeSource": source,
    }
    if causing_entity:
        detail["CausingEntity"] = causing_entity
    return detail


def _schema_recreation(resource_type: str, name: str) -> str:
    """Recreation when the new value is unknown but the template text changed."""
    rules = schemas.replacement_rules(resource_type)
    if any(_top_property(path) == name for path in rules.always):
        return ALWAYS
    if any(_top_property(path) == name for path in rules.conditionally):
        return CONDITIONALLY
    return NEVER


def _top_property(pointer: str) -> str:
    parts = pointer.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "properties" else ""


def _value_at(value: Any, path: list[str]) -> Any:
    for step in path:
        if step == "*":
            return value  # compare the whole collection below a wildcard
        if isinstance(value, dict):
            value = value.get(step, _ABSENT)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return _ABSENT
    return value


def _recreation(resource_type: str, name: str, old: Any, new: Any, *, dynamic: bool) -> str:
    """RequiresRecreation of one changed top-level property, from the provider schema."""
    rules = schemas.replacement_rules(resource_type)

    def touched(pointers: tuple[str, ...]) -> bool:
        for pointer in pointers:
            parts = pointer.split("/")[2:]
            if not parts or parts[0] != name:
                continue
            if len(parts) == 1 or dynamic or _UNKNOWN in (old, new):
                return True
            if _value_at(old, parts[1:]) != _value_at(new, parts[1:]):
                return True
        return False

    if touched(rules.always):
        return CONDITIONALLY if dynamic else ALWAYS
    if touched(rules.conditionally):
        return CONDITIONALLY
    return NEVER


def _causing_entity(fragment: Any, logical_id: str) -> str:
    for mapping in walk(fragment):
        get_att = mapping.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
            return f"{logical_id}.{get_att[1]}"
    return logical_id


def create_only_values_differ(
    resource_type: str, old_json: Mapping[str, Any], new_json: Mapping[str, Any]
) -> bool:
    """At execution: whether resolved createOnly properties really changed.

    Both fragments must already be resolved (clean_json applied).
    """
    rules = schemas.replacement_rules(resource_type)
    old_properties = old_json.get("Properties") or {}
    new_properties = new_json.get("Properties") or {}
    for pointer in rules.always:
        parts = pointer.split("/")[2:]
        if parts and _value_at(old_properties, parts) != _value_at(new_properties, parts):
            return True
    return False
