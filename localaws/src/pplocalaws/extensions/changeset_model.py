"""A change set as CloudFormation keeps it, and how to find one.

moto's ``ChangeSet`` diffs raw templates in its constructor and is looked up by name
across every stack; this one holds the checked submission and the computed changes, and
is always found within its stack (or by ARN).
"""

from __future__ import annotations

from typing import Any, cast

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend
from moto.core.utils import utcnow

from pplocalaws.extensions.errors import ChangeSetNotFound
from pplocalaws.extensions.parameters import masked
from pplocalaws.extensions.planning import ResourceChange
from pplocalaws.extensions.stack_model import LocalStack
from pplocalaws.extensions.submission import Submission


def live_stack(backend: CloudFormationBackend, name_or_id: str | None) -> LocalStack | None:
    """The stack (not deleted) with this name or id, or None."""
    if not name_or_id:
        return None
    for stack in backend.stacks.values():
        if isinstance(stack, LocalStack) and name_or_id in (stack.name, stack.stack_id):
            return stack
    return None


class LocalChangeSet:
    """A change set: the submission it would deploy and the changes it computed."""

    def __init__(
        self,
        *,
        change_set_id: str,
        name: str,
        stack: LocalStack,
        change_set_type: str,
        submission: Submission | None,
        description: str | None,
        client_token: str | None,
        notification_arns: list[str],
    ) -> None:
        self.change_set_id = change_set_id
        self.change_set_name = name
        self.stack = stack
        self.change_set_type = change_set_type
        self.submission = submission
        self.description = description
        self.client_token = client_token
        self.notification_arns = notification_arns
        self.creation_time = utcnow()
        self.changes: list[ResourceChange] = []
        self.status = "CREATE_PENDING"
        self.execution_status = "UNAVAILABLE"
        self.status_reason: str | None = None

    @property
    def stack_id(self) -> str:
        return str(self.stack.stack_id)

    def complete(self, changes: list[ResourceChange]) -> None:
        self.changes = changes
        self.status, self.execution_status = "CREATE_COMPLETE", "AVAILABLE"

    def fail(self, reason: str) -> None:
        self.status, self.execution_status, self.status_reason = "FAILED", "UNAVAILABLE", reason

    def summary(self) -> dict[str, Any]:
        """The ChangeSetSummary structure of ListChangeSets."""
        shaped: dict[str, Any] = {
            "StackId": self.stack_id,
            "StackName": self.stack.name,
            "ChangeSetId": self.change_set_id,
            "ChangeSetName": self.change_set_name,
            "ExecutionStatus": self.execution_status,
            "Status": self.status,
            "CreationTime": self.creation_time,
            "IncludeNestedStacks": False,
        }
        if self.status_reason:
            shaped["StatusReason"] = self.status_reason
        if self.description:
            shaped["Description"] = self.description
        return shaped

    def describe(self) -> dict[str, Any]:
        """The DescribeChangeSet output (NoEcho parameter values masked)."""
        shaped = self.summary()
        shaped["NotificationARNs"] = self.notification_arns
        shaped["Changes"] = [change.to_aws() for change in self.changes]
        # moto's response transformer turns this mapping into Parameter structures (and
        # fails on a missing one).
        shaped["Parameters"] = {}
        if self.submission is not None:
            shaped["Parameters"] = masked(
                self.submission.parameters, self.submission.declared_parameters
            )
            shaped["Capabilities"] = list(self.submission.capabilities)
            shaped["Tags"] = [
                {"Key": key, "Value": value} for key, value in self.submission.tags.items()
            ]
        return shaped


# -- lookups --------------------------------------------------------------------------
def registry(backend: CloudFormationBackend) -> dict[str, Any]:
    """The backend's change set table, which holds LocalChangeSet objects.

    Kept in moto's own table so moto's reset clears them with everything else.
    """
    return cast("dict[str, Any]", backend.change_sets)


def stack_change_sets(backend: CloudFormationBackend, stack: LocalStack) -> list[LocalChangeSet]:
    return [
        change_set
        for change_set in registry(backend).values()
        if isinstance(change_set, LocalChangeSet) and change_set.stack is stack
    ]


def find_change_set(
    backend: CloudFormationBackend, name_or_id: str, stack_name: str | None
) -> LocalChangeSet:
    """A change set by ARN, or by name within the stack named ``stack_name``."""
    by_id = registry(backend).get(name_or_id)
    if isinstance(by_id, LocalChangeSet):
        return by_id
    if name_or_id.startswith("arn:"):
        raise ChangeSetNotFound(name_or_id)
    if not stack_name:
        raise ValidationError(
            message="StackName must be specified if ChangeSetName is not specified as an ARN."
        )
    stack = live_stack(backend, stack_name)
    if stack is None:
        raise ChangeSetNotFound(name_or_id)
    for change_set in stack_change_sets(backend, stack):
        if change_set.change_set_name == name_or_id:
            return change_set
    raise ChangeSetNotFound(name_or_id)


def forget_change_sets(
    backend: CloudFormationBackend, stack: LocalStack, *, keep: str = ""
) -> None:
    """Drop a stack's change sets (after an execution, CloudFormation drops the others)."""
    for change_set in stack_change_sets(backend, stack):
        if change_set.change_set_id != keep:
            del registry(backend)[change_set.change_set_id]
