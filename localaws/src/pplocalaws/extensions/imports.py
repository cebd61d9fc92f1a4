"""IMPORT change sets: bringing existing resources under a stack (resource import).

moto 5.2.5 has no resource import: ChangeSetType IMPORT is treated like a create and
makes new resources. CloudFormation adopts existing ones, and checks first:

- every ResourcesToImport entry names a resource of the template, of the same type, by
  its type's primary identifier (a table by TableName, a secret by Id);
- every resource to import has a DeletionPolicy in the template (else ValidationError
  "The following resources to import [...] must have DeletionPolicy attribute specified
  in the template.");
- the operation imports and does nothing else: no resource is added, changed or
  removed, and neither Outputs nor stack Tags change ("As part of the import operation,
  you cannot modify or add [Outputs]"); the stack's existing exports stay published;
- the resource exists and belongs to no stack ("<name> already exists in stack <id>");
  otherwise the change set is FAILED with that reason.

Executing adopts each resource as it is (nothing is created, its data stays) with
IMPORT_IN_PROGRESS / IMPORT_COMPLETE events; the stack ends IMPORT_COMPLETE, or
IMPORT_ROLLBACK_COMPLETE without the adopted resources when one cannot be adopted. A
resource a stack update removed under DeletionPolicy Retain belongs to no stack any more,
so it can be imported into another.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.utils import utcnow

from pplocalaws.extensions import exports as export_registry
from pplocalaws.extensions import lifecycle
from pplocalaws.extensions.events import USER_INITIATED
from pplocalaws.extensions.failures import LocalFailure, describe_failure
from pplocalaws.extensions.importable import Existing, importable, importable_types
from pplocalaws.extensions.planning import ResourceChange, plan_update, preview_map
from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.extensions.submission import Submission
from pplocalaws.seams import parsed_resources, request_param, resource_bodies

IMPORT = "IMPORT"


class ImportNotPossible(LocalFailure):
    """What CloudFormation finds while creating the change set; its FAILED reason."""


@dataclass(frozen=True)
class ResourceToImport:
    """One ResourcesToImport entry."""

    resource_type: str
    logical_id: str
    identifier: dict[str, str]

    def shown(self) -> str:
        """The identifier as CloudFormation prints it: {TableName=users}."""
        pairs = ", ".join(f"{key}={value}" for key, value in self.identifier.items())
        return f"{{{pairs}}}"


def read_resources_to_import(response: CloudFormationResponse) -> list[ResourceToImport]:
    entries = request_param(response, "ResourcesToImport", []) or []
    if not entries:
        raise ValidationError(
            message="ResourcesToImport is required for an IMPORT change set: name each "
            "resource by ResourceType, LogicalResourceId and ResourceIdentifier."
        )
    return [
        ResourceToImport(
            resource_type=str(entry.get("ResourceType", "")),
            logical_id=str(entry.get("LogicalResourceId", "")),
            identifier={str(k): str(v) for k, v in (entry.get("ResourceIdentifier") or {}).items()},
        )
        for entry in entries
    ]


# -- planning -------------------------------------------------------------------------
def plan_import(
    target: LocalStack,
    previous: LocalStack | None,
    submission: Submission,
    requested: list[ResourceToImport],
    backend: CloudFormationBackend,
) -> list[ResourceChange]:
    """The Import changes of the change set.

    Raises ValidationError for what CloudFormation rejects at once, ImportNotPossible
    for what makes the change set FAILED.
    """
    _check_request(submission, requested)
    _check_nothing_else_changes(previous, submission, requested, backend)
    resource_map = preview_map(target, submission, backend)
    changes = []
    for entry in requested:
        existing = find_unowned(backend, entry)
        body = resource_bodies(resource_map)[entry.logical_id]
        _check_name_matches(entry, existing, body, resource_map)
        changes.append(
            ResourceChange(
                "Import", entry.logical_id, entry.resource_type, physical_id=existing.physical_id
            )
        )
    return changes


def _check_request(submission: Submission, requested: list[ResourceToImport]) -> None:
    resources: Mapping[str, Any] = submission.template["Resources"]
    seen: set[tuple[str, str]] = set()
    for entry in requested:
        kind = importable(entry.resource_type)
        if kind is None:
            raise ValidationError(
                message=f"ResourceType {entry.resource_type} of {entry.logical_id} cannot be "
                f"imported into the local AWS; importable types: {importable_types()}."
            )
        body = resources.get(entry.logical_id)
        if body is None or body.get("Type") != entry.resource_type:
            raise ValidationError(
                message=f"Resource to import {entry.logical_id} ({entry.resource_type}) is not "
                "declared with that type in the template; add it to the template's Resources."
            )
        if set(entry.identifier) != kind.identifier_keys:
            keys = ", ".join(f"{key}: ..." for key in sorted(kind.identifier_keys))
            raise ValidationError(
                message=f"ResourceIdentifier of {entry.logical_id} must be exactly "
                f"{{{keys}}} for {entry.resource_type}, not {entry.shown()}."
            )
        key = (entry.resource_type, entry.identifier[kind.identifier_key])
        if key in seen:
            raise ValidationError(
                message=f"{entry.shown()} is listed more than once in ResourcesToImport."
            )
        seen.add(key)
    missing = [e.logical_id for e in requested if "DeletionPolicy" not in resources[e.logical_id]]
    if missing:
        raise ValidationError(
            message=f"The following resources to import [{', '.join(missing)}] must have "
            "DeletionPolicy attribute specified in the template."
        )


def _check_nothing_else_changes(
    previous: LocalStack | None,
    submission: Submission,
    requested: list[ResourceToImport],
    backend: CloudFormationBackend,
) -> None:
    old_template = previous.processed_template if previous is not None else {}
    modified = []
    if submission.template.get("Outputs") != old_template.get("Outputs"):
        modified.append("Outputs")
    if previous is not None and submission.tags != dict(previous.tags):
        modified.append("Tags")
    if modified:
        raise ValidationError(
            message="As part of the import operation, you cannot modify or add "
            f"[{', '.join(modified)}]"
        )
    importing = {entry.logical_id for entry in requested}
    # What the stack has, not what its template names: a resource whose condition was
    # false is not part of the stack, so it can be imported once the condition holds.
    owned = set(parsed_resources(previous.resource_map)) if previous is not None else set()
    already = sorted(importing & owned & set(old_template.get("Resources") or {}))
    if already:
        raise ValidationError(
            message=f"Resources [{', '.join(already)}] are already part of the stack and "
            "cannot be imported again."
        )
    if previous is None:
        others = [
            f"Add {name}" for name in submission.template["Resources"] if name not in importing
        ]
    else:
        others = [
            f"{change.action} {change.logical_id}"
            for change in plan_update(previous, old_template, submission, backend)
            if not (change.action == "Add" and change.logical_id in importing)
        ]
    if others:
        raise ValidationError(
            message="Import operations don't allow new resource creations, resource "
            "deletions, or changes to property configurations; this template also asks "
            f"for [{', '.join(others)}]. Import first, then update the stack."
        )


def find_unowned(backend: CloudFormationBackend, entry: ResourceToImport) -> Existing:
    """The existing resource ``entry`` names; ImportNotPossible if missing or owned."""
    kind = importable(entry.resource_type)
    assert kind is not None  # noqa: S101 - checked by _check_request before
    identifier = entry.identifier[kind.identifier_key]
    existing = kind.find(identifier, backend.account_id, backend.region_name)
    # Re-checks at execution name the primary key only; the scope was checked at planning.
    scope = entry.identifier.get(kind.scope_key) if kind.scope_key else None
    if existing is None or (scope is not None and scope != existing.scope):
        raise ImportNotPossible(
            f"Resource of type '{entry.resource_type}' with identifier '{entry.shown()}' "
            "was not found."
        )
    owner = owning_stack(backend, entry.resource_type, existing.physical_id)
    if owner is not None:
        raise ImportNotPossible(f"{existing.name} already exists in stack {owner.stack_id}")
    return existing


def owning_stack(
    backend: CloudFormationBackend, resource_type: str, physical_id: str
) -> LocalStack | None:
    """The live stack whose resources include this physical resource, if any."""
    for stack in backend.stacks.values():
        if not isinstance(stack, LocalStack):
            continue
        for logical_id, resource in parsed_resources(stack.resource_map).items():
            body = resource_bodies(stack.resource_map).get(logical_id) or {}
            if (
                body.get("Type") == resource_type
                and lifecycle.physical_id_of(resource) == physical_id
            ):
                return stack
    return None


def _check_name_matches(
    entry: ResourceToImport, existing: Existing, body: Mapping[str, Any], resource_map: Any
) -> None:
    kind = importable(entry.resource_type)
    assert kind is not None  # noqa: S101 - checked by _check_request before
    properties = body.get("Properties") or {}
    if kind.name_property not in properties:
        return
    declared = parsing.clean_json(copy.deepcopy(properties[kind.name_property]), resource_map)
    if declared != existing.name:
        raise ImportNotPossible(
            f"{entry.logical_id}: the template's {kind.name_property} ({declared}) is not the "
            f"name of the resource to import ({existing.name}); make them the same."
        )


# -- execution ------------------------------------------------------------------------
def execute(op: lifecycle.Operation, submission: Submission, changes: list[ResourceChange]) -> bool:
    """Adopt the resources of an IMPORT change set; roll back (adopting none) on failure."""
    stack = op.stack
    creating = stack.status == "REVIEW_IN_PROGRESS"
    old_map = stack.resource_map
    op.set_status("IMPORT_IN_PROGRESS", USER_INITIATED)
    try:
        new_map = lifecycle.new_resource_map(op, submission)
        if not creating:
            # The resources it has, not its old parameter values: those the import
            # submits stand (a DomainName given now must resolve as given).
            resource_ids = set(old_map.resources)
            for logical_id, resource in parsed_resources(old_map).items():
                if logical_id in resource_ids:
                    parsed_resources(new_map)[logical_id] = resource
        for change in changes:
            _import_one(op, new_map, change)
        publication = lifecycle.publication_of(op, new_map, submission.template)
        export_registry.check_publication(op.backend, stack, publication.exports)
    except (lifecycle.ResourceFailure, export_registry.ExportConflict) as failure:
        return _roll_back(op, str(failure))
    except Exception as error:  # template evaluation failed outside any resource
        return _roll_back(op, describe_failure(error))
    stack.adopt(submission)
    stack.resource_map = new_map
    stack.output_map = OutputMap(new_map, stack.template_dict, stack.stack_id)
    if not creating:
        stack.last_updated_time = utcnow()
    lifecycle.publish(op, publication)
    op.set_status("IMPORT_COMPLETE")
    stack.status_reason = None
    return True


def _import_one(op: lifecycle.Operation, new_map: Any, change: ResourceChange) -> None:
    logical_id, resource_type = change.logical_id, change.resource_type
    physical = change.physical_id or ""
    op.events.resource_event(logical_id, resource_type, "IMPORT_IN_PROGRESS", physical_id=physical)
    kind = importable(resource_type)
    try:
        if kind is None:
            raise ImportNotPossible(f"{resource_type} can no longer be imported.")
        # Checked again: the resource may have gone, or joined a stack, since planning.
        entry = ResourceToImport(resource_type, logical_id, {kind.identifier_key: physical})
        existing = find_unowned(op.backend, entry)
        body = parsing.clean_json(copy.deepcopy(resource_bodies(new_map)[logical_id]), new_map)
        resource = kind.adopt(existing, body, op.stack.account_id, op.stack.region_name)
    except Exception as error:
        op.events.resource_event(
            logical_id,
            resource_type,
            "IMPORT_FAILED",
            physical_id=physical,
            reason=describe_failure(error),
        )
        raise lifecycle.ResourceFailure(
            f"The following resource(s) failed to import: [{logical_id}]."
        ) from error
    # What moto's parse_and_create_resource records; DescribeStackResources reads them.
    resource.cf_resource_type = resource_type
    resource.logical_resource_id = logical_id
    parsed_resources(new_map)[logical_id] = resource
    op.events.resource_event(logical_id, resource_type, "IMPORT_COMPLETE", physical_id=physical)


def _roll_back(op: lifecycle.Operation, reason: str) -> bool:
    """Nothing was created, so rolling an import back only forgets the adoptions."""
    op.set_status("IMPORT_ROLLBACK_IN_PROGRESS", reason)
    op.set_status("IMPORT_ROLLBACK_COMPLETE")
    op.stack.status_reason = reason
    return False
