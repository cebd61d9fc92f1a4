"""The Reporter: plain timestamped lines off a terminal, a live per-stack table on one."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from ppdeploy.aws.cloudformation import StackEvent
from ppdeploy.ui.terminal import STACK_TYPE, Reporter, StackProgress

SHARED = "purposepath-shared-infrastructure-dev"
COACHING = "purposepath-coaching-api-dev"
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def event(logical_id: str, status: str, resource_type: str = "AWS::IAM::Role") -> StackEvent:
    return StackEvent(
        event_id=f"{logical_id}-{status}",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        logical_id=logical_id,
        resource_type=resource_type,
        status=status,
        reason="Role already exists" if status.endswith("FAILED") else "",
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_table_cells_are_shown_as_given_without_markup_or_emoji() -> None:
    out = io.StringIO()
    arn = "arn:aws:sm:r:1:secret:jwt"
    Reporter(out, interactive=False).table("[exports]", ("name", "value"), [("[$LATEST]", arn)])

    text = out.getvalue()
    assert arn in text
    assert "[$LATEST]" in text
    assert "[exports]" in text


def test_off_a_terminal_every_line_and_event_is_plain_and_timestamped() -> None:
    out = io.StringIO()
    reporter = Reporter(out, interactive=False)

    with reporter.live_progress([SHARED, COACHING]) as progress:
        reporter.event(COACHING, event("ServiceFunctionRole", "CREATE_IN_PROGRESS"))
        reporter.success(f"{SHARED}: unchanged")
        reporter.success(f"{COACHING}: created")

    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert all(TIMESTAMPED.match(line) for line in lines)
    assert "\x1b[" not in out.getvalue()
    assert f"{COACHING}  ServiceFunctionRole (AWS::IAM::Role)  CREATE_IN_PROGRESS" in lines[0]
    assert progress.status(SHARED) == "unchanged"
    assert progress.latest(SHARED) == "unchanged"  # no event came: the outcome is the news
    assert progress.status(COACHING) == "created"
    assert progress.latest(COACHING).startswith("ServiceFunctionRole (AWS::IAM::Role)")


def test_on_a_terminal_events_update_the_live_table_and_only_failures_print() -> None:
    out = io.StringIO()
    reporter = Reporter(out, interactive=True)

    with reporter.live_progress([SHARED, COACHING]) as progress:
        reporter.event(COACHING, event(COACHING, "CREATE_IN_PROGRESS", STACK_TYPE))
        reporter.event(COACHING, event("ServiceFunctionRole", "CREATE_IN_PROGRESS"))
        reporter.event(COACHING, event("ServiceFunction", "CREATE_FAILED"))
        assert progress.status(COACHING) == "CREATE_IN_PROGRESS"
        assert progress.latest(COACHING).startswith(
            "ServiceFunction (AWS::IAM::Role)  CREATE_FAILED"
        )
        progress.finish(COACHING, "failed", 2.0)
        progress.finish(SHARED, "unchanged", 0.1)

    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())
    assert "ServiceFunction (AWS::IAM::Role)  CREATE_FAILED  Role already exists" in text
    assert "ServiceFunctionRole (AWS::IAM::Role)" not in text
    # The live table's last frame, drawn before it is cleared: each stack's final word.
    final_rows = [line for line in text.splitlines() if COACHING in line and "│" in line]
    assert "failed" in final_rows[-1]
    assert "2.0 s" in final_rows[-1]
    assert any(SHARED in line and "unchanged" in line for line in text.splitlines())


def test_elapsed_time_runs_from_the_first_news_until_the_stack_settles() -> None:
    clock = Clock()
    progress = StackProgress([SHARED, COACHING], clock=clock)
    assert progress.elapsed(COACHING) is None
    assert progress.status(COACHING) == "waiting"

    clock.now = 1.0
    progress.record(COACHING, "create change set", "REVIEW_IN_PROGRESS")
    clock.now = 3.5
    assert progress.elapsed(COACHING) == 2.5
    clock.now = 4.0
    progress.record(COACHING, f"{COACHING} CREATE_COMPLETE", "CREATE_COMPLETE")
    clock.now = 10.0
    assert progress.elapsed(COACHING) == 3.0


def test_a_line_belongs_to_the_stack_it_starts_with() -> None:
    progress = StackProgress([SHARED, COACHING])

    assert progress.stack_of(f"{COACHING}: created") == COACHING
    assert progress.stack_of(f"{COACHING}  ServiceFunction CREATE_COMPLETE") == COACHING
    assert progress.stack_of(f"{COACHING}-old: created") is None
    assert progress.stack_of("wave 2: ...") is None
