"""Deploy one stack through a change set: create or update, wait, report, clean up.

The stack's real state decides what happens: a stack that never finished creating is
deleted and recreated (saying so), one in progress is waited for, and an empty change set
means "unchanged" and is deleted so nothing is left behind. While an update runs, the
CodeDeploy traffic shifts of its functions' aliases are followed (``traffic_watch``), and
a shift CodeDeploy rolled back fails the deploy naming the alarm.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping

from ppdeploy.aws.cloudformation import (
    NEVER_CREATED_STATES,
    ChangeSet,
    CloudFormation,
    StackState,
    first_failure,
)
from ppdeploy.decide import fingerprint, guard
from ppdeploy.errors import DeployError, RefusedError
from ppdeploy.events import (
    ChangeSetComputed,
    Reporter,
    ResourceEvent,
    StackNote,
    StackOutcome,
    TrafficShift,
)
from ppdeploy.model import DeployOutcome, DeployResult, StackSpec
from ppdeploy.workflows.traffic_watch import ShiftReader, TrafficWatch, uses_codedeploy

Approve = Callable[[StackSpec, ChangeSet], bool]


def _token(kind: str) -> str:
    """A ClientRequestToken: a retried call with it is the same operation, not a second one."""
    return f"ppdeploy-{kind}-{uuid.uuid4().hex}"


def _settle(
    cfn: CloudFormation, spec: StackSpec, reporter: Reporter, state: StackState | None
) -> StackState | None:
    """The stack's state (``state`` as read now) once nothing is in progress and any failed
    create is cleared away."""
    if state is not None and state.in_progress and state.status != "REVIEW_IN_PROGRESS":
        reporter.emit(StackNote(spec.name, f"{state.status}: waiting for it to finish", "warn"))
        state, _ = cfn.wait(
            spec.name,
            after_event=cfn.latest_event_id(spec.name),
            on_event=lambda event: reporter.emit(ResourceEvent(spec.name, event)),
        )
    if state is not None and state.status in NEVER_CREATED_STATES:
        reporter.emit(
            StackNote(
                spec.name,
                f"never finished creating ({state.status}); deleting it so it can be created again",
                "warn",
            )
        )
        mark = cfn.latest_event_id(spec.name)
        cfn.delete_stack(spec.name, token=_token("delete"))
        state, _ = cfn.wait(spec.name, after_event=mark)
        if state is not None:
            raise DeployError(
                f"{spec.name} could not be deleted ({state.status})",
                cause=state.status_reason,
                fix="delete the stack in the CloudFormation console, then deploy again",
            )
    if state is not None and state.status == "UPDATE_ROLLBACK_FAILED":
        raise DeployError(
            f"{spec.name} is stuck in UPDATE_ROLLBACK_FAILED",
            cause=state.status_reason or "a resource could not be rolled back",
            fix=f"see what failed and continue the rollback: `invoke recover --stack {spec.name}`, "
            "then deploy again",
        )
    return state


def deploy_stack(
    cfn: CloudFormation,
    spec: StackSpec,
    reporter: Reporter,
    *,
    approve: Approve,
    force: bool = False,
    allow_replace: frozenset[str] = frozenset(),
    precheck: Callable[[StackSpec], None] = lambda _spec: None,
    exports_now: Callable[[], Mapping[str, str]] | None = None,
    state_now: Callable[[str], StackState | None] | None = None,
    traffic: ShiftReader | None = None,
) -> DeployResult:
    """Bring the stack ``spec.name`` to ``spec`` through one change set.

    A stack whose fingerprint matches is skipped without a change set unless ``force``;
    ``precheck`` (lint) runs only when a change set is about to be made. The guards run
    on the computed change set: a refusal deletes it, so nothing is changed.
    ``exports_now`` reads the current exports and ``state_now`` the stack's state (a
    caller may share one reading of each across stacks).
    ``traffic`` reads CodeDeploy: given, an update's traffic shifts are reported as they
    happen and a rollback names its alarm (without it, the stack's events still say it).
    """
    started = time.monotonic()
    spec = fingerprint.stamp(cfn, spec, exports_now)
    state = _settle(cfn, spec, reporter, (state_now or cfn.describe)(spec.name))
    if not force and state is not None and fingerprint.unchanged(state, spec.tags[fingerprint.TAG]):
        return _finished(reporter, spec, "unchanged", started, state.outputs)
    precheck(spec)
    creating = state is None or state.status == "REVIEW_IN_PROGRESS"
    token = _token("deploy")
    change_set = cfn.create_change_set(
        stack_name=spec.name,
        change_set_name=f"ppdeploy-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}",
        change_set_type="CREATE" if creating else "UPDATE",
        template_body=spec.template.body_for_upload(),
        parameters=spec.parameters,
        tags=spec.tags,
        token=token,
    )
    if change_set.empty:
        cfn.delete_change_set(change_set.change_set_id)
        assert state is not None  # noqa: S101 - an empty change set needs an existing stack
        return _finished(reporter, spec, "unchanged", started, state.outputs)
    if change_set.status != "CREATE_COMPLETE":
        _discard(cfn, spec, change_set, creating=creating)
        raise DeployError(
            f"CloudFormation could not compute the change set for {spec.name}",
            cause=change_set.reason or change_set.status,
            fix="correct the template or parameters named in the cause",
        )
    reporter.emit(ChangeSetComputed(spec.name, change_set))
    try:
        allowed = _review(cfn, spec, change_set, allow_replace, approve, creating=creating)
    except BaseException:
        _discard(cfn, spec, change_set, creating=creating)
        raise
    for danger in allowed:
        reporter.emit(StackNote(spec.name, f"explicitly allowed: {danger.describe()}", "warn"))
    final = _execute(
        cfn, spec, change_set, reporter, token, creating=creating, allowed=allowed, traffic=traffic
    )
    return _finished(reporter, spec, "created" if creating else "updated", started, final.outputs)


def _finished(
    reporter: Reporter,
    spec: StackSpec,
    outcome: DeployOutcome,
    started: float,
    outputs: dict[str, str],
) -> DeployResult:
    seconds = time.monotonic() - started
    reporter.emit(StackOutcome(spec.name, outcome, seconds))
    return DeployResult(spec.name, outcome, seconds, outputs)


def _review(
    cfn: CloudFormation,
    spec: StackSpec,
    change_set: ChangeSet,
    allow_replace: frozenset[str],
    approve: Approve,
    *,
    creating: bool,
) -> list[guard.Danger]:
    """The guards, then the person's approval; returns the dangers explicitly allowed."""
    allowed = guard.check_stateful(spec.name, change_set, allow_replace)
    if not creating:
        guard.check_exports(cfn, spec)
    if not approve(spec, change_set):
        raise RefusedError(f"the change to {spec.name} was not approved; nothing was changed")
    return allowed


def _execute(
    cfn: CloudFormation,
    spec: StackSpec,
    change_set: ChangeSet,
    reporter: Reporter,
    token: str,
    *,
    creating: bool,
    allowed: list[guard.Danger],
    traffic: ShiftReader | None = None,
) -> StackState:
    """Run the change set and wait; the stack policy lets through only what was allowed."""
    if spec.stack_policy and allowed and not creating:
        permitted = [danger.logical_id for danger in allowed]
        cfn.set_stack_policy(spec.name, stack_policy(spec.stack_policy, permitted))
    mark = cfn.latest_event_id(spec.name)
    # Only an update shifts traffic: a create makes the alias at its version directly
    # (UpdatePolicy applies to updates; "UpdatePolicy attribute", CodeDeployLambdaAliasUpdate).
    watch = (
        TrafficWatch(traffic, cfn, spec.name, reporter, poll_seconds=cfn.poll_seconds)
        if traffic is not None and not creating and uses_codedeploy(spec.template.document)
        else None
    )
    if watch is not None:
        watch.start()
    shifts: list[TrafficShift] = []
    try:
        # A first create that fails must not leave its Retain tables, buckets and secrets
        # behind: they would make every retry fail on "already exists". Updates keep Retain.
        cfn.execute_change_set(
            change_set.change_set_id, token=token, retain_except_on_create=creating
        )
        final, events = cfn.wait(
            spec.name,
            after_event=mark,
            on_event=lambda event: reporter.emit(ResourceEvent(spec.name, event)),
        )
    finally:
        if watch is not None:
            shifts = watch.stop()
        if spec.stack_policy and cfn.describe(spec.name) is not None:
            cfn.set_stack_policy(spec.name, spec.stack_policy)
    expected = "CREATE_COMPLETE" if creating else "UPDATE_COMPLETE"
    rolled_back = [shift for shift in shifts if shift.rolled_back]
    if rolled_back and (final is None or final.status != expected):
        raise _rolled_back_error(spec, rolled_back[0], final)
    if final is None or final.status != expected:
        failure = first_failure(events)
        cause = (
            f"{failure.logical_id} ({failure.resource_type}) {failure.status}: {failure.reason}"
            if failure
            else (final.status_reason if final else "the stack disappeared")
        )
        raise DeployError(
            f"{spec.name} ended in {final.status if final else 'DELETE_COMPLETE'}",
            cause=cause,
            fix="correct the cause and deploy again; the stack's real state is picked up",
        )
    if spec.termination_protection and not final.termination_protection:
        cfn.set_termination_protection(spec.name, enabled=True)
    return final


def _rolled_back_error(
    spec: StackSpec, shift: TrafficShift, final: StackState | None
) -> DeployError:
    """A deploy CodeDeploy rolled back: the alias, the versions and the alarm that stopped it."""
    back_to = f" to version {shift.from_version}" if shift.from_version else ""
    new = f" version {shift.to_version}" if shift.to_version else " the new version"
    ended = final.status if final else "DELETE_COMPLETE"
    return DeployError(
        f"{spec.name}: CodeDeploy rolled {shift.alias} back{back_to} "
        f"({shift.deployment_id}); the stack ended in {ended}",
        cause=shift.reason or f"the deployment ended {shift.status}",
        fix=f"the alarm fired while{new} took traffic: read the function's logs "
        "(`invoke logs`), correct the code and deploy again; the previous version serves meanwhile",
    )


def stack_policy(base: str, permitted: list[str]) -> str:
    """``base`` with its Deny statements lifted for the ``permitted`` logical ids only."""
    document = json.loads(base)
    for statement in document.get("Statement", []):
        if statement.get("Effect") == "Deny" and permitted:
            statement["NotResource"] = [f"LogicalResourceId/{name}" for name in permitted]
            statement.pop("Resource", None)
    return json.dumps(document)


def _discard(
    cfn: CloudFormation, spec: StackSpec, change_set: ChangeSet, *, creating: bool
) -> None:
    """Remove a change set that will not run, and the empty stack a CREATE one made."""
    cfn.delete_change_set(change_set.change_set_id)
    if creating:
        state = cfn.describe(spec.name)
        if state is not None and state.status == "REVIEW_IN_PROGRESS":
            cfn.delete_stack(spec.name, token=_token("discard"))
