"""`invoke logs`: each poll's new lines, a clear line when the window is empty, --follow.

A stand-in CloudWatch Logs client answers FilterLogEvents (no AWS, no network).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.exceptions
import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from ppdeploy.tasks import ops
from ppdeploy.workflows import inspect

GROUP = "/aws/lambda/purposepath-account-api-dev"


class Logs:
    """Answers each FilterLogEvents poll with the next list of events."""

    def __init__(self, polls: list[list[dict[str, Any]]], *, missing: bool = False) -> None:
        self.polls = polls
        self.missing = missing
        self.asked: list[dict[str, Any]] = []

    def get_paginator(self, name: str) -> Logs:
        assert name == "filter_log_events"
        return self

    def paginate(self, **arguments: Any) -> Iterator[dict[str, Any]]:
        self.asked.append(arguments)
        if self.missing:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ResourceNotFoundException", "Message": "no group"}},
                "FilterLogEvents",
            )
        events = self.polls.pop(0) if self.polls else []
        yield {"events": events}
        if not self.polls:  # the last poll: a --follow test ends with Ctrl-C
            self.polls = [[]]


def event(event_id: str, timestamp_ms: int, message: str) -> dict[str, Any]:
    return {"eventId": event_id, "timestamp": timestamp_ms, "message": message}


def test_a_poll_yields_only_lines_not_seen_before_oldest_first() -> None:
    logs = Logs(
        [
            [event("b", 2000, "REPORT RequestId: r\t"), event("a", 1000, "handler line\n")],
            [event("b", 2000, "REPORT RequestId: r\t"), event("c", 3000, "later")],
        ]
    )
    polls = inspect.log_batches(logs, GROUP, since_seconds=600, follow=True, poll_seconds=0)

    first, second = next(polls), next(polls)

    assert first == [
        "1970-01-01T00:00:01Z handler line",
        "1970-01-01T00:00:02Z REPORT RequestId: r",
    ]
    assert second == ["1970-01-01T00:00:03Z later"]


def test_the_empty_window_line_names_the_group_and_the_start() -> None:
    assert inspect.no_events_line(GROUP, 600, now=1800) == (
        f"no log events in {GROUP} since 1970-01-01T00:20:00Z"
    )


def _task(monkeypatch: pytest.MonkeyPatch, logs: Logs) -> None:
    class Target:
        def client(self, name: str) -> Logs:
            assert name == "logs"
            return logs

    monkeypatch.setattr(ops, "_cfn", lambda stage, local: (Target(), None))


def test_logs_with_nothing_in_the_window_says_so_and_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _task(monkeypatch, Logs([[]]))

    ops.logs(Context(), service="account", local=True)

    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1
    assert out[0].startswith(f"no log events in {GROUP} since ")


def test_logs_prints_the_handler_s_line_and_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _task(monkeypatch, Logs([[event("a", 1000, "login failed"), event("b", 1001, "REPORT x")]]))

    ops.logs(Context(), service="account", local=True)

    assert capsys.readouterr().out.splitlines() == [
        "1970-01-01T00:00:01Z login failed",
        "1970-01-01T00:00:01Z REPORT x",
    ]


def test_follow_says_the_window_is_empty_once_then_prints_new_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = Logs([[], [], [event("a", 5000, "arrived")]])
    _task(monkeypatch, logs)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 4:
            raise KeyboardInterrupt  # the user's Ctrl-C

    monkeypatch.setattr(inspect.time, "sleep", sleep)

    ops.logs(Context(), service="account", follow=True, local=True)

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"no log events in {GROUP} since ")
    assert out[0].endswith("; waiting for new ones (Ctrl-C stops)")
    assert out[1:] == ["1970-01-01T00:00:05Z arrived"]


def test_logs_of_a_group_that_does_not_exist_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _task(monkeypatch, Logs([], missing=True))

    with pytest.raises(Exit) as exited:
        ops.logs(Context(), service="account", local=True)

    assert f"log group {GROUP} does not exist" in str(exited.value.message)
    assert exited.value.code != 0
