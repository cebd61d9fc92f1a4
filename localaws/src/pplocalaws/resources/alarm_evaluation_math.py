"""The metric queries of an alarm the local evaluator understands, as per-period values.

An alarm's ``Metrics`` list has exactly one query that returns data (``ReturnData``, true
unless set false: "PutMetricAlarm" API reference, ``Metrics``). Understood here, which is
what the project's templates use:

- ``MetricStat`` queries (a metric, its dimensions, period and statistic);
- Metrics Insights ``SELECT FUNC(Metric) FROM "Namespace"`` without WHERE/GROUP BY/ORDER BY,
  FUNC one of SUM, AVG, MIN, MAX, COUNT: the function over every time series of that
  metric in the namespace, whatever its dimensions ("Metrics Insights query components and
  syntax", CloudWatch User Guide,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html);
- metric math sums of ``id`` and ``FILL(id, number)`` terms joined by ``+``: FILL puts the
  number where the series has no value ("Metric math syntax and functions", FILL); a
  period where a plain term has no value has no result.

Anything else raises :class:`Unevaluable` naming what is not understood.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

Series = list[float | None]
"""One value per evaluation period, newest first; None where there is no data."""


class Unevaluable(ValueError):
    """The local AWS cannot evaluate this alarm; the text says what it does not understand."""


_INSIGHTS = re.compile(
    r"""^\s*SELECT\s+(?P<func>SUM|AVG|MIN|MAX|COUNT)\s*\(\s*(?P<metric>[A-Za-z0-9_.\-/:]+)\s*\)
        \s+FROM\s+(?P<ns>"[^"]+"|[A-Za-z0-9_.\-/:]+)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_FILL = re.compile(r"^FILL\s*\(\s*(?P<id>[a-z][A-Za-z0-9_]*)\s*,\s*(?P<value>-?\d+(\.\d+)?)\s*\)$")
_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")

INSIGHTS_STATISTIC = {
    "SUM": "Sum",
    "AVG": "Average",
    "MIN": "Minimum",
    "MAX": "Maximum",
    "COUNT": "SampleCount",
}


def insights_query(expression: str) -> tuple[str, str, str] | None:
    """(namespace, metric, statistic) of a supported Metrics Insights query, else None."""
    match = _INSIGHTS.match(expression)
    if match is None:
        return None
    return match["ns"].strip('"'), match["metric"], INSIGHTS_STATISTIC[match["func"].upper()]


def sum_of_terms(expression: str, series_of: Callable[[str], Series], periods: int) -> Series:
    """Evaluate ``a + FILL(b, 0) + ...``; ``series_of(id)`` gives a query's values."""
    total: Series = [0.0] * periods
    for raw in expression.split("+"):
        term = raw.strip()
        fill = _FILL.match(term)
        if fill is not None:
            values = series_of(fill["id"])
            default = float(fill["value"])
            filled: Sequence[float | None] = [default if v is None else v for v in values]
        elif _ID.match(term):
            filled = series_of(term)
        else:
            raise Unevaluable(
                f"the metric math expression {expression!r} has the term {term!r}; the local "
                "AWS evaluates only sums of query ids and FILL(id, number)"
            )
        total = [
            None if a is None or b is None else a + b for a, b in zip(total, filled, strict=True)
        ]
    return total


__all__ = ["INSIGHTS_STATISTIC", "Series", "Unevaluable", "insights_query", "sum_of_terms"]
