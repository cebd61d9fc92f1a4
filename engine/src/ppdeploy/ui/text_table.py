"""Tables as plain text for the log: the same box a terminal shows, without a terminal library.

The log prints a table at the end of most commands; drawing it here keeps rich (a tenth of
a second to import) off the no-op deploy's path. Rows never fold: a log line may be long,
and a row that stays one line is one a reader (or a script) can find. A cell holding
several lines makes its row that many lines tall.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def render(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cells = [[str(cell).splitlines() or [""] for cell in row] for row in rows]
    headers = [[str(column)] for column in columns]
    widths = [
        max(len(line) for cell in [headers[i], *(row[i] for row in cells)] for line in cell)
        for i in range(len(columns))
    ]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (width + 2) for width in widths) + right

    def lines(row: list[list[str]], edge: str) -> list[str]:
        height = max(len(cell) for cell in row)
        return [
            edge
            + edge.join(
                f" {(cell[n] if n < len(cell) else ''):<{width}} "
                for cell, width in zip(row, widths, strict=True)
            )
            + edge
            for n in range(height)
        ]

    drawn = [title, rule("┏", "━", "┳", "┓"), *lines(headers, "┃"), rule("┡", "━", "╇", "┩")]
    for row in cells:
        drawn += lines(row, "│")
    drawn.append(rule("└", "─", "┴", "┘"))
    return "\n".join(drawn) + "\n"
