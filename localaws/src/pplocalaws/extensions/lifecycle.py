"""Creating, updating and deleting a stack's resources the way CloudFormation does.

moto walks a template and lets the first exception escape: the stack stays in
CREATE_IN_PROGRESS with whatever was created so far, no resource event says what failed,
an update that cannot be applied drops the resource from the stack, and nothing is ever
rolled back. CloudFormation records an event for every resource operation, and when one
fails it rolls back: a failed create deletes what it created and ends in
ROLLBACK_COMPLETE; a failed update restores the previous resources and template and ends
in UPDATE_ROLLBACK_COMPLETE. Resources are still made by moto's own models (through
``parsing.parse_and_*_resource``); this module decides the order, the events and the
recovery.

An update first checks its actions against the stack policy (``stack_policies``). A
rollback that cannot restore a resource stops in UPDATE_ROLLBACK_FAILED and keeps its
place on the stack for ContinueUpdateRollback (``rollback_recovery``); resources removed
or replaced under a Retain policy are left in place and leave the stack.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.parsing import Export, OutputMap, ResourceMap
from moto.core.utils import utcnow
from moto.ec2 import models as ec2_models
from moto.ec2.models.core import TaggedEC2Resource

from pplocalaws.extensions import exports as export_registry
from pplocalaws.extensions import faults, limits, stack_policies
from pplocalaws.extensions.events import USER_INITIATED, EventSink
from pplocalaws.extensions.failures import LocalFailure, describe_failure
from pplocalaws.extensions.planning import (
    ResourceChange,
    condition_holds,
    create_only_values_differ,
    preview_map,
)
from pplocalaws.extensions.resolution import ResolutionView, imported_names, resolve
from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.extensions.submission import Submission
from pplocalaws.extensions.templates import creation_order
from pplocalaws.seams import delete_resource, parsed_resources, resource_bodies

REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
NOT_UPDATABLE = (
    "The local AWS cannot update {type} in place (moto has no update handler): the "
    "resource keeps its previous properties."
)
RETAINING_POLICIES = frozenset({"Retain", "RetainExceptOnCreate"})


@dataclass
class Operation:
    """One stack operation: where it happens, the stack policy in force, where events go.

    ``stack_policy`` is the policy an update is checked against: the stack's own, or the
    StackPolicyDuringUpdateBody that overrides it for one UpdateStack.
    ``retain_except_on_create`` is the RetainExceptOnCreate flag of ExecuteChangeSet,
    CreateStack and UpdateStack: "When set to true, newly created resources are deleted
    when the operation rolls back. This includes newly created resources marked with a
    deletion policy of Retain." (ExecuteChangeSet, AWS CloudFormation API Reference:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html)
    """

    backend: CloudFormationBackend
    stack: LocalStack
    token: str | None = None
    stack_policy: str | None = None
    retain_except_on_create: bool = False
    events: EventSink = field(init=False)

    def __post_init__(self) -> None:
        self.events = EventSink(self.stack, self.token)

    def set_status(self, status: str, reason: str | None = None) -> None:
        self.stack.status = status
        if reason is not None:
            self.stack.status_reason = reason
        self.events.stack_event(status, reason)


@dataclass
class Publication:
    """What a completed operation makes visible: outputs, exports and imports."""

    outputs: list[dict[str, Any]]
    exports: list[Export]
    imports: set[str]


class ResourceFailure(Exception):
    """A resource operation failed; the stack-level reason names the resources."""


class ReplacementConflict(LocalFailure):
    """A custom-named resource would have to be replaced under the same name."""


class PolicyDenied(LocalFailure):
    """The stack policy refuses an update action; the text is CloudFormation's reason."""


# -- shared steps ---------------------------------------------------------------------
def physical_id_of(resource: Any) -> str:
    return str(getattr(resource, "physical_resource_id", "") or "")


