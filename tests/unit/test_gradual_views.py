"""A traffic shift as the person sees it: one line per change in the plain log and on a
terminal, and the live table's latest news for the stack while the shift runs."""

from __future__ import annotations

import io
import re

from ppdeploy.events import StackOutcome, StageFinished, StageStarted, TrafficShift
from ppdeploy.ui import words
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.ui.terminal import TerminalView

ANSI = re.compile(r"\x1b\[[0-9;]*m")
STACK = "purposepath-coaching-api-prod"
ALIAS = "purposepath-coaching-api-prod:live"
ALARM = "purposepath-coaching-live-version-errors-prod"


def shift(percent: float, status: str, reason: str = "") -> TrafficShift:
    return TrafficShift(STACK, "d-CANARY1", ALIAS, "2", "3", percent, status, reason)


def test_the_plain_log_says_each_step_of_the_shift_with_the_stack_first() -> None:
    out = io.StringIO()
    log = PlainLog(out)
    log.emit(shift(10, "InProgress"))
    log.emit(shift(0, "Stopped", f"Activated alarms: <{ALARM}>"))

    first, second = out.getvalue().splitlines()
    assert first.endswith(
        f"{STACK}: traffic {ALIAS}: 10% on version 3 (from 2), InProgress [d-CANARY1]"
    )
    assert second.endswith(
        f"{STACK}: traffic {ALIAS}: 0% on version 3 (from 2), Stopped [d-CANARY1]: "
        f"Activated alarms: <{ALARM}>"
    )


def test_a_shift_whose_versions_are_not_known_yet_says_so() -> None:
    unknown = TrafficShift(STACK, "d-1", ALIAS, "", "", 0, "Created")

    assert words.traffic_line(unknown) == f"{ALIAS}: new version not known yet, Created [d-1]"


def test_a_rollback_is_red_a_success_green_a_shift_yellow() -> None:
    assert words.lines(shift(0, "Stopped"))[0][1] == "bold red"
    assert words.lines(shift(0, "Failed"))[0][1] == "bold red"
    assert words.lines(shift(100, "Succeeded"))[0][1] == "green"
    assert words.lines(shift(10, "InProgress"))[0][1] == "yellow"


def test_on_a_terminal_the_shift_is_the_stacks_latest_news_and_a_line() -> None:
    out = io.StringIO()
    view = TerminalView(out)
    view.emit(StageStarted("prod", (STACK,)))
    progress = view.progress
    assert progress is not None

    view.emit(shift(10, "InProgress"))

    assert progress.latest(STACK) == (
        f"traffic {ALIAS}: 10% on version 3 (from 2), InProgress [d-CANARY1]"
    )
    view.emit(StageFinished("prod", (StackOutcome(STACK, "failed", 5.0),)))
    text = ANSI.sub("", out.getvalue())
    assert f"{STACK}: traffic {ALIAS}: 10% on version 3" in text
