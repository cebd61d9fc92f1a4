"""Stack operations with CloudFormation's checks, events, rollback and templates.

What moto 5.2.5 gets wrong, and what CloudFormation does instead:

- CreateStack/UpdateStack: a failing resource leaves the stack IN_PROGRESS with partial
  resources and no resource events; CloudFormation records events and rolls back.
  ``Transform`` and Capabilities are ignored.
- DeleteStack ignores termination protection and exports other stacks import, and records
  only stack-level events.
- A stack in ROLLBACK_COMPLETE can be updated through a change set; CloudFormation allows
  only DeleteStack.
- GetTemplate has one stage; CloudFormation keeps the Original (default) and Processed.
- ValidateTemplate runs the whole cfn-lint rule set (a lint warning becomes a
  ValidationError, and cfn-lint costs a second to import); CloudFormation checks the
  template's structure, references and transform, and reports parameters, required
  capabilities and declared transforms.
- UpdateTerminationProtection is missing.
- UpdateStack ignores StackPolicyDuringUpdateBody (and every stack policy), and accepts
  a stack in UPDATE_ROLLBACK_FAILED, which CloudFormation refuses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import (
    CloudFormationResponse,
    get_template_summary_response_from_template,
)
from moto.cloudformation.utils import generate_stack_id
from moto.core.responses import ActionResult, EmptyResult

from pplocalaws.extensions import exports as export_registry
from pplocalaws.extensions import lifecycle, operation_threads
from pplocalaws.extensions.changeset_model import (
    find_change_set,
    forget_change_sets,
    live_stack,
)
from pplocalaws.extensions.limits import check_stack_name, check_template_body
from pplocalaws.extensions.parameters import as_parameter_text, no_echo_names
from pplocalaws.extensions.planning import plan_create, plan_update
from pplocalaws.extensions.stack_model import DELETE_ONLY_STATUSES, LocalStack
from pplocalaws.extensions.stack_policies import policy_from_request
from pplocalaws.extensions.submission import (
    Submission,
    check_processed,
    prepare,
    required_capabilities,
)
from pplocalaws.extensions.templates import declared_transforms, parse_template
from pplocalaws.extensions.transform import TransformError, expand
from pplocalaws.seams import add_actions, read_template_url, request_flag, request_param

_IN_PROGRESS_SUFFIX = "_IN_PROGRESS"


@dataclass(frozen=True)
class SubmissionRequest:
    """The template-related inputs of CreateStack, UpdateStack and CreateChangeSet."""

    body: str | None
    parameters: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)


# -- helpers shared with change sets ------------------------------------------------
def new_stack(response: CloudFormationResponse, name: str) -> LocalStack:
    """A stack object for ``name``, not yet registered with the backend."""
    backend = response.cloudformation_backend
    return LocalStack(
        stack_id=generate_stack_id(name, response.region, response.current_account),
        name=name,
        account_id=response.current_account,
        region_name=response.region,
        exports=backend.exports,
        notification_arns=request_param(response, "NotificationARNs", []),
        role_arn=request_param(response, "RoleARN"),
        termination_protection=bool(request_flag(response, "EnableTerminationProtection", False)),
        timeout_in_mins=request_param(response, "TimeoutInMinutes"),
        stack_policy_body=policy_from_request(response, "StackPolicyBody", "StackPolicyURL"),
    )


def require_updatable(stack: LocalStack) -> None:
    """CloudFormation's refusal to update a stack that never finished or is busy."""
    if (
        stack.status in DELETE_ONLY_STATUSES
        or stack.status in ("REVIEW_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED")
        or stack.status.endswith(_IN_PROGRESS_SUFFIX)
    ):
        raise ValidationError(
            message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
        )


def read_submission_request(
    response: CloudFormationResponse, *, previous: LocalStack | None
) -> SubmissionRequest:
    """Read template body, parameters, tags and capabilities from the request.

    For an update, UsePreviousTemplate takes the stack's original template and omitted
    tags keep the stack's tags (an empty Tags list cannot be told from none on the wire).
    """
    body = request_param(response, "TemplateBody")
    check_template_body(body)
    url = request_param(response, "TemplateURL")
    use_previous = request_flag(response, "UsePreviousTemplate", False)
    if use_previous and (body or url):
        raise ValidationError(
            message="You cannot specify both usePreviousTemplate and Template Body/Template URL."
        )
    if use_previous:
        if previous is None:
            raise ValidationError(message="UsePreviousTemplate can only be used to update a stack.")
        body = previous.original_body
    elif url:
        body = read_template_url(response, url)
    elif not body:
        raise ValidationError(message="Either Template URL or Template Body must be specified.")
    tags = {item["Key"]: item["Value"] for item in request_param(response, "Tags", [])}
    if not tags and previous is not None:
        tags = dict(previous.tags)
    return SubmissionRequest(
        body=body,
        parameters=list(request_param(response, "Parameters", [])),
        tags=tags,
        capabilities=list(request_param(response, "Capabilities", [])),
    )