def new_resource_map(op: Operation, submission: Submission) -> ResourceMap:
    resource_map = preview_map(op.stack, submission, op.backend)
    # The tags moto's ResourceMap.create adds to EC2 resources, as CloudFormation does.
    resource_map.tags.update(
        {
            "aws:cloudformation:stack-name": op.stack.name,
            "aws:cloudformation:stack-id": op.stack.stack_id,
        }
    )
    return resource_map


def _tag_ec2(op: Operation, resource_map: ResourceMap, logical_id: str, resource: Any) -> None:
    if isinstance(resource, TaggedEC2Resource):
        tags = dict(resource_map.tags, **{"aws:cloudformation:logical-id": logical_id})
        backend = ec2_models.ec2_backends[op.stack.account_id][op.stack.region_name]
        backend.create_tags([physical_id_of(resource)], tags)


def _create_one(op: Operation, resource_map: ResourceMap, logical_id: str) -> Any:
    """Create one resource with its events; raises after the CREATE_FAILED event."""
    resource_type = resource_bodies(resource_map)[logical_id]["Type"]
    op.events.resource_event(logical_id, resource_type, "CREATE_IN_PROGRESS")
    try:
        resource = resource_map[logical_id]
        _tag_ec2(op, resource_map, logical_id, resource)
    except Exception as error:
        op.events.resource_event(
            logical_id, resource_type, "CREATE_FAILED", reason=describe_failure(error)
        )
        raise ResourceFailure(
            f"The following resource(s) failed to create: [{logical_id}]."
        ) from error
    op.events.resource_event(
        logical_id, resource_type, "CREATE_COMPLETE", physical_id=physical_id_of(resource)
    )
    return resource


def _delete_one(
    op: Operation,
    resource_map: ResourceMap,
    logical_id: str,
    resource: Any,
    resource_json: Mapping[str, Any],
    *,
    policy: str = "Delete",
) -> bool:
    """Delete one resource with its events; False (after DELETE_FAILED) when it fails."""
    resource_type = resource_json["Type"]
    physical = physical_id_of(resource)
    if policy in RETAINING_POLICIES:
        op.events.resource_event(logical_id, resource_type, "DELETE_SKIPPED", physical_id=physical)
        return True
    op.events.resource_event(logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical)
    try:
        delete_resource(resource_map, resource, copy.deepcopy(dict(resource_json)))
    except Exception as error:
        op.events.resource_event(
            logical_id,
            resource_type,
            "DELETE_FAILED",
            physical_id=physical,
            reason=describe_failure(error),
        )
        return False
    op.events.resource_event(logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical)
    return True


def _rollback_policy(resource_json: Mapping[str, Any], *, delete_created: bool) -> str:
    """What a rollback does with a resource the failed operation created.

    Retain keeps it, as on AWS. ``DeletionPolicy: RetainExceptOnCreate`` deletes it: it
    "behaves like Retain for stack operations, except for the stack operation that
    initially created the resource. If the stack operation that created the resource is
    rolled back, CloudFormation deletes the resource." (DeletionPolicy attribute,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
    The operation's RetainExceptOnCreate flag (``delete_created``) deletes even Retain.
    """
    policy = str(resource_json.get("DeletionPolicy", "Delete"))
    if delete_created or policy == "RetainExceptOnCreate":
        return "Delete"
    return policy


def publication_of(
    op: Operation, resource_map: ResourceMap, template: Mapping[str, Any]
) -> Publication:
    """Evaluate Outputs and imports once, as CloudFormation fixes them at completion."""
    output_map = OutputMap(resource_map, copy.deepcopy(dict(template)), op.stack.stack_id)
    outputs: list[dict[str, Any]] = []
    exported: list[Export] = []
    for key, body in (template.get("Outputs") or {}).items():
        if not condition_holds(body, resource_map.lazy_condition_map):
            continue
        output = output_map[key]
        value = output.value if output is not None else None
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        if value is None:
            raise ResourceFailure(f"Output {key} has no value: what it refers to was not created.")
        shown: dict[str, Any] = {"OutputKey": key, "OutputValue": str(value)}
        if body.get("Description"):
            shown["Description"] = body["Description"]
        if body.get("Export"):
            name = str(parsing.clean_json(copy.deepcopy(body["Export"]["Name"]), resource_map))
            problem = limits.export_name_problem(key, name)
            if problem is not None:
                raise ResourceFailure(problem)
            shown["ExportName"] = name
            exported.append(Export(op.stack.stack_id, name, str(value)))
        outputs.append(shown)
    imports = imported_names(template, ResolutionView.of(resource_map, deployed=True))
    return Publication(outputs, exported, imports)


