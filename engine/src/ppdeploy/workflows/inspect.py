"""Read-only views of a stage for the operations tasks: status, exports, outputs, events, logs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import botocore.exceptions

from ppdeploy import naming
from ppdeploy.aws.cloudformation import CloudFormation, StackEvent
from ppdeploy.decide import stacks
from ppdeploy.errors import InputError

SINCE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class StackStatus:
    stack: str
    status: str
    last_change: str
    runtime: str


def stage_status(cfn: CloudFormation, stage: str) -> list[StackStatus]:
    """Every stack of the stage, deployed or not."""
    names = [naming.shared_stack(stage)] + [naming.service_stack(s, stage) for s in naming.SERVICES]
    rows = []
    for name in names:
        state = cfn.describe(name)
        if state is None:
            rows.append(StackStatus(name, "not deployed", "", ""))
            continue
        changed = state.last_change.strftime("%Y-%m-%d %H:%M:%S UTC") if state.last_change else ""
        rows.append(
            StackStatus(name, state.status, changed, state.tags.get(stacks.RUNTIME_TAG, ""))
        )
    return rows


def stage_exports(cfn: CloudFormation, stage: str) -> list[tuple[str, str, list[str]]]:
    """Each export of the stage: name, value, and the stacks importing it."""
    suffix = f"-{stage}"
    exports = {
        name: value
        for name, value in cfn.exports().items()
        if name.startswith(f"{naming.PREFIX}-") and name.endswith(suffix)
    }
    return [(name, value, cfn.importers(name)) for name, value in sorted(exports.items())]


def recent_events(cfn: CloudFormation, stack: str, limit: int) -> list[StackEvent]:
    if cfn.describe(stack) is None:
        raise InputError(
            f"stack {stack} does not exist",
            fix="`invoke status --stage STAGE` lists the stage's stacks",
        )
    return cfn.events(stack)[-limit:]


def parse_since(text: str) -> int:
    """``10m`` -> 600 seconds (units s, m, h, d)."""
    unit = text[-1:]
    if unit not in SINCE_UNITS or not text[:-1].isdigit():
        raise InputError(
            f"--since {text!r} is not a duration",
            cause="a duration is a whole number with a unit: s, m, h or d",
            fix="e.g. --since 10m or --since 2h",
        )
    return int(text[:-1]) * SINCE_UNITS[unit]


def log_batches(
    logs: Any, group: str, *, since_seconds: int, follow: bool, poll_seconds: float = 2.0
) -> Iterator[list[str]]:
    """The new lines of each poll of the log group (one poll, or until stopped with ``follow``).

    A poll with nothing new yields an empty list, so a caller can say so.
    """
    start = int((time.time() - since_seconds) * 1000)
    seen: set[str] = set()
    while True:
        try:
            pages = logs.get_paginator("filter_log_events").paginate(
                logGroupName=group, startTime=start
            )
            events = [event for page in pages for event in page.get("events", [])]
        except botocore.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                raise InputError(
                    f"log group {group} does not exist",
                    cause="the service has not been deployed, or has not run yet",
                    fix="deploy it (`invoke deploy --service NAME`) and call it once",
                ) from error
            raise
        batch = []
        for event in sorted(events, key=lambda e: (e["timestamp"], e["eventId"])):
            if event["eventId"] in seen:
                continue
            seen.add(event["eventId"])
            start = max(start, int(event["timestamp"]))
            stamp = datetime.fromtimestamp(event["timestamp"] / 1000, UTC)
            batch.append(f"{stamp:%Y-%m-%dT%H:%M:%S}Z {event['message'].rstrip()}")
        yield batch
        if not follow:
            return
        time.sleep(poll_seconds)


def no_events_line(group: str, since_seconds: int, *, now: float | None = None) -> str:
    """What ``logs`` says when the window holds no event, so silence is never ambiguous."""
    since = datetime.fromtimestamp((time.time() if now is None else now) - since_seconds, UTC)
    return f"no log events in {group} since {since:%Y-%m-%dT%H:%M:%S}Z"
