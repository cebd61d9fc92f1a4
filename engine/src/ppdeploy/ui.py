"""Talking to a person: progress lines, change summaries, tables, confirmations.

On a terminal lines are coloured, and while a whole stage deploys a live table shows one
row per stack (its latest event, status and elapsed time) under the lines. Elsewhere (CI,
pipes) each line is plain and starts with a UTC timestamp, so a log reads as a timeline.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ppdeploy.cloudformation import ChangeSet, StackEvent
from ppdeploy.errors import RefusedError

_STATUS_STYLE = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow"}
STACK_TYPE = "AWS::CloudFormation::Stack"
# What a deploy of one stack ends as (DeployResult.outcome); a line "STACK: OUTCOME" ends it.
FINAL_OUTCOMES = frozenset({"created", "updated", "unchanged"})
LIVE_REFRESHES_PER_SECOND = 4


def _style(status: str) -> str:
    if "ROLLBACK" in status or status == "failed":
        return "bold red"
    if status in FINAL_OUTCOMES:
        return "green"
    return next((style for key, style in _STATUS_STYLE.items() if status.endswith(key)), "")


def _plain(text: object, style: str = "") -> Text:
    """``text`` shown as it is: no markup, no emoji codes (ARNs hold ``:secret:``)."""
    return Text(str(text), style=style)


@dataclass
class _StackRow:
    status: str = "waiting"
    latest: str = ""
    started: float | None = None
    ended: float | None = None


class StackProgress:
    """The live view's rows: for each stack, its latest event, its status and elapsed time.

    Fed from several deploy threads at once; rich's refresh thread renders it.
    """

    def __init__(self, stacks: Sequence[str], clock: Callable[[], float] = time.monotonic) -> None:
        self._rows = {stack: _StackRow() for stack in stacks}
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def stacks(self) -> list[str]:
        return list(self._rows)

    def stack_of(self, text: str) -> str | None:
        """The stack a progress line is about: lines about a stack start with its name."""
        for stack in self._rows:
            if text.startswith(stack) and text[len(stack) : len(stack) + 1] in (":", " "):
                return stack
        return None

    def record(self, stack: str, latest: str | None, status: str | None = None) -> None:
        """Note what just happened to ``stack`` (None keeps the latest event shown); a final
        stack status stops its clock."""
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
        # The latest event takes what width is left; stack names and statuses stay whole.
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
                _plain(stack),
                _plain(status, _style(status)),
                _plain("" if seconds is None else f"{seconds:.1f} s"),
                _plain(self.latest(stack)),
            )
        return table


class Reporter:
    """Where the engine reports progress; thread-safe, since stacks deploy in parallel."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        input_stream: TextIO | None = None,
    ) -> None:
        self._stream = stream or sys.stdout
        self._input = input_stream or sys.stdin
        self.interactive = self._stream.isatty() if interactive is None else interactive
        self._console = Console(
            file=self._stream,
            force_terminal=self.interactive,
            no_color=not self.interactive,
            highlight=False,
            emoji=False,
            soft_wrap=True,
            # Logs are read later, in files and CI pages: tables keep one line per row.
            width=None if self.interactive else 200,
        )
        self._lock = threading.RLock()
        self._progress: StackProgress | None = None
        self._live: Live | None = None

    @contextmanager
    def live_progress(self, stacks: Sequence[str]) -> Iterator[StackProgress]:
        """Track ``stacks`` while the block runs; on a terminal, as a live table.

        Off a terminal nothing changes: every line, events included, stays a plain
        timestamped line. The yielded ``StackProgress`` takes each stack's final word.
        """
        progress = StackProgress(stacks)
        live = (
            Live(
                progress,
                console=self._console,
                refresh_per_second=LIVE_REFRESHES_PER_SECOND,
                transient=True,  # the summary table that follows says how each stack ended
            )
            if self.interactive
            else None
        )
        with self._lock:
            self._progress, self._live = progress, live
        try:
            if live is None:
                yield progress
            else:
                with live:
                    yield progress
        finally:
            with self._lock:
                self._progress = self._live = None

    def line(self, text: str, style: str = "") -> None:
        with self._lock:
            if self._progress is not None:
                stack = self._progress.stack_of(text)
                if stack is not None:
                    said = text[len(stack) :].lstrip(": ")
                    if said not in FINAL_OUTCOMES:
                        self._progress.record(stack, said)
                    else:  # the outcome goes to the status; the last event stays in view
                        shown = None if self._progress.latest(stack) else said
                        self._progress.record(stack, shown, said)
            if self.interactive:
                self._console.print(text, style=style or None, markup=False)
            else:
                stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                self._console.print(f"{stamp} {text}", markup=False)

    def info(self, text: str) -> None:
        self.line(text)

    def success(self, text: str) -> None:
        self.line(text, "green")

    def warn(self, text: str) -> None:
        self.line(text, "yellow")

    def event(self, stack: str, event: StackEvent) -> None:
        reason = f"  {event.reason}" if event.reason else ""
        text = f"{event.logical_id} ({event.resource_type})  {event.status}{reason}"
        with self._lock:
            if self._live is not None and self._progress is not None:
                # The live table shows the latest event; only failures are worth a line.
                stack_status = event.status if event.resource_type == STACK_TYPE else None
                self._progress.record(stack, f"{event.logical_id} {event.status}", stack_status)
                if not event.failed:
                    return
            self.line(f"{stack}  {text}", _style(event.status))

    def change_set(self, stack: str, change_set: ChangeSet) -> None:
        kind = "create" if change_set.change_set_type == "CREATE" else "update"
        self.line(f"{stack}: {kind}, {len(change_set.changes)} resource change(s)", "bold")
        for change in change_set.changes:
            replacement = (
                f"  replacement: {change.replacement}"
                if change.action == "Modify" and change.replacement
                else ""
            )
            style = "red" if change.action == "Remove" or change.replacement == "True" else ""
            self.line(
                f"  {change.action:<7} {change.logical_id} ({change.resource_type}){replacement}",
                style,
            )

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        table = Table(title=_plain(title), title_justify="left", show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(_plain(cell) for cell in row))
        with self._lock:
            self._console.print(table)

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        """Ask ``question``; ``--yes`` answers it; with no terminal to ask on, refuse."""
        if assume_yes:
            return True
        if not self._input.isatty():
            raise RefusedError(
                f"{question} needs an answer, but there is no terminal to ask on",
                cause="this run is not interactive (CI, a pipe, or no stdin)",
                fix="add --yes to proceed without asking",
            )
        with self._lock:
            # A live table redrawing under the question would hide it: pause it to ask.
            if self._live is not None:
                self._live.stop()
            try:
                self._stream.write(f"{question} [y/N] ")
                self._stream.flush()
                answer = self._input.readline().strip().lower()
            finally:
                if self._live is not None:
                    self._live.start()
        return answer in ("y", "yes")