def publish(op: Operation, publication: Publication) -> None:
    op.stack.published_outputs = publication.outputs
    op.stack.published_exports = publication.exports
    op.stack.imported_names = publication.imports
    export_registry.refresh(op.backend)


def _resource_ids(resource_map: ResourceMap) -> list[str]:
    return [name for name in resource_map.resources if parsed_resources(resource_map).get(name)]


# -- create -------------------------------------------------------------------------------
def create(op: Operation, submission: Submission, *, rollback: bool = True) -> bool:
    """Create the stack's resources; on failure roll back (or stop, without rollback)."""
    stack = op.stack
    op.set_status("CREATE_IN_PROGRESS", USER_INITIATED)
    stack.adopt(submission)
    created: list[str] = []
    try:
        resource_map = new_resource_map(op, submission)
        stack.resource_map = resource_map
        stack.output_map = OutputMap(resource_map, stack.template_dict, stack.stack_id)
        for logical_id in creation_order(submission.template):
            body = resource_bodies(resource_map)[logical_id]
            if condition_holds(body, resource_map.lazy_condition_map):
                _create_one(op, resource_map, logical_id)
                created.append(logical_id)
        publication = publication_of(op, resource_map, submission.template)
        export_registry.check_publication(op.backend, stack, publication.exports)
    except (ResourceFailure, export_registry.ExportConflict) as failure:
        reason = str(failure)
        return _fail_create(op, created, reason, rollback=rollback)
    except Exception as error:  # template evaluation failed before any resource
        return _fail_create(op, created, describe_failure(error), rollback=rollback)
    op.set_status("CREATE_COMPLETE")
    stack.status_reason = None
    publish(op, publication)
    return True


def _fail_create(op: Operation, created: list[str], reason: str, *, rollback: bool) -> bool:
    if not rollback:
        op.set_status("CREATE_FAILED", reason)
        return False
    if reason.startswith("The following resource(s)"):
        reason = f"{reason} Rollback requested by user."
    op.set_status("ROLLBACK_IN_PROGRESS", reason)
    resource_map = op.stack.resource_map
    clean = True
    for logical_id in reversed(created):
        resource = parsed_resources(resource_map).get(logical_id)
        body = resource_bodies(resource_map)[logical_id]
        if resource is None:
            continue
        policy = _rollback_policy(body, delete_created=op.retain_except_on_create)
        if _delete_one(op, resource_map, logical_id, resource, body, policy=policy):
            parsed_resources(resource_map).pop(logical_id, None)
        else:
            clean = False
    op.set_status("ROLLBACK_COMPLETE" if clean else "ROLLBACK_FAILED")
    op.stack.status_reason = reason
    return False


# -- update -------------------------------------------------------------------------------
@dataclass
class _UpdateJournal:
    """What an update did so far, to undo it."""

    created: list[str] = field(default_factory=list)
    replaced: list[tuple[str, Any]] = field(default_factory=list)  # logical id, old resource
    updated: list[str] = field(default_factory=list)


