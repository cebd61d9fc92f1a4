"""CloudWatch metric alarms evaluated from the metric data the local AWS holds.

moto records PutMetricData but never evaluates an alarm: its state changes only through
SetAlarmState. This evaluator does what CloudWatch does ("Using Amazon CloudWatch alarms",
section "Evaluating an alarm",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation):
for each alarm, the statistic of its metric over each of the last ``EvaluationPeriods``
periods of ``Period`` seconds; a period "breaches" when the value compared with
``Threshold`` by ``ComparisonOperator`` holds; ``DatapointsToAlarm`` (default
``EvaluationPeriods``) breaching periods of those make ALARM, fewer make OK. Missing
periods follow ``TreatMissingData`` ("Configuring how CloudWatch alarms treat missing
data", same page): ``notBreaching`` counts them good, ``breaching`` bad, ``ignore`` keeps
the current state when nothing is there, ``missing`` (the default) gives
INSUFFICIENT_DATA when nothing is there. Simplified: with some periods missing, only the
present ones are counted (CloudWatch may look further back).

A metric is one namespace, name and exact set of dimensions ("CloudWatch concepts",
Dimensions: "each unique combination of dimensions" is a separate metric), so an alarm's
dimensions must match a datapoint's exactly. Periods run on the compressed clock
(``local_clock``): with the default factor 60, a 60-second period is the last second (never
less than ``MIN_PERIOD_SECONDS``, so a datapoint is seen before it falls out).

A state change goes through SetAlarmState, so the alarm's SNS actions fire
(``alarm_actions``). A client's own SetAlarmState holds until the alarm's next evaluation,
one (compressed) period later, as on AWS. An alarm the evaluator does not understand
(anomaly detection, metric math beyond ``alarm_evaluation_math``) is logged as an error,
listed in :data:`UNEVALUABLE`, and put in INSUFFICIENT_DATA with a reason naming what is
not understood: never silently OK.

The background evaluator (``ensure_running``) runs in the local AWS server process, every
``TICK_SECONDS``; ``PPLOCALAWS_ALARM_EVALUATION`` = ``on`` / ``off`` overrides the default
(``auto``: on when serving, off under ``moto.mock_aws`` where tests drive
:func:`evaluate_all` themselves).
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import operator
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import (
    CloudWatchBackend,
    MetricAggregatedDatum,
    MetricDatum,
    cloudwatch_backends,
)

from pplocalaws.resources import local_clock
from pplocalaws.resources.alarm_evaluation_math import (
    Series,
    Unevaluable,
    insights_query,
    sum_of_terms,
)

log = logging.getLogger(__name__)

SWITCH_VARIABLE = "PPLOCALAWS_ALARM_EVALUATION"
TICK_SECONDS = 0.25
# However compressed, a period lasts at least this long in real time: evaluated every tick
# (and by a CodeDeploy deployment every ALARM_POLL_SECONDS), each datapoint is then seen at
# least a few times before it falls out of the evaluation range.
MIN_PERIOD_SECONDS = 1.0
# Datapoints are kept this much longer than any current alarm reaches back, so an alarm
# created (or widened) a little later still finds the recent past.
PRUNE_MARGIN_SECONDS = 600.0

UNEVALUABLE: dict[str, str] = {}
"""Alarm ARN -> why the local AWS cannot evaluate it."""

_COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
_evaluating = threading.Lock()
# Alarm ARN -> (id of the alarm object, its state time) when the evaluator last looked.
_seen: dict[str, tuple[int, Any]] = {}
_started = threading.Event()


@dataclass(frozen=True)
class Watched:
    """One metric series: which datapoints, which statistic."""

    namespace: str
    name: str
    dimensions: frozenset[tuple[str, str]] | None  # None: every dimension set (Insights)
    statistic: str
    unit: str | None = None


def _epoch(timestamp: datetime) -> float:
    if timestamp.tzinfo is None:  # moto keeps UTC as naive datetimes
        timestamp = timestamp.replace(tzinfo=UTC)
    return timestamp.timestamp()


def _percentile(raw: list[float], statistic: str) -> float | None:
    """A ``pNN`` statistic of raw values by nearest rank; None when it is not one."""
    try:
        rank = float(statistic[1:]) if statistic.startswith("p") else math.nan
    except ValueError:
        rank = math.nan
    if not 0 < rank <= 100:
        return None
    ordered = sorted(raw)
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)]


def _statistic(datums: list[Any], statistic: str) -> float | None:
    """``statistic`` of the datapoints, None when there are none."""
    if not datums:
        return None
    raw = [float(d.value) for d in datums if isinstance(d, MetricDatum)]
    summaries = [d for d in datums if isinstance(d, MetricAggregatedDatum)]
    count = len(raw) + sum(float(s.sample_count) for s in summaries)
    total = sum(raw) + sum(float(s.sum) for s in summaries)
    plain: dict[str, Callable[[], float | None]] = {
        "Sum": lambda: total,
        "SampleCount": lambda: count,
        "Average": lambda: total / count if count else None,
        "Minimum": lambda: min([*raw, *(float(s.min) for s in summaries)]),
        "Maximum": lambda: max([*raw, *(float(s.max) for s in summaries)]),
    }
    if statistic in plain:
        return plain[statistic]()
    value = None if summaries else _percentile(raw, statistic)
    if value is None:
        raise Unevaluable(
            f"the statistic {statistic!r} (the local AWS evaluates Sum, Average, Minimum, "
            "Maximum, SampleCount and pNN of raw values)"
        )
    return value


def _dimensions(dimensions: Iterable[Any]) -> frozenset[tuple[str, str]]:
    return frozenset((str(d.name), str(d.value)) for d in dimensions)


class MetricIndex:
    """One backend's datapoints by (namespace, metric name) and dimension set, read
    incrementally and kept sorted by time.

    moto keeps every datapoint in one list that only grows; scanning it for every alarm
    every tick would cost more and more as a load runs on. The index reads only what is
    new, finds an evaluation range by bisection and drops what no alarm can look back to
    any more (:meth:`prune`).
    """

    def __init__(self) -> None:
        self.read = 0
        self.by_metric: dict[tuple[str, str], dict[frozenset[tuple[str, str]], Timeline]] = {}

    def refresh(self, data: list[Any]) -> None:
        if len(data) < self.read:  # moto's list was reset: read it again
            self.read, self.by_metric = 0, {}
        for datum in data[self.read :]:
            series = self.by_metric.setdefault((datum.namespace, datum.name), {})
            timeline = series.setdefault(_dimensions(datum.dimensions), Timeline())
            timeline.add(_epoch(datum.timestamp), datum)
        self.read = len(data)

    def of(
        self,
        namespace: str,
        name: str,
        dimensions: frozenset[tuple[str, str]] | None,
        since: float = -math.inf,
        until: float = math.inf,
    ) -> list[tuple[float, Any]]:
        """(time, datapoint) of the metric with exactly ``dimensions`` (None: any) in
        [since, until]."""
        series = self.by_metric.get((namespace, name), {})
        timelines = [series.get(dimensions)] if dimensions is not None else series.values()
        return [
            point
            for timeline in timelines
            if timeline is not None
            for point in timeline.between(since, until)
        ]

    def prune(self, cutoff: float) -> None:
        """Forget datapoints older than ``cutoff`` (epoch seconds)."""
        for series in self.by_metric.values():
            for timeline in series.values():
                timeline.drop_before(cutoff)


class Timeline:
    """Datapoints of one metric sorted by their timestamp (they mostly arrive in order)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.datums: list[Any] = []

    def add(self, at: float, datum: Any) -> None:
        where = bisect.bisect_right(self.times, at)
        self.times.insert(where, at)
        self.datums.insert(where, datum)

    def between(self, since: float, until: float) -> list[tuple[float, Any]]:
        first = bisect.bisect_left(self.times, since)
        last = bisect.bisect_right(self.times, until)
        return list(zip(self.times[first:last], self.datums[first:last], strict=True))

    def drop_before(self, cutoff: float) -> None:
        first = bisect.bisect_left(self.times, cutoff)
        if first:
            del self.times[:first]
            del self.datums[:first]


