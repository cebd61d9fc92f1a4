"""The only module that calls the CloudFormation API: stacks, change sets, events, exports.

It speaks in small frozen records so the deciding code (deploy, guards, plan) never
handles raw boto3 responses, and so tests can build those records directly.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import botocore.exceptions

from ppdeploy.aws.template_store import UploadsFor, template_argument
from ppdeploy.errors import DeployError, TargetError

RoleFor = Callable[[str], "str | None"]

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
EMPTY_CHANGE_SET_REASONS = ("didn't contain changes", "No updates are to be performed")
SUCCESS_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "DELETE_COMPLETE"}
CREDENTIAL_ERRORS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
    }
)
NEVER_CREATED_STATES = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"}
# The calls that change a stack or what a reading of it says (a CREATE or IMPORT change set
# makes a stack in REVIEW_IN_PROGRESS; deleting it may remove that stack again).
CHANGING_ACTIONS = frozenset(
    {
        "create_change_set",
        "delete_change_set",
        "execute_change_set",
        "delete_stack",
        "continue_update_rollback",
        "set_stack_policy",
        "update_termination_protection",
    }
)


@dataclass(frozen=True)
class StackState:
    name: str
    stack_id: str
    status: str
    status_reason: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    last_change: datetime | None = None
    termination_protection: bool = False

    @property
    def in_progress(self) -> bool:
        return self.status.endswith("_IN_PROGRESS")


@dataclass(frozen=True)
class ResourceChange:
    action: str
    logical_id: str
    resource_type: str
    physical_id: str = ""
    replacement: str = ""
    policy_action: str = ""
    details: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class ChangeSet:
    change_set_id: str
    stack_id: str
    change_set_type: str
    status: str
    reason: str = ""
    changes: tuple[ResourceChange, ...] = ()

    @property
    def empty(self) -> bool:
        return self.status == "FAILED" and any(
            text in self.reason for text in EMPTY_CHANGE_SET_REASONS
        )


@dataclass(frozen=True)
class StackEvent:
    event_id: str
    timestamp: datetime
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")


@dataclass(frozen=True)
class StackResource:
    """One resource a stack owns now."""

    logical_id: str
    resource_type: str
    physical_id: str
    status: str


@dataclass(frozen=True)
class ResourceToImport:
    """An existing resource an IMPORT change set adopts, named by its primary identifier."""

    resource_type: str
    logical_id: str
    identifier: dict[str, str]


def _error_code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _error_message(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", error))


@contextlib.contextmanager
def _translated_errors() -> Iterator[None]:
    """Credentials AWS refuses and endpoints it cannot reach, said as what to do."""
    try:
        yield
    except botocore.exceptions.EndpointConnectionError as error:
        raise TargetError(
            "cannot reach CloudFormation",
            cause=str(error),
            fix="check the network, or for --local that `invoke local.status` says running",
        ) from error
    except botocore.exceptions.ClientError as error:
        if _error_code(error) in CREDENTIAL_ERRORS:
            raise TargetError(
                "AWS refused the credentials: they are expired or invalid",
                cause=_error_message(error),
                fix="refresh them (`aws sso login --profile NAME`, or new keys) and run "
                "the same command again",
            ) from error
        raise


def _stack_state(raw: dict[str, Any]) -> StackState:
    return StackState(
        name=raw["StackName"],
        stack_id=raw["StackId"],
        status=raw["StackStatus"],
        status_reason=raw.get("StackStatusReason", "") or "",
        outputs={o["OutputKey"]: o.get("OutputValue", "") for o in raw.get("Outputs", [])},
        parameters={
            p["ParameterKey"]: p.get("ParameterValue", "") for p in raw.get("Parameters", [])
        },
        tags={t["Key"]: t["Value"] for t in raw.get("Tags", [])},
        last_change=raw.get("LastUpdatedTime") or raw.get("CreationTime"),
        termination_protection=bool(raw.get("EnableTerminationProtection", False)),
    )


def _resource_change(raw: dict[str, Any]) -> ResourceChange:
    change = raw.get("ResourceChange", {})
    return ResourceChange(
        action=change.get("Action", ""),
        logical_id=change.get("LogicalResourceId", ""),
        resource_type=change.get("ResourceType", ""),
        physical_id=change.get("PhysicalResourceId", "") or "",
        replacement=change.get("Replacement", "") or "",
        policy_action=change.get("PolicyAction", "") or "",
        details=tuple(change.get("Details", []) or ()),
    )


class CloudFormation:
    """CloudFormation calls for one target; ``poll_seconds`` paces every wait."""

    def __init__(
        self,
        client: Any,
        *,
        poll_seconds: float,
        uploads: UploadsFor | None = None,
        role_for: RoleFor | None = None,
    ) -> None:
        self._client = client
        self.poll_seconds = poll_seconds
        # Where a template over the TemplateBody limit goes (asked only when one is), and
        # which role CloudFormation acts as for a stack (None: the caller's credentials).
        self.uploads = uploads
        self.role_for = role_for
        # Told after every call that changes a stack (answered or not): whoever keeps a
        # reading of the stacks (the session) reads them again.
        self.on_change: Callable[[], None] | None = None

    def _call(self, action: str, **kwargs: Any) -> Any:
        """Call ``action``; unusable credentials or endpoints become a TargetError."""
        try:
            with _translated_errors():
                return getattr(self._client, action)(**kwargs)
        finally:
            if action in CHANGING_ACTIONS and self.on_change is not None:
                self.on_change()

    def _pages(self, action: str, key: str, **kwargs: Any) -> Iterator[Any]:
        """Every item under ``key`` across the pages of ``action``, errors as in ``_call``."""
        with _translated_errors():
            for page in self._client.get_paginator(action).paginate(**kwargs):
                yield from page.get(key, [])

    # -- stacks -----------------------------------------------------------------------

    def describe(self, name: str) -> StackState | None:
        """The live stack called ``name``, or None when there is none."""
        try:
            response = self._call("describe_stacks", StackName=name)
        except botocore.exceptions.ClientError as error:
            if _error_code(error) == "ValidationError" and "does not exist" in _error_message(
                error
            ):
                return None
            raise
        stacks = response.get("Stacks", [])
        return _stack_state(stacks[0]) if stacks else None

    def stacks(self, prefix: str = "") -> list[StackState]:
        """Every live stack whose name starts with ``prefix``."""
        return [
            _stack_state(raw)
            for raw in self._pages("describe_stacks", "Stacks")
            if raw["StackName"].startswith(prefix)
        ]

    def template_body(self, name: str) -> str | None:
        """The template the stack was last deployed with, as submitted (None: no stack)."""
        try:
            response = self._call("get_template", StackName=name, TemplateStage="Original")
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return None
            raise
        body = response.get("TemplateBody")
        # boto3 hands back a JSON template already parsed; YAML stays text.
        return body if isinstance(body, str) else json.dumps(body)

    def exports_of_stack(self, name: str) -> list[str]:
        """The export names the stack makes now."""
        state = self.describe(name)
        if state is None:
            return []
        return sorted(
            e["Name"]
            for e in self._pages("list_exports", "Exports")
            if e["ExportingStackId"] == state.stack_id
        )

    def resources(self, name: str) -> list[StackResource]:
        """The resources the stack owns now (none when there is no stack)."""
        try:
            return [
                StackResource(
                    logical_id=raw["LogicalResourceId"],
                    resource_type=raw["ResourceType"],
                    physical_id=raw.get("PhysicalResourceId", "") or "",
                    status=raw.get("ResourceStatus", ""),
                )
                for raw in self._pages(
                    "list_stack_resources", "StackResourceSummaries", StackName=name
                )
            ]
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return []
            raise

    def output_exports(self, name: str) -> dict[str, str]:
        """Output key -> the export name it publishes, for the outputs that export."""
        try:
            response = self._call("describe_stacks", StackName=name)
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return {}
            raise
        return {
            output["OutputKey"]: output["ExportName"]
            for stack in response.get("Stacks", [])
            for output in stack.get("Outputs", [])
            if output.get("ExportName")
        }

    def delete_stack(self, name: str, *, token: str) -> None:
        self._call("delete_stack", StackName=name, ClientRequestToken=token)

    def continue_update_rollback(self, name: str, *, skip: list[str], token: str) -> None:
        self._call(
            "continue_update_rollback",
            StackName=name,
            ResourcesToSkip=skip,
            ClientRequestToken=token,
        )

    def set_stack_policy(self, name: str, policy: str) -> None:
        self._call("set_stack_policy", StackName=name, StackPolicyBody=policy)

    def set_termination_protection(self, name: str, *, enabled: bool) -> None:
        self._call(
            "update_termination_protection",
            StackName=name,
            EnableTerminationProtection=enabled,
        )

    # -- change sets --------------------------------------------------------------------

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
        resources_to_import: Sequence[ResourceToImport] = (),
    ) -> ChangeSet:
        """Create a change set and wait until CloudFormation has computed it.

        An IMPORT change set adopts ``resources_to_import`` instead of creating them.
        """
        request: dict[str, Any] = {
            "StackName": stack_name,
            "ChangeSetName": change_set_name,
            "ChangeSetType": change_set_type,
            **template_argument(template_body, self.uploads, stack=stack_name),
            "Parameters": [
                {"ParameterKey": key, "ParameterValue": value}
                for key, value in sorted(parameters.items())
            ],
            "Tags": [{"Key": key, "Value": value} for key, value in sorted(tags.items())],
            "Capabilities": CAPABILITIES,
            "ClientToken": token,
        }
        role = self.role_for(stack_name) if self.role_for else None
        if role:
            request["RoleARN"] = role
        if resources_to_import:
            request["ResourcesToImport"] = [
                {
                    "ResourceType": entry.resource_type,
                    "LogicalResourceId": entry.logical_id,
                    "ResourceIdentifier": entry.identifier,
                }
                for entry in resources_to_import
            ]
        try:
            created = self._call("create_change_set", **request)
        except botocore.exceptions.ClientError as error:
            raise DeployError(
                f"CloudFormation refused the {change_set_type.lower()} change set for {stack_name}",
                cause=_error_message(error),
                fix="correct the template, parameters or resources to import named in the cause",
            ) from error
        # DescribeChangeSet does not say which type the change set is: keep what was asked.
        return replace(self.wait_change_set(created["Id"]), change_set_type=change_set_type)

    def wait_change_set(self, change_set_id: str) -> ChangeSet:
        while True:
            raw = self._call("describe_change_set", ChangeSetName=change_set_id)
            if raw["Status"] not in ("CREATE_PENDING", "CREATE_IN_PROGRESS"):
                break
            time.sleep(self.poll_seconds)
        changes = list(raw.get("Changes", []))
        next_token = raw.get("NextToken")
        while next_token:
            page = self._call(
                "describe_change_set", ChangeSetName=change_set_id, NextToken=next_token
            )
            changes += page.get("Changes", [])
            next_token = page.get("NextToken")
        return ChangeSet(
            change_set_id=raw["ChangeSetId"],
            stack_id=raw["StackId"],
            change_set_type=raw.get("ChangeSetType", ""),
            status=raw["Status"],
            reason=raw.get("StatusReason", "") or "",
            changes=tuple(_resource_change(c) for c in changes if c.get("Type") == "Resource"),
        )

    def delete_change_set(self, change_set_id: str) -> None:
        self._call("delete_change_set", ChangeSetName=change_set_id)

    def change_set_ids(self, stack_name: str) -> list[str]:
        try:
            response = self._call("list_change_sets", StackName=stack_name)
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return []
            raise
        return [summary["ChangeSetId"] for summary in response.get("Summaries", [])]

    def execute_change_set(
        self, change_set_id: str, *, token: str, retain_except_on_create: bool = False
    ) -> None:
        """Start the change set. ``retain_except_on_create``: a rollback deletes what this
        operation created, ``Retain`` resources included (ExecuteChangeSet API reference,
        RetainExceptOnCreate), so a failed first create leaves nothing that blocks a retry."""
        request: dict[str, Any] = {"ChangeSetName": change_set_id, "ClientRequestToken": token}
        if retain_except_on_create:
            request["RetainExceptOnCreate"] = True
        try:
            self._call("execute_change_set", **request)
        except botocore.exceptions.ClientError as error:
            raise DeployError(
                "CloudFormation refused to execute the change set",
                cause=_error_message(error),
                fix="run the deploy again; it starts from the stack's current state",
            ) from error

    # -- events and waiting -------------------------------------------------------------

    def events(self, stack_name: str, *, after: str | None = None) -> list[StackEvent]:
        """The stack's events newer than the event id ``after`` (all when None), oldest first."""
        collected: list[StackEvent] = []
        for raw in self._pages("describe_stack_events", "StackEvents", StackName=stack_name):
            if raw["EventId"] == after:  # events come newest first
                break
            collected.append(
                StackEvent(
                    event_id=raw["EventId"],
                    timestamp=raw["Timestamp"],
                    logical_id=raw.get("LogicalResourceId", ""),
                    resource_type=raw.get("ResourceType", ""),
                    status=raw.get("ResourceStatus", ""),
                    reason=raw.get("ResourceStatusReason", "") or "",
                )
            )
        collected.reverse()
        return collected

    def latest_event_id(self, stack_name: str) -> str | None:
        """The newest event's id: the mark from which a wait reports what happens next."""
        try:
            response = self._call("describe_stack_events", StackName=stack_name)
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return None
            raise
        events = response.get("StackEvents", [])
        return str(events[0]["EventId"]) if events else None

    def wait(
        self,
        stack_name: str,
        *,
        after_event: str | None,
        on_event: Callable[[StackEvent], None] = lambda _event: None,
    ) -> tuple[StackState | None, list[StackEvent]]:
        """Wait until the stack leaves every *_IN_PROGRESS state, passing on each new event.

        Returns the final state (None once deleted) and every event seen after
        ``after_event``, oldest first.
        """
        seen: dict[str, StackEvent] = {}
        while True:
            state = self.describe(stack_name)
            for event in self._new_events(stack_name, after_event, seen):
                on_event(event)
            if state is None or not state.in_progress:
                return state, list(seen.values())
            time.sleep(self.poll_seconds)

    def _new_events(
        self, stack_name: str, after_event: str | None, seen: dict[str, StackEvent]
    ) -> Iterator[StackEvent]:
        try:
            events = self.events(stack_name, after=after_event)
        except botocore.exceptions.ClientError as error:
            if "does not exist" in _error_message(error):
                return
            raise
        for event in events:
            if event.event_id not in seen:
                seen[event.event_id] = event
                yield event

    # -- exports ------------------------------------------------------------------------

    def exports(self) -> dict[str, str]:
        """Every export of the account and region: name to value."""
        return {e["Name"]: e["Value"] for e in self._pages("list_exports", "Exports")}

    def importers(self, export_name: str) -> list[str]:
        """The stacks importing ``export_name`` (none: CloudFormation answers with an error)."""
        try:
            return sorted(self._pages("list_imports", "Imports", ExportName=export_name))
        except botocore.exceptions.ClientError as error:
            if "is not imported by any stack" in _error_message(error):
                return []
            raise


def first_failure(events: list[StackEvent]) -> StackEvent | None:
    """The first resource that failed: the cause, where later failures are consequences."""
    for event in events:
        if event.failed and "cancelled" not in event.reason.lower():
            return event
    return next((event for event in events if event.failed), None)
