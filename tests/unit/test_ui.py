"""The views of progress events: plain timestamped lines off a terminal, a live table on one."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest

from ppdeploy import ui
from ppdeploy.aws.cloudformation import ChangeSet, ResourceChange, StackEvent
from ppdeploy.errors import RefusedError
from ppdeploy.events import (
    ChangeSetComputed,
    Message,
    ResourceEvent,
    StackNote,
    StackOutcome,
    StageFinished,
    StageStarted,
    TableShown,
    WaveStarted,
)
from ppdeploy.ui import words
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.ui.terminal import StackProgress, TerminalView

SHARED = "purposepath-shared-infrastructure-dev"
COACHING = "purposepath-coaching-api-dev"
STACK_TYPE = "AWS::CloudFormation::Stack"
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def event(
    stack: str, logical_id: str, status: str, resource_type: str = "AWS::IAM::Role"
) -> ResourceEvent:
    return ResourceEvent(
        stack,
        StackEvent(
            event_id=f"{logical_id}-{status}",
            timestamp=datetime(2026, 1, 1, tzinfo=UTC),
            logical_id=logical_id,
            resource_type=resource_type,
            status=status,
            reason="Role already exists" if status.endswith("FAILED") else "",
        ),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_table_cells_are_shown_as_given_without_markup_or_emoji() -> None:
    out = io.StringIO()
    arn = "arn:aws:sm:r:1:secret:jwt"
    PlainLog(out).table("[exports]", ("name", "value"), [("[$LATEST]", arn)])

    text = out.getvalue()
    assert arn in text
    assert "[$LATEST]" in text
    assert "[exports]" in text


def test_the_plain_log_says_each_event_on_a_timestamped_line() -> None:
    out = io.StringIO()
    log = PlainLog(out)

    log.emit(StageStarted("dev", (SHARED, COACHING)))
    log.emit(WaveStarted(2, (COACHING,)))
    log.emit(event(COACHING, "ServiceFunctionRole", "CREATE_IN_PROGRESS"))
    log.emit(StackNote(COACHING, "cfn-lint: W3005 something", "warn"))
    log.emit(StackOutcome(SHARED, "unchanged", 0.1))
    log.emit(StackOutcome(COACHING, "created", 2.0))
    log.emit(Message("coaching: tests passed", "success"))

    lines = out.getvalue().splitlines()
    assert all(TIMESTAMPED.match(line) for line in lines)
    said = [TIMESTAMPED.sub("", line) for line in lines]
    assert said == [
        f"wave 2: {COACHING}",
        f"{COACHING}  ServiceFunctionRole (AWS::IAM::Role)  CREATE_IN_PROGRESS",
        f"{COACHING}: cfn-lint: W3005 something",
        f"{SHARED}: unchanged",
        f"{COACHING}: created",
        "coaching: tests passed",
    ]
    assert "\x1b[" not in out.getvalue()


def test_the_plain_log_ends_a_stage_with_its_summary_table() -> None:
    out = io.StringIO()
    PlainLog(out).emit(
        StageFinished(
            "dev",
            (
                StackOutcome(SHARED, "unchanged", 0.1),
                StackOutcome(COACHING, "failed", 2.0, "it broke"),
            ),
        )
    )

    text = out.getvalue()
    assert "stage dev" in text
    assert any(
        COACHING in line and "failed" in line and "it broke" in line for line in text.split("\n")
    )


def test_a_change_set_is_said_change_by_change() -> None:
    change_set = ChangeSet(
        "cs",
        "stack-id",
        "UPDATE",
        "CREATE_COMPLETE",
        changes=(
            ResourceChange("Modify", "UsersTable", "AWS::DynamoDB::Table", replacement="True"),
            ResourceChange("Add", "Topic", "AWS::SNS::Topic"),
        ),
    )

    said = words.lines(ChangeSetComputed(SHARED, change_set))

    assert said[0] == (f"{SHARED}: update, 2 resource change(s)", "bold")
    assert said[1] == (
        "  Modify  UsersTable (AWS::DynamoDB::Table)  replacement: True",
        "red",
    )
    assert said[2] == ("  Add     Topic (AWS::SNS::Topic)", "")


def test_a_table_shown_before_a_question_is_drawn() -> None:
    out = io.StringIO()
    PlainLog(out).emit(TableShown("migration of x", ("what", "now"), (("UsersTable", "legacy"),)))

    assert "migration of x" in out.getvalue()
    assert "UsersTable" in out.getvalue()


def test_on_a_terminal_events_feed_the_live_table_and_only_failures_print() -> None:
    out = io.StringIO()
    view = TerminalView(out)

    view.emit(StageStarted("dev", (SHARED, COACHING)))
    progress = view.progress
    assert progress is not None
    view.emit(event(COACHING, COACHING, "CREATE_IN_PROGRESS", STACK_TYPE))
    view.emit(event(COACHING, "ServiceFunctionRole", "CREATE_IN_PROGRESS"))
    assert progress.status(COACHING) == "CREATE_IN_PROGRESS"
    assert progress.latest(COACHING).startswith("ServiceFunctionRole (AWS::IAM::Role)")
    view.emit(event(COACHING, "ServiceFunction", "CREATE_FAILED"))
    view.emit(StackOutcome(SHARED, "unchanged", 0.1))
    assert progress.status(SHARED) == "unchanged"
    assert progress.latest(SHARED) == "unchanged"  # no event came: the outcome is the news
    view.emit(
        StageFinished(
            "dev",
            (StackOutcome(SHARED, "unchanged", 0.1), StackOutcome(COACHING, "failed", 2.0)),
        )
    )

    assert view.progress is None
    text = ANSI.sub("", out.getvalue())
    assert "ServiceFunction (AWS::IAM::Role)  CREATE_FAILED  Role already exists" in text
    assert f"{COACHING}  ServiceFunctionRole (AWS::IAM::Role)" not in text
    # The live table's last frame, drawn before it is cleared: each stack's final word.
    final_rows = [line for line in text.splitlines() if COACHING in line and "│" in line]
    assert any("failed" in row and "2.0 s" in row for row in final_rows)
    assert "stage dev" in text  # the summary table follows


def test_off_the_live_table_the_terminal_prints_every_event() -> None:
    out = io.StringIO()
    TerminalView(out).emit(event(COACHING, "ServiceFunctionRole", "CREATE_IN_PROGRESS"))

    assert "ServiceFunctionRole (AWS::IAM::Role)  CREATE_IN_PROGRESS" in ANSI.sub(
        "", out.getvalue()
    )


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


def test_with_no_terminal_to_ask_on_a_question_is_refused_saying_yes_is_needed() -> None:
    answers = io.StringIO("y\n")  # not a terminal: nobody typed this

    with pytest.raises(RefusedError, match="no terminal") as refused:
        PlainLog(io.StringIO(), answers).confirm("Apply?", assume_yes=False)

    assert "--yes" in refused.value.fix
    assert PlainLog(io.StringIO(), answers).confirm("Apply?", assume_yes=True)


def test_the_view_follows_where_the_output_goes() -> None:
    assert isinstance(ui.for_output(io.StringIO()), PlainLog)
