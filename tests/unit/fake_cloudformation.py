"""A fake of the engine's CloudFormation adapter that speaks in the adapter's own records.

The deciding code (deploy_stack, the guards, plan, lifecycle) only sees ``StackState``,
``ChangeSet`` and ``StackEvent`` records, so a test sets up the records a situation needs
and reads back the calls the engine made. No moto, no botocore, no network: each test runs
in milliseconds.

What happens when the engine starts an operation (execute a change set, delete a stack,
continue a rollback) is scripted with ``then``: the state the stack is in, and the events
seen, when the engine next waits on it. Unscripted, an operation succeeds as AWS would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ppdeploy.aws.cloudformation import (
    ChangeSet,
    ResourceChange,
    StackEvent,
    StackState,
    first_failure,
)

__all__ = ["FakeCloudFormation", "Then", "first_failure", "resource_event", "stack_state"]


def stack_state(name: str, status: str = "UPDATE_COMPLETE", **fields: Any) -> StackState:
    return StackState(
        name=name, stack_id=f"arn:aws:cloudformation:r:1:stack/{name}/1", status=status, **fields
    )


def resource_event(
    logical_id: str, status: str, reason: str = "", resource_type: str = "AWS::SNS::Topic"
) -> StackEvent:
    resource_event.count += 1  # type: ignore[attr-defined]
    return StackEvent(
        event_id=f"e{resource_event.count}",  # type: ignore[attr-defined]
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        logical_id=logical_id,
        resource_type=resource_type,
        status=status,
        reason=reason,
    )


resource_event.count = 0  # type: ignore[attr-defined]


@dataclass
class Then:
    """What an operation leads to: the stack's state afterwards (None: gone) and its events."""

    state: StackState | None
    events: list[StackEvent] = field(default_factory=list)


@dataclass
class FakeCloudFormation:
    """The adapter's methods over records a test sets up; ``calls`` lists what was asked."""

    stacks: dict[str, StackState] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # deployed template bodies
    export_values: dict[str, str] = field(default_factory=dict)
    exports_by_stack: dict[str, list[str]] = field(default_factory=dict)
    importers_of: dict[str, list[str]] = field(default_factory=dict)
    stack_events: dict[str, list[StackEvent]] = field(default_factory=dict)
    # The change set CloudFormation computes next (None: one holding ``changes``).
    change_set: ChangeSet | None = None
    changes: tuple[ResourceChange, ...] = ()
    then: dict[str, Then] = field(default_factory=dict)  # operation -> its result
    calls: list[tuple[str, ...]] = field(default_factory=list)
    # stack -> whether its last execution asked for RetainExceptOnCreate
    retain_except_on_create: dict[str, bool] = field(default_factory=dict)
    policies: list[tuple[str, str]] = field(default_factory=list)
    poll_seconds: float = 0.0
    _pending: dict[str, Then] = field(default_factory=dict)
    _change_sets: dict[str, tuple[str, str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]

    def _name(self, name_or_id: str) -> str:
        for state in self.stacks.values():
            if state.stack_id == name_or_id:
                return state.name
        return name_or_id

    # -- reads ---------------------------------------------------------------------------

    def describe(self, name: str) -> StackState | None:
        return self.stacks.get(self._name(name))

    def template_body(self, name: str) -> str | None:
        return self.templates.get(name)

    def exports(self) -> dict[str, str]:
        self.calls.append(("exports",))
        return dict(self.export_values)

    def exports_of_stack(self, name: str) -> list[str]:
        return sorted(self.exports_by_stack.get(name, []))

    def importers(self, export_name: str) -> list[str]:
        return sorted(self.importers_of.get(export_name, []))

    def events(self, stack_name: str, *, after: str | None = None) -> list[StackEvent]:
        return list(self.stack_events.get(stack_name, []))

    def latest_event_id(self, stack_name: str) -> str | None:
        events = self.stack_events.get(stack_name, [])
        return events[-1].event_id if events else None

    # -- change sets ---------------------------------------------------------------------

    def create_change_set(
        self,
        *,
        stack_name: str,
        change_set_name: str,
        change_set_type: str,
        template_body: str,
        parameters: dict[str, str],
        tags: dict[str, str],
        token: str,
        resources_to_import: Any = (),
    ) -> ChangeSet:
        self.calls.append(("create_change_set", stack_name, change_set_type))
        if change_set_type == "CREATE" and stack_name not in self.stacks:
            self.stacks[stack_name] = stack_state(stack_name, "REVIEW_IN_PROGRESS")
        computed = self.change_set or ChangeSet(
            change_set_id=f"cs-{len(self.calls)}",
            stack_id=self.stacks[stack_name].stack_id,
            change_set_type=change_set_type,
            status="CREATE_COMPLETE",
            changes=self.changes,
        )
        computed = replace(computed, change_set_type=change_set_type)
        self._change_sets[computed.change_set_id] = (stack_name, change_set_type)
        self._tags = tags
        self._parameters = parameters
        return computed

    def delete_change_set(self, change_set_id: str) -> None:
        self.calls.append(("delete_change_set", change_set_id))

    def execute_change_set(
        self, change_set_id: str, *, token: str, retain_except_on_create: bool = False
    ) -> None:
        stack, kind = self._change_sets[change_set_id]
        self.calls.append(("execute_change_set", stack))
        self.retain_except_on_create[stack] = retain_except_on_create
        default = stack_state(
            stack,
            "CREATE_COMPLETE" if kind == "CREATE" else "UPDATE_COMPLETE",
            tags=dict(self._tags),
            parameters=dict(self._parameters),
        )
        self._pending[stack] = self.then.get("execute", Then(default))

    # -- stack operations ----------------------------------------------------------------

    def delete_stack(self, name: str, *, token: str) -> None:
        self.calls.append(("delete_stack", name))
        self._pending[name] = self.then.get("delete", Then(None))

    def continue_update_rollback(self, name: str, *, skip: list[str], token: str) -> None:
        self.calls.append(("continue_update_rollback", name, *skip))
        default = Then(stack_state(name, "UPDATE_ROLLBACK_COMPLETE"))
        self._pending[name] = self.then.get("recover", default)

    def set_stack_policy(self, name: str, policy: str) -> None:
        self.calls.append(("set_stack_policy", name))
        self.policies.append((name, policy))

    def set_termination_protection(self, name: str, *, enabled: bool) -> None:
        self.calls.append(("set_termination_protection", name, str(enabled)))
        self.stacks[name] = replace(self.stacks[name], termination_protection=enabled)

    def wait(
        self,
        stack_name: str,
        *,
        after_event: str | None,
        on_event: Callable[[StackEvent], None] = lambda _event: None,
    ) -> tuple[StackState | None, list[StackEvent]]:
        name = self._name(stack_name)
        self.calls.append(("wait", name))
        result = self._pending.pop(name, None)
        if result is None:  # nothing started: whatever was in progress settles as scripted
            result = self.then.pop("settle", Then(self.stacks.get(name)))
        for event in result.events:
            on_event(event)
        if result.state is None:
            self.stacks.pop(name, None)
        else:
            self.stacks[name] = result.state
        return result.state, list(result.events)