def update(
    op: Operation,
    old_template: Mapping[str, Any],
    submission: Submission,
    plan: Callable[[], Iterable[ResourceChange]],
) -> bool:
    """Turn the stack into ``submission`` by the changes ``plan`` computes; roll back on failure.

    The plan is computed after UPDATE_IN_PROGRESS so that a plan that no longer holds
    (an import whose exporter went away since the change set was made) fails the update
    like any other error instead of escaping.
    """
    stack = op.stack
    old_map: ResourceMap = stack.resource_map
    op.set_status("UPDATE_IN_PROGRESS", USER_INITIATED)
    journal = _UpdateJournal()
    try:
        by_id = {change.logical_id: change for change in plan()}
        new_map = new_resource_map(op, submission)
    except Exception as error:
        return _roll_back_update(
            op, old_map, old_map, old_template, journal, describe_failure(error)
        )
    for logical_id in _resource_ids(old_map):
        change = by_id.get(logical_id)
        if logical_id in new_map.resources and (change is None or change.action == "Modify"):
            parsed_resources(new_map)[logical_id] = parsed_resources(old_map)[logical_id]
    try:
        _refuse_denied_actions(op, old_map, by_id.values())
        for logical_id in creation_order(submission.template):
            change = by_id.get(logical_id)
            if change is None or change.action == "Remove":
                continue
            if change.action == "Add":
                _create_one(op, new_map, logical_id)
                journal.created.append(logical_id)
            else:
                _modify_one(op, old_map, new_map, old_template, change, journal)
        publication = publication_of(op, new_map, submission.template)
        export_registry.check_publication(op.backend, stack, publication.exports)
    except (ResourceFailure, export_registry.ExportConflict) as failure:
        return _roll_back_update(op, old_map, new_map, old_template, journal, str(failure))
    except Exception as error:  # template evaluation failed outside any resource
        reason = describe_failure(error)
        return _roll_back_update(op, old_map, new_map, old_template, journal, reason)

    stack.adopt(submission)
    stack.resource_map = new_map
    stack.output_map = OutputMap(new_map, stack.template_dict, stack.stack_id)
    stack.last_updated_time = utcnow()
    publish(op, publication)
    op.set_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
    old_resources = old_template.get("Resources") or {}
    for logical_id, old_resource in reversed(journal.replaced):
        body = old_resources[logical_id]
        policy = str(body.get("UpdateReplacePolicy", "Delete"))
        _delete_one(op, old_map, logical_id, old_resource, body, policy=policy)
    removals = [change.logical_id for change in by_id.values() if change.action == "Remove"]
    for logical_id in reversed(creation_order(old_template)):
        resource = parsed_resources(old_map).get(logical_id)
        if logical_id in removals and resource is not None:
            body = old_resources[logical_id]
            policy = str(body.get("DeletionPolicy", "Delete"))
            _delete_one(op, old_map, logical_id, resource, body, policy=policy)
    op.set_status("UPDATE_COMPLETE")
    stack.status_reason = None
    return True


def _refuse_denied_actions(
    op: Operation, old_map: ResourceMap, changes: Iterable[ResourceChange]
) -> None:
    """Fail the update before any change when the stack policy refuses one of its actions."""
    refused = stack_policies.denials(op.stack_policy, changes)
    for denial in refused:
        op.events.resource_event(
            denial.logical_id,
            denial.resource_type,
            "UPDATE_FAILED",
            physical_id=physical_id_of(parsed_resources(old_map).get(denial.logical_id)),
            reason=denial.reason,
        )
    if refused:
        names = ", ".join(denial.logical_id for denial in refused)
        raise ResourceFailure(f"The following resource(s) failed to update: [{names}].")


def _has_update_handler(resource_type: str) -> bool:
    model = parsing.resource_class_from_type(resource_type)
    handler = getattr(model, "update_from_cloudformation_json", None)
    return handler is not None and not getattr(handler, "__isabstractmethod__", False)


