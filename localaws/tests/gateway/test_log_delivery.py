"""Log delivery: batches inside PutLogEvents' limits, a missing group, a role that may not."""

from __future__ import annotations

import logging
from typing import Any

import botocore.exceptions
import pytest

from pplocalaws.gateway.log_delivery import (
    MAX_BATCH_EVENTS,
    MAX_EVENT_BYTES,
    LogShipper,
    LogTarget,
    batches,
    clipped,
)

TARGET = LogTarget("fn", "/aws/lambda/fn", "2026/12/03/[$LATEST]abc")


def _error(code: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, "op")


class Logs:
    """A CloudWatch Logs stand-in with groups, and optionally a role that may not write."""

    def __init__(self, groups: set[str], denied: set[str] | None = None) -> None:
        self.groups = groups
        self.denied = denied or set()
        self.streams: set[tuple[str, str]] = set()
        self.calls: list[tuple[str, Any]] = []

    def _check(self, operation: str) -> None:
        if operation in self.denied:
            raise _error("AccessDeniedException")

    def create_log_group(self, logGroupName: str) -> None:
        self._check("CreateLogGroup")
        self.groups.add(logGroupName)

    def create_log_stream(self, logGroupName: str, logStreamName: str) -> None:
        self._check("CreateLogStream")
        if logGroupName not in self.groups:
            raise _error("ResourceNotFoundException")
        self.streams.add((logGroupName, logStreamName))

    def put_log_events(self, logGroupName: str, logStreamName: str, logEvents: list[Any]) -> None:
        self._check("PutLogEvents")
        if (logGroupName, logStreamName) not in self.streams:
            raise _error("ResourceNotFoundException")
        self.calls.append((logStreamName, logEvents))


def test_lines_reach_their_stream_in_time_order() -> None:
    logs = Logs({"/aws/lambda/fn"})
    shipper = LogShipper(lambda name: logs)
    shipper.put(TARGET, 2000, "second")
    shipper.put(TARGET, 1000, "first")

    shipper.flush()

    assert logs.calls == [
        (
            TARGET.stream,
            [{"timestamp": 1000, "message": "first"}, {"timestamp": 2000, "message": "second"}],
        )
    ]
    assert shipper.stats.delivered == 2


def test_a_missing_group_is_created_when_the_role_may() -> None:
    logs = Logs(set())
    shipper = LogShipper(lambda name: logs)
    shipper.put(TARGET, 1, "hello")

    shipper.flush()

    assert "/aws/lambda/fn" in logs.groups
    assert shipper.stats.delivered == 1


@pytest.mark.parametrize(
    ("groups", "denied"),
    [(set(), {"CreateLogGroup"}), ({"/aws/lambda/fn"}, {"PutLogEvents"})],
)
def test_a_role_that_may_not_write_loses_its_logs_with_one_warning(
    groups: set[str], denied: set[str], caplog: pytest.LogCaptureFixture
) -> None:
    logs = Logs(groups, denied)
    shipper = LogShipper(lambda name: logs)
    caplog.set_level(logging.WARNING)

    shipper.put(TARGET, 1, "one")
    shipper.flush()
    shipper.put(TARGET, 2, "two")
    shipper.flush()

    assert logs.calls == []
    assert shipper.stats.dropped == {"/aws/lambda/fn": 2}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "/aws/lambda/fn" in warnings[0]
    assert "AccessDeniedException" in warnings[0]
    assert "logs:PutLogEvents" in warnings[0]  # the fix


def test_a_role_that_cannot_be_assumed_loses_the_lines_not_the_gateway() -> None:
    def no_role(name: str) -> Any:
        raise RuntimeError("cannot assume the execution role of fn")

    shipper = LogShipper(no_role)
    shipper.put(TARGET, 1, "x")
    shipper.flush()

    assert shipper.stats.dropped == {"/aws/lambda/fn": 1}


def test_batches_keep_to_the_put_log_events_limits() -> None:
    many = [(index, "x") for index in range(MAX_BATCH_EVENTS + 5)]
    assert [len(batch) for batch in batches(many)] == [MAX_BATCH_EVENTS, 5]
    big = [(index, "y" * 300_000) for index in range(5)]  # about 1.5 MB
    sizes = [sum(len(e["message"]) + 26 for e in batch) for batch in batches(big)]
    assert all(size <= 1_048_576 for size in sizes)
    assert len(sizes) == 2


def test_an_event_longer_than_cloudwatch_takes_is_cut() -> None:
    assert len(clipped("z" * (MAX_EVENT_BYTES + 10)).encode()) == MAX_EVENT_BYTES
    assert clipped("short") == "short"


def test_the_background_thread_delivers_and_stop_flushes_the_rest() -> None:
    logs = Logs({"/aws/lambda/fn"})
    shipper = LogShipper(lambda name: logs, flush_seconds=0.05)
    shipper.start()
    shipper.put(TARGET, 1, "a")
    shipper.stop()

    assert [e["message"] for _, batch in logs.calls for e in batch] == ["a"]
