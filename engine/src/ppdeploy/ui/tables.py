"""Tables drawn with rich for the terminal view: cells shown as given, no markup, no emoji."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text


def plain(text: object, style: str = "") -> Text:
    """``text`` shown as it is: no markup, no emoji codes (ARNs hold ``:secret:``)."""
    return Text(str(text), style=style)


def console(stream: TextIO) -> Console:
    """A console for a terminal: colours on, markup and emoji codes off."""
    return Console(file=stream, force_terminal=True, highlight=False, emoji=False, soft_wrap=True)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Table:
    drawn = Table(title=plain(title), title_justify="left", show_lines=False)
    for column in columns:
        drawn.add_column(column, overflow="fold")
    for row in rows:
        drawn.add_row(*(plain(cell) for cell in row))
    return drawn
