"""Views of the engine's progress events for a person: the terminal view and the plain log.

``for_output`` picks one for where the output goes. Only the command line (``tasks``)
chooses a view; the engine emits to the ``ppdeploy.events.Reporter`` protocol and imports
no view.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Protocol, TextIO

from ppdeploy.events import Reporter
from ppdeploy.ui.plain_log import PlainLog


class View(Reporter, Protocol):
    """A ``Reporter`` that can also print a table (a command's result)."""

    def table(
        self, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> None: ...


def for_output(stream: TextIO | None = None, input_stream: TextIO | None = None) -> View:
    """The terminal view on a terminal; elsewhere (CI, pipes) the plain, timestamped log."""
    stream = stream or sys.stdout
    if stream.isatty():
        from ppdeploy.ui.terminal import TerminalView  # noqa: PLC0415 - rich loads only here

        return TerminalView(stream, input_stream)
    return PlainLog(stream, input_stream)
