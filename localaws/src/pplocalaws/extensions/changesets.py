"""Change sets that behave like CloudFormation's.

What moto 5.2.5 gets wrong, and what CloudFormation does instead:

- CREATE change sets: executing one leaves the stack without Outputs or exports, and an
  ``Fn::ImportValue`` in it fails ("No export named X found") because the stack sees a
  private empty export table. Here the stack is created by the same code as CreateStack,
  against the region's live exports.
- An identical UPDATE is rejected with "No updates are to be performed." (CreateStack's
  answer) or, without parameters, compared on raw input; CloudFormation creates the change
  set in status FAILED ("didn't contain changes"), comparing the processed template and
  effective parameter values, and refuses to execute it (InvalidChangeSetStatus).
- Changes carry no Replacement, Scope, Details, PhysicalResourceId or PolicyAction.
- Change sets are looked up by name across *all* stacks (StackName is ignored), and
  ListChangeSets returns every stack's change sets.
- ClientToken, Capabilities and NoEcho masking are ignored.
- IMPORT change sets create new resources; CloudFormation adopts existing ones
  (``imports``).
"""

from __future__ import annotations

from moto.cloudformation.exceptions import (
    AlreadyExistsException,
    ExportNotFound,
    ValidationError,
)
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_changeset_id, validate_create_change_set
from moto.core.responses import ActionResult, EmptyResult

from pplocalaws.extensions import imports, lifecycle, operation_threads
from pplocalaws.extensions.changeset_model import (
    LocalChangeSet,
    find_change_set,
    forget_change_sets,
    live_stack,
    registry,
    stack_change_sets,
)
from pplocalaws.extensions.errors import InvalidChangeSetStatus
from pplocalaws.extensions.events import USER_INITIATED, EventSink
from pplocalaws.extensions.limits import check_stack_name
from pplocalaws.extensions.planning import ResourceChange, plan_create, plan_update
from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.extensions.stacks import (
    SubmissionRequest,
    new_stack,
    read_submission_request,
    require_updatable,
)
from pplocalaws.extensions.submission import Submission, prepare
from pplocalaws.extensions.transform import TransformError
from pplocalaws.seams import add_actions, request_flag, request_param

NO_CHANGES = (
    "The submitted information didn't contain changes. "
    "Submit different information to create a change set."
)