def _modify_one(
    op: Operation,
    old_map: ResourceMap,
    new_map: ResourceMap,
    old_template: Mapping[str, Any],
    change: ResourceChange,
    journal: _UpdateJournal,
) -> None:
    logical_id, resource_type = change.logical_id, change.resource_type
    old_resource = parsed_resources(old_map)[logical_id]
    old_body = (old_template.get("Resources") or {})[logical_id]
    new_body = resource_bodies(new_map)[logical_id]
    try:
        old_resolved = resolve(copy.deepcopy(old_body), ResolutionView.of(old_map, deployed=True))
        new_resolved = parsing.clean_json(copy.deepcopy(new_body), new_map)
        replace = change.replacement == "True" or (
            change.replacement == "Conditional"
            and create_only_values_differ(resource_type, old_resolved, new_resolved)
        )
        # Only Metadata (or another non-property attribute) changed: CloudFormation touches
        # nothing physical, while moto's update handlers may recreate the resource.
        properties_unchanged = (old_resolved.get("Properties") or {}) == (
            new_resolved.get("Properties") or {}
        )
        if replace and change.replacement == "Conditional":
            denial = stack_policies.replacement_denial(op.stack_policy, logical_id, resource_type)
            if denial is not None:
                raise PolicyDenied(denial.reason)
        op.events.resource_event(
            logical_id,
            resource_type,
            "UPDATE_IN_PROGRESS",
            physical_id=physical_id_of(old_resource),
            reason=REPLACING if replace else None,
        )
        if replace:
            _check_custom_name(resource_type, old_body, new_body, new_map, old_resource)
            parsed_resources(new_map).pop(logical_id, None)
            resource = parsing.parse_and_create_resource(
                logical_id, new_body, new_map, op.stack.account_id, op.stack.region_name
            )
            parsed_resources(new_map)[logical_id] = resource
            journal.replaced.append((logical_id, old_resource))
            note = None
        elif properties_unchanged:
            resource = old_resource
            note = None
        elif _has_update_handler(resource_type):
            journal.updated.append(logical_id)
            resource = parsing.parse_and_update_resource(
                logical_id, new_body, new_map, op.stack.account_id, op.stack.region_name
            )
            parsed_resources(new_map)[logical_id] = resource or old_resource
            note = None
        else:
            resource = old_resource
            note = NOT_UPDATABLE.format(type=resource_type)
    except Exception as error:
        op.events.resource_event(
            logical_id,
            resource_type,
            "UPDATE_FAILED",
            physical_id=physical_id_of(old_resource),
            reason=describe_failure(error),
        )
        raise ResourceFailure(
            f"The following resource(s) failed to update: [{logical_id}]."
        ) from error
    op.events.resource_event(
        logical_id,
        resource_type,
        "UPDATE_COMPLETE",
        physical_id=physical_id_of(resource),
        reason=note,
    )


def _check_custom_name(
    resource_type: str,
    old_body: Mapping[str, Any],
    new_body: Mapping[str, Any],
    new_map: ResourceMap,
    old_resource: Any,
) -> None:
    """CloudFormation cannot replace a resource whose custom name stays the same."""
    name_property = parsing.resource_name_property_from_type(resource_type)
    if not name_property or name_property not in (new_body.get("Properties") or {}):
        return
    new_name = parsing.clean_json(copy.deepcopy(new_body["Properties"][name_property]), new_map)
    old_name = (old_body.get("Properties") or {}).get(name_property)
    if old_name is not None and new_name in (old_name, physical_id_of(old_resource)):
        raise ReplacementConflict(
            "CloudFormation cannot update a stack when a custom-named resource requires "
            f"replacing. Rename {new_name} and update the stack again."
        )


@dataclass
class PendingRollback:
    """An update rollback in progress, or stopped in UPDATE_ROLLBACK_FAILED.

    Kept on the stack while it is stopped, so ContinueUpdateRollback resumes it: restore
    what is still unrestored, then remove what the failed update created.
    """

    old_map: ResourceMap
    new_map: ResourceMap
    old_template: Mapping[str, Any]
    journal: _UpdateJournal
    reason: str
    unrestored: list[str]
    attempts: dict[str, int] = field(default_factory=dict)
    delete_created: bool = False  # the failed operation's RetainExceptOnCreate flag


