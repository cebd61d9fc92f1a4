"""ContinueUpdateRollback: the way out of UPDATE_ROLLBACK_FAILED.

moto has no ContinueUpdateRollback (and its stacks never reach UPDATE_ROLLBACK_FAILED).
On AWS, a stack whose update rollback failed accepts nothing but ContinueUpdateRollback
(or DeleteStack): it retries restoring the resources that failed, takes those named in
ResourcesToSkip as restored (they may no longer match the template), removes what the
failed update created, and ends in UPDATE_ROLLBACK_COMPLETE, or stops again in
UPDATE_ROLLBACK_FAILED. Only resources whose rollback failed can be skipped.
"""

from __future__ import annotations

from functools import partial

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from pplocalaws.extensions import lifecycle, operation_threads
from pplocalaws.extensions.changeset_model import live_stack
from pplocalaws.extensions.events import USER_INITIATED
from pplocalaws.seams import add_actions, request_param


def continue_update_rollback(self: CloudFormationResponse) -> ActionResult:
    backend: CloudFormationBackend = self.cloudformation_backend
    name = request_param(self, "StackName")
    stack = live_stack(backend, name)
    if stack is None:
        raise ValidationError(message=f"Stack [{name}] does not exist")
    pending = stack.pending_rollback
    if stack.status != "UPDATE_ROLLBACK_FAILED" or pending is None:
        raise ValidationError(
            message=f"Stack:{stack.stack_id} is in {stack.status} state and can not continue "
            "update rollback: ContinueUpdateRollback applies only to a stack in "
            "UPDATE_ROLLBACK_FAILED."
        )
    skip = [str(item) for item in request_param(self, "ResourcesToSkip", [])]
    not_failed = sorted(set(skip) - set(pending.unrestored))
    if not_failed:
        raise ValidationError(
            message=f"Resources [{', '.join(not_failed)}] cannot be skipped: only resources "
            f"whose rollback failed can be ([{', '.join(pending.unrestored)}])."
        )
    operation = lifecycle.Operation(backend, stack, request_param(self, "ClientRequestToken"))
    operation.set_status("UPDATE_ROLLBACK_IN_PROGRESS", USER_INITIATED)
    # The call answers while the stack is UPDATE_ROLLBACK_IN_PROGRESS and the rollback goes
    # on after it, as every stack operation of CloudFormation does (``operation_threads``;
    # ContinueUpdateRollback, AWS CloudFormation API Reference,
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ContinueUpdateRollback.html).
    operation_threads.start(
        stack,
        lambda: _resume(operation, pending, skip),
        on_crash=partial(lifecycle.crashed, operation),
    )
    return ActionResult({})


def _resume(
    operation: lifecycle.Operation, pending: lifecycle.PendingRollback, skip: list[str]
) -> None:
    lifecycle.resume_rollback(operation, pending, skip)


def apply() -> None:
    add_actions(CloudFormationResponse, continue_update_rollback)