def _prepare_or_reject(
    response: CloudFormationResponse, request: SubmissionRequest, previous: LocalStack | None
) -> Submission:
    """Check and process a stack operation's template; a failing transform is a 400."""
    try:
        return prepare(
            request.body,
            supplied_parameters=request.parameters,
            tags=request.tags,
            capabilities=request.capabilities,
            region=response.region,
            previous_parameters=previous.parameters if previous is not None else None,
        )
    except TransformError as error:
        raise ValidationError(message=str(error)) from error


def _finish_delete(backend: CloudFormationBackend, stack: LocalStack) -> None:
    """Move a deleted stack to the deleted list and drop its change sets."""
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack
    forget_change_sets(backend, stack)
    export_registry.refresh(backend)


# -- responses ------------------------------------------------------------------------
def create_stack(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    name = request_param(self, "StackName")
    check_stack_name(name)
    if live_stack(backend, name) is not None:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    submission = _prepare_or_reject(self, read_submission_request(self, previous=None), None)
    stack = new_stack(self, name)
    plan_create(stack, submission, backend)  # rejects a missing import before anything exists
    backend.stacks[stack.stack_id] = stack
    on_failure = request_param(self, "OnFailure") or "ROLLBACK"
    rollback = on_failure != "DO_NOTHING" and not request_flag(self, "DisableRollback", False)
    stack.disable_rollback = not rollback
    operation = lifecycle.Operation(
        backend,
        stack,
        request_param(self, "ClientRequestToken"),
        retain_except_on_create=request_flag(self, "RetainExceptOnCreate"),
    )
    # The template is the stack's from the start (DescribeStacks shows its description
    # and parameters while the resources are being created).
    stack.adopt(submission)
    stack.status = "CREATE_IN_PROGRESS"

    def create() -> None:
        created = lifecycle.create(operation, submission, rollback=rollback)
        if not created and on_failure == "DELETE" and lifecycle.delete(operation):
            _finish_delete(backend, stack)

    operation_threads.start(stack, create, on_crash=partial(lifecycle.crashed, operation))
    return ActionResult({"StackId": stack.stack_id})


def update_stack(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    name = request_param(self, "StackName")
    stack = live_stack(backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack [{name}] does not exist")
    require_updatable(stack)
    submission = _prepare_or_reject(self, read_submission_request(self, previous=stack), stack)
    if (
        submission.template == stack.processed_template
        and submission.parameters == stack.parameters
        and submission.tags == dict(stack.tags)
    ):
        raise ValidationError(message="No updates are to be performed.")
    old_template = stack.processed_template
    # The policy in force for this update: the override, or the stack's own. A new
    # StackPolicyBody replaces the stack's policy from now on.
    during = policy_from_request(self, "StackPolicyDuringUpdateBody", "StackPolicyDuringUpdateURL")
    in_force = during or stack.policy
    stack.policy = policy_from_request(self, "StackPolicyBody", "StackPolicyURL") or stack.policy
    operation = lifecycle.Operation(
        backend,
        stack,
        request_param(self, "ClientRequestToken"),
        stack_policy=in_force,
        retain_except_on_create=request_flag(self, "RetainExceptOnCreate"),
    )
    stack.status = "UPDATE_IN_PROGRESS"
    operation_threads.start(
        stack,
        lambda: _update(operation, old_template, submission),
        on_crash=partial(lifecycle.crashed, operation),
    )
    return ActionResult({"StackId": stack.stack_id})


def _update(
    operation: lifecycle.Operation, old_template: Mapping[str, Any], submission: Submission
) -> None:
    stack, backend = operation.stack, operation.backend
    lifecycle.update(
        operation,
        old_template,
        submission,
        lambda: plan_update(stack, old_template, submission, backend),
    )


def delete_stack(self: CloudFormationResponse) -> EmptyResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    stack = live_stack(backend, request_param(self, "StackName"))
    if stack is None:
        return EmptyResult()  # CloudFormation answers success for an unknown stack
    if stack.status.endswith(_IN_PROGRESS_SUFFIX) and stack.status != "REVIEW_IN_PROGRESS":
        # One operation at a time on a stack ("Stack status codes", AWS CloudFormation User
        # Guide: a stack *_IN_PROGRESS is busy with an operation). AWS cancels a create
        # that DeleteStack interrupts; the local AWS does not model cancelling, so it
        # refuses, strictly, as it refuses every other call on a busy stack.
        raise ValidationError(
            message=f"Stack [{stack.name}] cannot be deleted while in status {stack.status}: "
            "wait until its operation finishes (DescribeStacks), then delete it."
        )
    if stack.enable_termination_protection:
        raise ValidationError(
            message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled"
        )
    retain = request_param(self, "RetainResources", [])
    if retain and stack.status != "DELETE_FAILED":
        raise ValidationError(
            message="Invalid operation on stack: RetainResources can only be specified when "
            "the stack is in the DELETE_FAILED state"
        )
    operation = lifecycle.Operation(backend, stack, request_param(self, "ClientRequestToken"))
    stack.status = "DELETE_IN_PROGRESS"

    def delete() -> None:
        if lifecycle.delete(operation, retain=retain):
            _finish_delete(backend, stack)

    operation_threads.start(stack, delete, on_crash=partial(lifecycle.crashed, operation))
    return EmptyResult()


def get_template(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    stage = request_param(self, "TemplateStage") or "Original"
    change_set_name = request_param(self, "ChangeSetName")
    stack_name = request_param(self, "StackName")
    if change_set_name:
        change_set = find_change_set(backend, change_set_name, stack_name)
        submission = change_set.submission
        original = submission.original_body if submission else ""
        processed = submission.template if submission else {}
        transformed = bool(submission and submission.transforms)
    else:
        stack: Stack = backend.get_stack(stack_name)
        if not isinstance(stack, LocalStack):
            return ActionResult({"TemplateBody": stack.template})
        original, processed = stack.original_body, stack.processed_template
        transformed = bool(stack.transforms)
    body = json.dumps(processed, indent=2) if stage == "Processed" and transformed else original
    return ActionResult({"TemplateBody": body, "StagesAvailable": ["Original", "Processed"]})


def validate_template(self: CloudFormationResponse) -> ActionResult:
    body = request_param(self, "TemplateBody")
    check_template_body(body)
    url = request_param(self, "TemplateURL")
    if url:
        body = read_template_url(self, url)
    original = parse_template(body)
    transforms = declared_transforms(original)
    declared: Mapping[str, Any] = original.get("Parameters") or {}
    processed = original
    if transforms:
        defaults = {
            name: as_parameter_text(slot["Default"])
            for name, slot in declared.items()
            if "Default" in slot
        }
        try:
            processed = expand(original, defaults, self.region)
        except TransformError as error:
            raise ValidationError(message=str(error)) from error
    check_processed(processed)
    hidden = no_echo_names(declared)
    parameters = []
    for name, slot in declared.items():
        entry: dict[str, Any] = {"ParameterKey": name, "NoEcho": name in hidden}
        if "Default" in slot:
            entry["DefaultValue"] = as_parameter_text(slot["Default"])
        if slot.get("Description"):
            entry["Description"] = slot["Description"]
        parameters.append(entry)
    capabilities = required_capabilities(processed, transforms)
    result: dict[str, Any] = {
        "Parameters": parameters,
        "Description": original.get("Description"),
        "Capabilities": capabilities,
        "DeclaredTransforms": transforms,
    }
    if capabilities:
        needing = sorted(
            {
                r["Type"]
                for r in processed["Resources"].values()
                if r["Type"].startswith("AWS::IAM::")
            }
            | set(transforms)
        )
        result["CapabilitiesReason"] = (
            f"The following resource(s) require capabilities: [{', '.join(needing)}]"
        )
    return ActionResult(result)


def get_template_summary(self: CloudFormationResponse) -> ActionResult:
    """moto's GetTemplateSummary, with the template size limits of the other calls."""
    body = request_param(self, "TemplateBody")
    check_template_body(body)
    url = request_param(self, "TemplateURL")
    stack_name = request_param(self, "StackName")
    if stack_name:
        stack = self.cloudformation_backend.get_stack(stack_name)
        if stack.status == "REVIEW_IN_PROGRESS":
            raise ValidationError(
                message="GetTemplateSummary cannot be called on REVIEW_IN_PROGRESS stacks."
            )
        body = stack.template
    elif url:
        body = read_template_url(self, url)
    return ActionResult(get_template_summary_response_from_template(body))


def update_termination_protection(self: CloudFormationResponse) -> ActionResult:
    name = request_param(self, "StackName")
    stack = live_stack(self.cloudformation_backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack [{name}] does not exist")
    stack.enable_termination_protection = bool(
        request_flag(self, "EnableTerminationProtection", False)
    )
    return ActionResult({"StackId": stack.stack_id})


def apply() -> None:
    add_actions(
        CloudFormationResponse,
        create_stack,
        update_stack,
        delete_stack,
        get_template,
        validate_template,
        get_template_summary,
        update_termination_protection,
    )
