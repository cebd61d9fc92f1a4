"""The plain log: one timestamped line per event, for CI, pipes and files.

It needs no terminal library (a no-op deploy off a terminal imports none): lines are
written as they are, and tables are drawn as plain text (``text_table``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TextIO

from ppdeploy.errors import RefusedError
from ppdeploy.events import ProgressEvent, StageFinished, TableShown
from ppdeploy.ui import text_table, words


def summary_rows(event: StageFinished) -> list[tuple[str, str, str, str]]:
    return [(o.stack, o.outcome, f"{o.seconds:.1f}", o.reason) for o in event.outcomes]


SUMMARY_COLUMNS = ("stack", "result", "seconds", "reason")


def ask(question: str, *, assume_yes: bool, stream: TextIO, answers: TextIO) -> bool:
    """Ask ``question`` on ``stream``; ``--yes`` answers it; with no terminal to ask on, refuse."""
    if assume_yes:
        return True
    if not answers.isatty():
        raise RefusedError(
            f"{question} needs an answer, but there is no terminal to ask on",
            cause="this run is not interactive (CI, a pipe, or no stdin)",
            fix="add --yes to proceed without asking",
        )
    stream.write(f"{question} [y/N] ")
    stream.flush()
    return answers.readline().strip().lower() in ("y", "yes")


class PlainLog:
    """A ``Reporter`` writing plain, UTC-timestamped lines: a log reads as a timeline."""

    def __init__(self, stream: TextIO | None = None, input_stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout
        self._input = input_stream or sys.stdin
        self._lock = threading.RLock()

    @property
    def interactive(self) -> bool:
        return False

    def emit(self, event: ProgressEvent) -> None:
        with self._lock:
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            for text, _style in words.lines(event):
                self._stream.write(f"{stamp} {text}\n")
            self._stream.flush()
        if isinstance(event, StageFinished):
            self.table(f"stage {event.stage}", SUMMARY_COLUMNS, summary_rows(event))
        elif isinstance(event, TableShown):
            self.table(event.title, event.columns, event.rows)

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        with self._lock:
            self._stream.write(text_table.render(title, columns, rows))
            self._stream.flush()

    def confirm(self, question: str, *, assume_yes: bool) -> bool:
        with self._lock:
            return ask(question, assume_yes=assume_yes, stream=self._stream, answers=self._input)