# -- responses ------------------------------------------------------------------------
def create_change_set(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    stack_name = request_param(self, "StackName")
    name = request_param(self, "ChangeSetName")
    validate_create_change_set(name)
    change_set_type = request_param(self, "ChangeSetType") or "UPDATE"
    client_token = request_param(self, "ClientToken")
    stack = live_stack(backend, stack_name)
    repeated = _repeated_request(backend, stack, name, client_token)
    if repeated is not None:
        return ActionResult({"Id": repeated.change_set_id, "StackId": repeated.stack_id})
    previous = _check_target(stack, stack_name, change_set_type)

    if stack is None:
        check_stack_name(stack_name)
    target = stack or new_stack(self, stack_name)
    request = read_submission_request(self, previous=previous)
    importing = change_set_type == imports.IMPORT
    to_import = imports.read_resources_to_import(self) if importing else None
    submission, changes, failure = _evaluate(self, request, target, previous, to_import)
    if stack is None:  # only now, so a rejected request leaves no stack behind
        backend.stacks[target.stack_id] = target
        target.status = "REVIEW_IN_PROGRESS"
        EventSink(target).stack_event("REVIEW_IN_PROGRESS", USER_INITIATED)

    change_set = LocalChangeSet(
        change_set_id=generate_changeset_id(name, self.region, self.current_account),
        name=name,
        stack=target,
        change_set_type=change_set_type,
        submission=submission,
        description=request_param(self, "Description"),
        client_token=client_token,
        notification_arns=request_param(self, "NotificationARNs", []),
    )
    if failure is not None:
        change_set.fail(failure)
    elif (
        submission is not None
        and previous is not None
        and to_import is None
        and _unchanged(previous, submission)
    ):
        change_set.fail(NO_CHANGES)
    else:
        change_set.complete(changes)
    registry(backend)[change_set.change_set_id] = change_set
    return ActionResult({"Id": change_set.change_set_id, "StackId": target.stack_id})


def _repeated_request(
    backend: CloudFormationBackend,
    stack: LocalStack | None,
    name: str,
    client_token: str | None,
) -> LocalChangeSet | None:
    """The change set a retried request (same ClientToken) already made, if any."""
    if stack is None:
        return None
    for existing in stack_change_sets(backend, stack):
        if existing.change_set_name == name:
            if client_token and existing.client_token == client_token:
                return existing
            raise AlreadyExistsException(f"ChangeSet [{name}] already exists")
    return None


def _check_target(
    stack: LocalStack | None, stack_name: str, change_set_type: str
) -> LocalStack | None:
    """Check the stack suits the change set type; the stack an UPDATE starts from."""
    if change_set_type == "CREATE":
        if stack is not None and stack.status != "REVIEW_IN_PROGRESS":
            raise AlreadyExistsException(f"Stack [{stack_name}] already exists")
        return None
    creates_stack = stack is None or stack.status == "REVIEW_IN_PROGRESS"
    if change_set_type == imports.IMPORT and creates_stack:
        return None  # an import may create the stack
    if change_set_type not in ("UPDATE", imports.IMPORT):
        raise ValidationError(
            message=f"ChangeSetType {change_set_type} is not supported by the local AWS; "
            "use CREATE, UPDATE or IMPORT."
        )
    if stack is None:
        raise ValidationError(message=f"Stack [{stack_name}] does not exist")
    require_updatable(stack)
    return stack


def _evaluate(
    response: CloudFormationResponse,
    request: SubmissionRequest,
    target: LocalStack,
    previous: LocalStack | None,
    to_import: list[imports.ResourceToImport] | None,
) -> tuple[Submission | None, list[ResourceChange], str | None]:
    """Submission, changes and FAILED reason of a change set.

    What CloudFormation rejects synchronously raises; what it finds while creating the
    change set (a failing transform, an import nobody exports) becomes the FAILED reason.
    """
    backend = response.cloudformation_backend
    try:
        submission = prepare(
            request.body,
            supplied_parameters=request.parameters,
            tags=request.tags,
            capabilities=request.capabilities,
            region=response.region,
            previous_parameters=previous.parameters if previous is not None else None,
        )
    except TransformError as error:
        return None, [], str(error)
    try:
        if to_import is not None:
            changes = imports.plan_import(target, previous, submission, to_import, backend)
        elif previous is None:
            changes = plan_create(target, submission, backend)
        else:
            changes = plan_update(previous, previous.processed_template, submission, backend)
    except ExportNotFound as error:
        return submission, [], str(error.message)
    except imports.ImportNotPossible as error:
        return submission, [], str(error)
    return submission, changes, None


def _unchanged(stack: LocalStack, submission: Submission) -> bool:
    return (
        submission.template == stack.processed_template
        and submission.parameters == stack.parameters
        and submission.tags == dict(stack.tags)
    )


def describe_change_set(self: CloudFormationResponse) -> ActionResult:
    change_set = find_change_set(
        self.cloudformation_backend,
        request_param(self, "ChangeSetName"),
        request_param(self, "StackName"),
    )
    return ActionResult(change_set.describe())


def list_change_sets(self: CloudFormationResponse) -> ActionResult:
    backend = self.cloudformation_backend
    stack_name = request_param(self, "StackName")
    stack = live_stack(backend, stack_name)
    if stack is None:
        raise ValidationError(message=f"Stack [{stack_name}] does not exist")
    return ActionResult({"Summaries": [cs.summary() for cs in stack_change_sets(backend, stack)]})


def delete_change_set(self: CloudFormationResponse) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = find_change_set(
        backend, request_param(self, "ChangeSetName"), request_param(self, "StackName")
    )
    if change_set.execution_status == "EXECUTE_IN_PROGRESS":
        raise InvalidChangeSetStatus(change_set.change_set_id, change_set.execution_status)
    del registry(backend)[change_set.change_set_id]
    return EmptyResult()


def execute_change_set(self: CloudFormationResponse) -> EmptyResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    change_set = find_change_set(
        backend, request_param(self, "ChangeSetName"), request_param(self, "StackName")
    )
    if change_set.execution_status != "AVAILABLE" or change_set.submission is None:
        raise InvalidChangeSetStatus(change_set.change_set_id, change_set.execution_status)
    stack = change_set.stack
    _refuse_busy_stack(change_set)
    operation = lifecycle.Operation(
        backend,
        stack,
        request_param(self, "ClientRequestToken"),
        stack_policy=stack.policy,
        retain_except_on_create=request_flag(self, "RetainExceptOnCreate"),
    )
    disable_rollback = bool(request_flag(self, "DisableRollback", False))
    change_set.execution_status = "EXECUTE_IN_PROGRESS"
    if change_set.change_set_type == "CREATE":
        stack.adopt(change_set.submission)  # DescribeStacks shows it while resources come
    stack.status = _STARTING_STATUS.get(change_set.change_set_type, "UPDATE_IN_PROGRESS")

    def execute() -> None:
        succeeded = _execute(operation, change_set, disable_rollback)
        change_set.execution_status = "EXECUTE_COMPLETE" if succeeded else "EXECUTE_FAILED"
        stack.change_set_id = change_set.change_set_id
        forget_change_sets(backend, stack, keep=change_set.change_set_id)

    def crashed(reason: str) -> None:
        lifecycle.crashed(operation, reason)
        change_set.execution_status = "EXECUTE_FAILED"

    operation_threads.start(stack, execute, on_crash=crashed)
    return EmptyResult()


# The stack's status from the moment ExecuteChangeSet answers ("Stack status codes").
_STARTING_STATUS = {"CREATE": "CREATE_IN_PROGRESS", imports.IMPORT: "IMPORT_IN_PROGRESS"}


def _execute(
    operation: lifecycle.Operation, change_set: LocalChangeSet, disable_rollback: bool
) -> bool:
    """Run a change set's operation (in the background); True when it succeeded."""
    stack, submission, backend = operation.stack, change_set.submission, operation.backend
    if submission is None:  # execute_change_set refused it before starting the operation
        raise InvalidChangeSetStatus(change_set.change_set_id, change_set.execution_status)
    if change_set.change_set_type == "CREATE":
        stack.capabilities = list(submission.capabilities)
        return lifecycle.create(operation, submission, rollback=not disable_rollback)
    if change_set.change_set_type == imports.IMPORT:
        return imports.execute(operation, submission, change_set.changes)
    old_template = stack.processed_template
    return lifecycle.update(
        operation,
        old_template,
        submission,
        lambda: plan_update(stack, old_template, submission, backend),
    )


def _refuse_busy_stack(change_set: LocalChangeSet) -> None:
    """A change set cannot run on a stack that is not where the change set starts from.

    ExecuteChangeSet answers InvalidChangeSetStatus when "the specified change set can't be
    used to update the stack. For example, the change set status might be
    CREATE_IN_PROGRESS, or the stack status might be UPDATE_IN_PROGRESS." (ExecuteChangeSet,
    Errors, AWS CloudFormation API Reference,
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html)
    A CREATE (or stack-creating IMPORT) change set starts from REVIEW_IN_PROGRESS; any
    other from a stack that is not in progress.
    """
    status = change_set.stack.status
    if status == "REVIEW_IN_PROGRESS":
        return
    if change_set.change_set_type == "CREATE" or status.endswith("_IN_PROGRESS"):
        raise InvalidChangeSetStatus(change_set.change_set_id, change_set.execution_status)


def apply() -> None:
    add_actions(
        CloudFormationResponse,
        create_change_set,
        describe_change_set,
        list_change_sets,
        delete_change_set,
        execute_change_set,
    )