def _roll_back_update(
    op: Operation,
    old_map: ResourceMap,
    new_map: ResourceMap,
    old_template: Mapping[str, Any],
    journal: _UpdateJournal,
    reason: str,
) -> bool:
    """Undo an update as far as moto allows; the stack keeps its previous template."""
    op.set_status("UPDATE_ROLLBACK_IN_PROGRESS", reason)
    pending = PendingRollback(
        old_map,
        new_map,
        old_template,
        journal,
        reason,
        list(reversed(journal.updated)),
        delete_created=op.retain_except_on_create,
    )
    return resume_rollback(op, pending)


def resume_rollback(op: Operation, pending: PendingRollback, skip: Iterable[str] = ()) -> bool:
    """Restore the resources the update changed, then delete what it created.

    A resource that cannot be restored stops the rollback in UPDATE_ROLLBACK_FAILED (the
    stack remembers where it stopped); one in ``skip`` is taken as restored, as
    ContinueUpdateRollback's ResourcesToSkip does. A deletion that fails in the cleanup
    phase leaves the resource behind without failing the rollback, as on AWS.
    """
    skipped = set(skip)
    old_resources = pending.old_template.get("Resources") or {}
    failed: list[str] = []
    for logical_id in pending.unrestored:
        if logical_id in skipped:
            current = parsed_resources(pending.old_map).get(logical_id)
            op.events.resource_event(
                logical_id,
                old_resources[logical_id]["Type"],
                "UPDATE_COMPLETE",
                physical_id=physical_id_of(current),
            )
        elif not _restore_properties(op, pending, logical_id, old_resources[logical_id]):
            failed.append(logical_id)
    if failed:
        pending.unrestored = failed
        op.stack.pending_rollback = pending
        op.set_status(
            "UPDATE_ROLLBACK_FAILED",
            f"The following resource(s) failed to update: [{', '.join(failed)}].",
        )
        return False
    op.stack.pending_rollback = None
    op.set_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    new_map = pending.new_map
    undone = list(pending.journal.created) + [lid for lid, _ in pending.journal.replaced]
    for logical_id in reversed(undone):
        resource = parsed_resources(new_map).get(logical_id)
        if resource is not None:
            body = resource_bodies(new_map)[logical_id]
            policy = _rollback_policy(body, delete_created=pending.delete_created)
            _delete_one(op, new_map, logical_id, resource, body, policy=policy)
    op.set_status("UPDATE_ROLLBACK_COMPLETE")
    op.stack.status_reason = pending.reason
    return False


def _restore_properties(
    op: Operation, pending: PendingRollback, logical_id: str, old_body: Mapping[str, Any]
) -> bool:
    old_map, new_map = pending.old_map, pending.new_map
    current = parsed_resources(new_map).get(logical_id) or parsed_resources(old_map)[logical_id]
    resource_type = old_body["Type"]
    op.events.resource_event(
        logical_id, resource_type, "UPDATE_IN_PROGRESS", physical_id=physical_id_of(current)
    )
    parsed_resources(old_map)[logical_id] = current
    attempt = pending.attempts[logical_id] = pending.attempts.get(logical_id, 0) + 1
    try:
        faults.check_rollback(logical_id, resource_bodies(new_map).get(logical_id), attempt)
        restored = parsing.parse_and_update_resource(
            logical_id,
            copy.deepcopy(dict(old_body)),
            old_map,
            op.stack.account_id,
            op.stack.region_name,
        )
    except Exception as error:
        op.events.resource_event(
            logical_id,
            resource_type,
            "UPDATE_FAILED",
            physical_id=physical_id_of(current),
            reason=describe_failure(error),
        )
        return False
    parsed_resources(old_map)[logical_id] = restored = restored or current
    op.events.resource_event(
        logical_id, resource_type, "UPDATE_COMPLETE", physical_id=physical_id_of(restored)
    )
    return True


