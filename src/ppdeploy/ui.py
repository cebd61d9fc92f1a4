"""Talking to a person: progress lines, change summaries, tables, confirmations.

On a terminal lines are coloured; elsewhere (CI, pipes) each line is plain and starts with
a UTC timestamp, so a log reads as a timeline.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TextIO

from rich.console import Console
from rich.table import Table

from ppdeploy.cloudformation import ChangeSet, StackEvent
from ppdeploy.errors import RefusedError

_STATUS_STYLE = {"COMPLETE": "green", "FAILED": "bold red", "IN_PROGRESS": "yellow"}


def _style(status: str) -> str:
    if "ROLLBACK" in status:
        return "bold red"
    return next((style for key, style in _STATUS_STYLE.items() if status.endswith(key)), "")


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
            soft_wrap=True,
        )
        self._lock = threading.Lock()

    def line(self, text: str, style: str = "") -> None:
        with self._lock:
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
        self.line(
            f"{stack}  {event.logical_id} ({event.resource_type})  {event.status}{reason}",
            _style(event.status),
        )

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
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(str(cell) for cell in row))
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
            self._stream.write(f"{question} [y/N] ")
            self._stream.flush()
            answer = self._input.readline().strip().lower()
        return answer in ("y", "yes")
