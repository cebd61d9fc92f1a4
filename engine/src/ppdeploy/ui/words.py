"""The words for each progress event, shared by the terminal view and the plain log.

A line about a stack starts with the stack's name, so a log can be searched by stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ppdeploy.events import (
    ChangeSetComputed,
    Message,
    ProgressEvent,
    ResourceEvent,
    StackNote,
    StackOutcome,
    TrafficShift,
    WaveStarted,
)

_LEVEL_STYLE = {"info": "", "success": "green", "warn": "yellow"}
_STATUS_STYLE = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow"}
_OUTCOME_STYLE = {"failed": "bold red", "skipped": "yellow"}


def status_style(status: str) -> str:
    """The colour of a CloudFormation status or an outcome."""
    if "ROLLBACK" in status or status == "failed":
        return "bold red"
    if status in ("created", "updated", "unchanged", "deleted"):
        return "green"
    if status in _OUTCOME_STYLE:
        return _OUTCOME_STYLE[status]
    return next((style for key, style in _STATUS_STYLE.items() if status.endswith(key)), "")


def resource_line(event: ResourceEvent) -> str:
    found = event.event
    reason = f"  {found.reason}" if found.reason else ""
    return f"{found.logical_id} ({found.resource_type})  {found.status}{reason}"


def _message(event: Message) -> list[tuple[str, str]]:
    return [(event.text, _LEVEL_STYLE[event.level])]


def _note(event: StackNote) -> list[tuple[str, str]]:
    return [(f"{event.stack}: {event.text}", _LEVEL_STYLE[event.level])]


def _outcome(event: StackOutcome) -> list[tuple[str, str]]:
    reason = f" ({event.reason})" if event.reason else ""
    return [(f"{event.stack}: {event.outcome}{reason}", status_style(event.outcome))]


def _resource(event: ResourceEvent) -> list[tuple[str, str]]:
    return [(f"{event.stack}  {resource_line(event)}", status_style(event.event.status))]


def traffic_line(event: TrafficShift) -> str:
    """``alias: 10% on version 3 (from 2), InProgress [d-...]``, and CodeDeploy's reason."""
    if event.to_version:
        source = f" (from {event.from_version})" if event.from_version else ""
        where = f"{event.percent:g}% on version {event.to_version}{source}"
    else:
        where = "new version not known yet"
    reason = f": {event.reason}" if event.reason else ""
    return f"{event.alias}: {where}, {event.status} [{event.deployment_id}]{reason}"


def traffic_style(event: TrafficShift) -> str:
    if event.rolled_back:
        return "bold red"
    return "green" if event.status == "Succeeded" else "yellow"


def _traffic(event: TrafficShift) -> list[tuple[str, str]]:
    return [(f"{event.stack}: traffic {traffic_line(event)}", traffic_style(event))]


def _wave(event: WaveStarted) -> list[tuple[str, str]]:
    return [(f"wave {event.number}: {', '.join(event.stacks)}", "")]


def _change_set(event: ChangeSetComputed) -> list[tuple[str, str]]:
    change_set = event.change_set
    kind = "create" if change_set.change_set_type == "CREATE" else "update"
    said = [(f"{event.stack}: {kind}, {len(change_set.changes)} resource change(s)", "bold")]
    for change in change_set.changes:
        replacement = (
            f"  replacement: {change.replacement}"
            if change.action == "Modify" and change.replacement
            else ""
        )
        style = "red" if change.action == "Remove" or change.replacement == "True" else ""
        said.append(
            (
                f"  {change.action:<7} {change.logical_id} ({change.resource_type}){replacement}",
                style,
            )
        )
    return said


_SAYERS: dict[type, Callable[[Any], list[tuple[str, str]]]] = {
    Message: _message,
    StackNote: _note,
    StackOutcome: _outcome,
    ResourceEvent: _resource,
    TrafficShift: _traffic,
    WaveStarted: _wave,
    ChangeSetComputed: _change_set,
}


def lines(event: ProgressEvent) -> list[tuple[str, str]]:
    """The lines (text, style) that say ``event``; none for events a view draws otherwise
    (StageStarted and StageFinished are drawn as tables)."""
    sayer = _SAYERS.get(type(event))
    return sayer(event) if sayer else []
