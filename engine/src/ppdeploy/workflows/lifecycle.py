"""Deleting a stack and recovering one stuck in UPDATE_ROLLBACK_FAILED, guarded and guided."""

from __future__ import annotations

import uuid

from ppdeploy.aws.cloudformation import CloudFormation, StackEvent, first_failure
from ppdeploy.decide import guard
from ppdeploy.errors import DeployError, InputError, RefusedError
from ppdeploy.events import Reporter, ResourceEvent, StackNote, StackOutcome


def _token(kind: str) -> str:
    return f"ppdeploy-{kind}-{uuid.uuid4().hex}"


def delete(cfn: CloudFormation, stack: str, reporter: Reporter, *, assume_yes: bool) -> None:
    """Delete ``stack`` unless another stack imports its exports or it is protected."""
    state = cfn.describe(stack)
    if state is None:
        raise InputError(
            f"stack {stack} does not exist",
            fix="`invoke status --stage STAGE` lists the stage's stacks",
        )
    guard.check_delete(cfn, stack)
    if state.termination_protection:
        raise RefusedError(
            f"refused to delete {stack}: termination protection is on",
            cause="staging and prod shared stacks are protected so they cannot be deleted by "
            "accident",
            fix="if this really must go, turn protection off in the CloudFormation console "
            "first (a deliberate, separate step), then delete",
        )
    if not reporter.confirm(
        f"Delete {stack}? Resources with DeletionPolicy Retain are kept", assume_yes=assume_yes
    ):
        raise RefusedError(f"{stack} was not deleted")
    mark = cfn.latest_event_id(stack)
    cfn.delete_stack(stack, token=_token("delete"))
    # By id: once deleted, the name no longer finds the stack or its events.
    final, events = cfn.wait(
        state.stack_id,
        after_event=mark,
        on_event=lambda event: reporter.emit(ResourceEvent(stack, event)),
    )
    if final is not None and final.status != "DELETE_COMPLETE":
        failure = first_failure(events)
        raise DeployError(
            f"{stack} could not be deleted ({final.status})",
            cause=f"{failure.logical_id}: {failure.reason}" if failure else final.status_reason,
            fix="correct the cause and delete again",
        )
    retained = [e.logical_id for e in events if e.status == "DELETE_SKIPPED"]
    if retained:
        reporter.emit(StackNote(stack, f"kept (DeletionPolicy Retain): {', '.join(retained)}"))
    reporter.emit(StackOutcome(stack, "deleted"))


def failed_resources(events: list[StackEvent]) -> list[StackEvent]:
    """The resources whose rollback failed: failures since the last rollback began."""
    began = max(
        (
            index
            for index, event in enumerate(events)
            if event.resource_type == "AWS::CloudFormation::Stack"
            and event.status == "UPDATE_ROLLBACK_IN_PROGRESS"
        ),
        default=-1,
    )
    latest: dict[str, StackEvent] = {}
    for event in events[began + 1 :]:
        if event.failed and event.resource_type != "AWS::CloudFormation::Stack":
            latest[event.logical_id] = event
    return list(latest.values())


def recover(
    cfn: CloudFormation,
    stack: str,
    skip: list[str],
    reporter: Reporter,
    *,
    assume_yes: bool,
) -> None:
    """Continue a rollback stuck in UPDATE_ROLLBACK_FAILED, skipping the given resources."""
    state = cfn.describe(stack)
    if state is None:
        raise InputError(f"stack {stack} does not exist", fix="check the name (`invoke status`)")
    if state.status != "UPDATE_ROLLBACK_FAILED":
        raise InputError(
            f"{stack} is {state.status}, not UPDATE_ROLLBACK_FAILED",
            cause="recover continues a rollback that CloudFormation could not finish",
            fix="a stack in another state needs no recovery: deploy it again",
        )
    failed = failed_resources(cfn.events(stack))
    for event in failed:
        reporter.emit(
            StackNote(
                stack,
                f"{event.logical_id} ({event.resource_type}) {event.status}: {event.reason}",
                "warn",
            )
        )
    unknown = sorted(set(skip) - {event.logical_id for event in failed})
    if unknown:
        raise InputError(
            f"--skip names resources whose rollback did not fail: {', '.join(unknown)}",
            cause="CloudFormation only skips resources in UPDATE_FAILED",
            fix=f"skip only: {', '.join(e.logical_id for e in failed) or 'nothing'}",
        )
    question = f"Continue the rollback of {stack}" + (
        f", skipping {', '.join(skip)} (CloudFormation then treats them as rolled back)?"
        if skip
        else "?"
    )
    if not reporter.confirm(question, assume_yes=assume_yes):
        raise RefusedError(f"the rollback of {stack} was not continued")
    mark = cfn.latest_event_id(stack)
    cfn.continue_update_rollback(stack, skip=skip, token=_token("recover"))
    final, _ = cfn.wait(
        stack, after_event=mark, on_event=lambda event: reporter.emit(ResourceEvent(stack, event))
    )
    if final is None or final.status != "UPDATE_ROLLBACK_COMPLETE":
        raise DeployError(
            f"{stack} ended in {final.status if final else 'DELETE_COMPLETE'}",
            cause=final.status_reason if final else "",
            fix="read `invoke events --stack` for the resource that failed again; skip it if "
            "it cannot be rolled back",
        )
    reporter.emit(
        StackNote(stack, "rollback completed; deploy again to apply your change", "success")
    )
