"""The terminal view: coloured lines and, while a stage deploys, a live table of its stacks.

The live table has one row per stack (its latest news, status and elapsed time) under the
lines. It is fed by the engine's typed events: which stack an event is about, and whether
it is the stack's final word, come from the event's fields.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

from rich.live import Live
from rich.table import Table

from ppdeploy.events import (
    SUCCESSFUL_OUTCOMES,
    ProgressEvent,
    ResourceEvent,
    StackNote,
    StackOutcome,
    StageFinished,
    StageStarted,
    TableShown,
    TrafficShift,
)
from ppdeploy.ui import tables, words
from ppdeploy.ui.plain_log import SUMMARY_COLUMNS, ask, summary_rows

LIVE_REFRESHES_PER_SECOND = 4
FINAL_OUTCOMES = SUCCESSFUL_OUTCOMES | {"failed", "skipped"}


@dataclass
class _StackRow:
    status: str = "waiting"
    latest: str = ""
    started: float | None = None
    ended: float | None = None


class StackProgress:
    """The live view's rows: for each stack, its latest news, its status and elapsed time.

    Fed from several deploy threads at once; rich's refresh thread renders it.
    """

    def __init__(self, stacks: Sequence[str], clock: Callable[[], float] = time.monotonic) -> None:
        self._rows = {stack: _StackRow() for stack in stacks}
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def stacks(self) -> list[str]:
        return list(self._rows)

    def record(self, stack: str, latest: str | None, status: str | None = None) -> None:
        """Note what just happened to ``stack`` (None keeps the latest news shown); a final
        status (a settled CloudFormation status or an outcome) stops its clock."""
        with self._lock:
            row = self._rows.setdefault(stack, _StackRow())
            now = self._clock()
            if row.started is None:
                row.started = now
            if latest is not None:
                row.latest = latest
            if status:
                row.status = status
                ended = status in FINAL_OUTCOMES or not status.endswith("_IN_PROGRESS")
                row.ended = now if ended else None

    def finish(self, stack: str, status: str, seconds: float) -> None:
        """The stack's final word, as the summary has it (created, unchanged, failed...)."""
        with self._lock:
            row = self._rows.setdefault(stack, _StackRow())
            row.status = status
            row.ended = self._clock()
            row.started = row.ended - seconds

    def elapsed(self, stack: str) -> float | None:
        with self._lock:
            row = self._rows[stack]
            if row.started is None:
                return None
            return (row.ended if row.ended is not None else self._clock()) - row.started

    def status(self, stack: str) -> str:
        with self._lock:
            return self._rows[stack].status

    def latest(self, stack: str) -> str:
        with self._lock:
            return self._rows[stack].latest

    def __rich__(self) -> Table:
        # The latest news takes what width is left; stack names and statuses stay whole.
        table = Table(expand=True)
        width = max((len(stack) for stack in self._rows), default=5)
        table.add_column("stack", no_wrap=True, min_width=width)
        table.add_column("status", no_wrap=True)
        table.add_column("elapsed", no_wrap=True, justify="right")
        table.add_column("latest event", overflow="ellipsis", no_wrap=True, ratio=1)
        for stack in self.stacks:
            status = self.status(stack)
            seconds = self.elapsed(stack)
            table.add_row(
                tables.plain(stack),
                tables.plain(status, words.status_style(status)),
                tables.plain("" if seconds is None else f"{seconds:.1f} s"),
                tables.plain(self.latest(stack)),
            )
        return table


class TerminalView:
    """A ``Reporter`` for a person at a terminal; thread-safe."""

    def __init__(self, stream: TextIO | None = None, input_stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._input = input_stream or sys.stdin
        self._console = tables.console(self._stream)
        self._lock = threading.RLock()
        self.progress: StackProgress | None = None
        self._live: Live | None = None

    @property
    def interactive(self) -> bool:
        return True

    def emit(self, event: ProgressEvent) -> None:
        with self._lock:
            if isinstance(event, StageStarted):
                self._start_live(event.stacks)
                return
            if isinstance(event, StageFinished):
                self._stop_live(event)
                self.table(f"stage {event.stage}", SUMMARY_COLUMNS, summary_rows(event))
                return
            if isinstance(event, TableShown):
                self.table(event.title, event.columns, event.rows)
                return
            if self.progress is not None and not self._record(self.progress, event):
                return
            for text, style in words.lines(event):
                self._console.print(text, style=style or None, markup=False)

    def _record(self, progress: StackProgress, event: ProgressEvent) -> bool:
        """Put ``event`` in the live table; False when the table says all there is to say."""
        if isinstance(event, ResourceEvent):
            found = event.event
            stack_status = found.status if event.about_the_stack_itself else None
            progress.record(event.stack, words.resource_line(event), stack_status)
            return found.failed  # only failures are worth a line under the table
        if isinstance(event, TrafficShift):
            # A shift is news worth a line too: a canary holds a stack for minutes.
            progress.record(event.stack, f"traffic {words.traffic_line(event)}")
        elif isinstance(event, StackNote):
            progress.record(event.stack, event.text)
        elif isinstance(event, StackOutcome):
            # The outcome goes to the status; the latest news stays in view.
            shown = None if progress.latest(event.stack) else event.outcome
            progress.record(event.stack, shown, event.outcome)
        return True

    def _start_live(self, stacks: Sequence[str]) -> None:
        self.progress = StackProgress(stacks)
        self._live = Live(
            self.progress,
            console=self._console,
            refresh_per_second=LIVE_REFRESHES_PER_SECOND,
            transient=True,  # the summary table that follows says how each stack ended
        )
        self._live.start()

    def _stop_live(self, finished: StageFinished) -> None:
        if self.progress is not None:
            for outcome in finished.outcomes:
                self.progress.finish(outcome.stack, outcome.outcome, outcome.seconds)
        if self._live is not None:
            self._live.refresh()  # the last frame, with every stack's final word
            self._live.stop()
        self.progress = self._live = None

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        with self._lock:
            self._console.print(tables.table(title, columns, rows))

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        with self._lock:
            # A live table redrawing under the question would hide it: pause it to ask.
            if self._live is not None:
                self._live.stop()
            try:
                return ask(
                    question, assume_yes=assume_yes, stream=self._stream, answers=self._input
                )
            finally:
                if self._live is not None:
                    self._live.start()