_indexes: dict[int, tuple[CloudWatchBackend, MetricIndex]] = {}


def index_of(backend: CloudWatchBackend) -> MetricIndex:
    """The backend's index, brought up to date (a new backend object gets a new index)."""
    known = _indexes.get(id(backend))
    if known is None or known[0] is not backend:
        known = (backend, MetricIndex())
        _indexes[id(backend)] = known
    known[1].refresh(backend.metric_data)
    return known[1]


def lookback(alarm: Any) -> float:
    """How far back (real seconds) the alarm's evaluation range reaches, at most."""
    periods = [float(alarm.period or 0)]
    periods += [float(q.period) for q in alarm.metric_data_queries if q.period]
    periods += [float(q.metric_stat.period) for q in alarm.metric_data_queries if q.metric_stat]
    length = max(local_clock.real_seconds(max(periods)), MIN_PERIOD_SECONDS)
    return length * int(alarm.evaluation_periods or 1)


def series(
    backend: CloudWatchBackend, watched: Watched, period: float, periods: int, now: float
) -> Series:
    """The statistic over each of the last ``periods`` periods, newest first."""
    length = max(local_clock.real_seconds(period), MIN_PERIOD_SECONDS)
    oldest = now - periods * length
    buckets: list[list[Any]] = [[] for _ in range(periods)]
    points = index_of(backend).of(watched.namespace, watched.name, watched.dimensions, oldest, now)
    for at, datum in points:
        if watched.unit and datum.unit and datum.unit != watched.unit:
            continue
        buckets[min(periods - 1, int((now - at) // length))].append(datum)
    return [_statistic(bucket, watched.statistic) for bucket in buckets]


def _query_series(
    backend: CloudWatchBackend, alarm: Any, periods: int, now: float
) -> tuple[Series, float]:
    """(values, period) of an alarm on ``Metrics`` (metric math / Metrics Insights)."""
    queries = {str(q.id): q for q in alarm.metric_data_queries}
    returning = [q for q in queries.values() if str(q.return_data).lower() != "false"]
    if len(returning) != 1:
        raise Unevaluable(f"{len(returning)} of its Metrics return data; exactly one must")
    top = returning[0]
    stat_periods = [int(q.metric_stat.period) for q in queries.values() if q.metric_stat]
    period = float(top.period) if top.period else float(max(stat_periods, default=0))
    if period <= 0:
        raise Unevaluable("its returning query has no Period")

    def of(query_id: str) -> Series:
        query = queries.get(query_id)
        if query is None:
            raise Unevaluable(f"its expression names {query_id!r}, which is not one of its Metrics")
        if query.metric_stat is not None:
            stat = query.metric_stat
            if float(stat.period) != period:
                raise Unevaluable("its Metrics have different periods")
            watched = Watched(
                stat.metric.namespace,
                stat.metric.metric_name,
                _dimensions(stat.metric.dimensions),
                str(stat.stat),
                stat.unit,
            )
            return series(backend, watched, period, periods, now)
        expression = str(query.expression or "")
        insights = insights_query(expression)
        if insights is not None:
            namespace, name, statistic = insights
            return series(backend, Watched(namespace, name, None, statistic), period, periods, now)
        return sum_of_terms(expression, of, periods)

    return of(str(top.id)), period


def values_of(backend: CloudWatchBackend, alarm: Any, now: float) -> tuple[Series, float]:
    """(values newest first, period in AWS seconds) of the alarm's metric."""
    periods = int(alarm.evaluation_periods)
    if alarm.metric_data_queries:
        return _query_series(backend, alarm, periods, now)
    statistic = alarm.statistic or alarm.extended_statistic
    if not statistic or not alarm.metric_name:
        raise Unevaluable("it names no metric and statistic")
    watched = Watched(
        alarm.namespace,
        alarm.metric_name,
        _dimensions(alarm.dimensions),
        str(statistic),
        alarm.unit,
    )
    return series(backend, watched, float(alarm.period), periods, now), float(alarm.period)


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    data: str


def decide(alarm: Any, values: Series, period: float) -> Verdict:
    """The state CloudWatch gives the alarm for these per-period values (module docstring)."""
    if alarm.comparison_operator not in _COMPARISONS:
        raise Unevaluable(f"the comparison {alarm.comparison_operator} (anomaly detection)")
    compare, words = _COMPARISONS[alarm.comparison_operator]
    threshold = float(alarm.threshold)
    needed = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
    treat = alarm.treat_missing_data or "missing"
    present = [v for v in values if v is not None]
    data = json.dumps(
        {
            "version": "1.0",
            "period": int(period),
            "recentDatapoints": present,
            "threshold": threshold,
        }
    )
    if not present and treat in ("missing", "ignore"):
        if treat == "ignore":
            return Verdict(alarm.state_value, str(alarm.state_reason or ""), data)
        return Verdict(
            "INSUFFICIENT_DATA",
            f"Insufficient Data: {len(values)} datapoints were unknown.",
            data,
        )
    breaches = [compare(v, threshold) for v in present]
    if treat == "breaching":
        breaches += [True] * (len(values) - len(present))
    breaching = sum(breaches)
    state = "ALARM" if breaching >= needed else "OK"
    shown = ", ".join(f"{v:g}" for v in present) or "no data"
    verb = "was" if breaching == 1 else "were"
    negation = "" if state == "ALARM" else "not "
    reason = (
        f"Threshold Crossed: {breaching} out of the last {len(values)} datapoints [{shown}] "
        f"{verb} {negation}{words} the threshold ({threshold:g}) (minimum {needed} datapoint"
        f"{'s' if needed != 1 else ''} for {alarm.state_value} -> {state} transition)."
    )
    return Verdict(state, reason, data)


def _set_by_a_client(alarm: Any) -> bool:
    """True while a client's SetAlarmState holds: until the alarm's next evaluation.

    "SetAlarmState": the state is set temporarily; "the alarm state returns to its actual
    state" at the next evaluation (CloudWatch API Reference). Here that is one period of
    the alarm on the compressed clock after the client's change. A state changed since the
    evaluator last looked at the same alarm object was changed by a client (a created or
    updated alarm is a new object, evaluated at once).
    """
    seen = _seen.get(alarm.alarm_arn)
    stamp = alarm.state_updated_timestamp
    if seen is None or seen[0] != id(alarm) or seen[1] == stamp:
        return False
    period = lookback(alarm) / max(1, int(alarm.evaluation_periods or 1))
    return time.time() - _epoch(stamp) < period


def evaluate(backend: CloudWatchBackend, alarm: Any, now: float | None = None) -> str:
    """Evaluate one alarm and change its state through SetAlarmState; the state after."""
    now = time.time() if now is None else now
    if _set_by_a_client(alarm):
        return str(alarm.state_value)
    try:
        values, period = values_of(backend, alarm, now)
        verdict = decide(alarm, values, period)
    except Unevaluable as why:
        reason = f"The local AWS cannot evaluate this alarm: {why}"
        if UNEVALUABLE.get(alarm.alarm_arn) != reason:
            log.error("alarm %s NOT EVALUATED: %s", alarm.name, why)
            UNEVALUABLE[alarm.alarm_arn] = reason
        verdict = Verdict("INSUFFICIENT_DATA", reason, "{}")
    else:
        UNEVALUABLE.pop(alarm.alarm_arn, None)
    if verdict.state != alarm.state_value:
        backend.set_alarm_state(alarm.name, verdict.reason, verdict.data, verdict.state)
    current = backend.alarms[alarm.name]
    _seen[alarm.alarm_arn] = (id(current), current.state_updated_timestamp)
    return str(current.state_value)


def _backends() -> list[CloudWatchBackend]:
    loaded = []
    for account_id in list(cloudwatch_backends.keys()):
        loaded.extend(list(cloudwatch_backends[account_id].values()))
    return loaded


def evaluate_all(now: float | None = None) -> None:
    """Evaluate every metric alarm of every account and region the local AWS holds."""
    now = time.time() if now is None else now
    with _evaluating:
        for backend in _backends():
            alarms = list(backend.alarms.values())
            for alarm in alarms:
                evaluate(backend, alarm, now)
            reach = max((lookback(alarm) for alarm in alarms), default=0.0)
            index_of(backend).prune(now - reach - PRUNE_MARGIN_SECONDS)


def evaluate_named(account_id: str, region_name: str, names: Iterable[str]) -> None:
    """Evaluate the named alarms now (a CodeDeploy deployment checking its alarms)."""
    backend = cloudwatch_backends[account_id][region_name]
    with _evaluating:
        for name in names:
            alarm = backend.alarms.get(name)
            if alarm is not None:
                evaluate(backend, alarm)


def _enabled() -> bool:
    switch = os.environ.get(SWITCH_VARIABLE, "auto").strip().lower()
    if switch in ("on", "off"):
        return switch == "on"
    from moto.core.models import botocore_stubber  # noqa: PLC0415 - moto's mock switch

    return not botocore_stubber.enabled  # serving, not inside a test's mock_aws()


def _loop() -> None:
    while True:
        try:
            evaluate_all()
        except Exception:  # the evaluator must outlive one bad alarm or a racing delete
            log.exception("alarm evaluation failed; retrying in %s s", TICK_SECONDS)
        time.sleep(TICK_SECONDS)


def ensure_running() -> bool:
    """Start the background evaluator once per process, when enabled; True if it runs."""
    if _started.is_set():
        return True
    if not _enabled():
        return False
    local_clock.compression()  # a bad factor fails here, naming the variable
    _started.set()
    threading.Thread(target=_loop, name="alarm-evaluation", daemon=True).start()
    log.info("alarm evaluation running every %s s", TICK_SECONDS)
    return True


__all__ = [
    "UNEVALUABLE",
    "Unevaluable",
    "Verdict",
    "Watched",
    "decide",
    "ensure_running",
    "evaluate",
    "evaluate_all",
    "evaluate_named",
    "series",
]