# -- delete -------------------------------------------------------------------------------
def delete(op: Operation, *, retain: Iterable[str] = ()) -> bool:
    """Delete the stack's resources (newest first); DELETE_FAILED keeps the stack."""
    stack = op.stack
    op.set_status("DELETE_IN_PROGRESS", USER_INITIATED)
    try:
        export_registry.check_deletable(op.backend, stack)
    except export_registry.ExportConflict as conflict:
        op.set_status("DELETE_FAILED", str(conflict))
        return False
    resource_map = stack.resource_map
    bodies = resource_bodies(resource_map)
    order = list(reversed(creation_order(stack.processed_template))) if bodies else []
    pending = [name for name in order if parsed_resources(resource_map).get(name) is not None]
    kept = set(retain)
    failed = _delete_in_passes(op, resource_map, pending, bodies, kept)
    if failed:
        reason = f"The following resource(s) failed to delete: [{', '.join(failed)}]."
        op.set_status("DELETE_FAILED", reason)
        return False
    op.set_status("DELETE_COMPLETE")
    stack.status_reason = None
    stack.deletion_time = utcnow()
    stack.published_exports = []
    stack.imported_names = set()
    return True


def _delete_in_passes(
    op: Operation,
    resource_map: ResourceMap,
    pending: list[str],
    bodies: Mapping[str, Any],
    retain: set[str],
) -> list[str]:
    """Delete in reverse dependency order; retry what failed while others still succeed.

    moto reports some deletions as dependency violations that clear once a sibling is
    gone (its models do not know CloudFormation's implicit dependencies), so a failure is
    retried in the next pass and only what never succeeds gets a DELETE_FAILED event.
    """
    errors: dict[str, BaseException] = {}
    remaining: list[str] = []
    for logical_id in pending:
        body = bodies[logical_id]
        resource = parsed_resources(resource_map)[logical_id]
        policy = "Retain" if logical_id in retain else str(body.get("DeletionPolicy", "Delete"))
        physical = physical_id_of(resource)
        if policy in RETAINING_POLICIES:
            op.events.resource_event(
                logical_id, body["Type"], "DELETE_SKIPPED", physical_id=physical
            )
            parsed_resources(resource_map).pop(logical_id, None)
            continue
        op.events.resource_event(
            logical_id, body["Type"], "DELETE_IN_PROGRESS", physical_id=physical
        )
        remaining.append(logical_id)
    while remaining:
        still_failing = []
        for logical_id in remaining:
            resource = parsed_resources(resource_map)[logical_id]
            body = bodies[logical_id]
            try:
                delete_resource(resource_map, resource, copy.deepcopy(dict(body)))
            except Exception as error:
                errors[logical_id] = error
                still_failing.append(logical_id)
                continue
            op.events.resource_event(
                logical_id, body["Type"], "DELETE_COMPLETE", physical_id=physical_id_of(resource)
            )
            parsed_resources(resource_map).pop(logical_id, None)
        if len(still_failing) == len(remaining):
            break
        remaining = still_failing
    for logical_id in remaining:
        op.events.resource_event(
            logical_id,
            bodies[logical_id]["Type"],
            "DELETE_FAILED",
            physical_id=physical_id_of(parsed_resources(resource_map)[logical_id]),
            reason=describe_failure(errors[logical_id]),
        )
    return remaining


# -- a defect inside an operation ---------------------------------------------------------
# The terminal status that ends an operation interrupted by a local AWS defect, by the
# status it was in; the status names are CloudFormation's ("Stack status codes").
_CRASH_STATUSES = {
    "CREATE_IN_PROGRESS": "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS": "ROLLBACK_FAILED",
    "DELETE_IN_PROGRESS": "DELETE_FAILED",
    "UPDATE_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_COMPLETE",
    "UPDATE_ROLLBACK_IN_PROGRESS": "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "UPDATE_ROLLBACK_COMPLETE",
    "IMPORT_IN_PROGRESS": "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_IN_PROGRESS": "IMPORT_ROLLBACK_FAILED",
}


def crashed(op: Operation, reason: str) -> None:
    """End an operation that raised unexpectedly, so no client waits on it for ever."""
    final = _CRASH_STATUSES.get(op.stack.status)
    if final is not None:
        op.set_status(final, reason)
