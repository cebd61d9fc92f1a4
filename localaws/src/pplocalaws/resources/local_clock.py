"""The local AWS's compressed clock: AWS durations that run faster, by one factor.

A CodeDeploy canary waits minutes and a CloudWatch alarm evaluates periods of a minute or
more; run as written, one prod-like local deploy would take as long as on AWS. The local
AWS divides every such AWS duration by ``PPLOCALAWS_TIME_COMPRESSION`` (default 60: a
5-minute canary interval takes 5 s, a 60-second alarm period 1 s). CodeDeploy traffic
shifting (``codedeploy_shift``) and alarm evaluation (``alarm_evaluation``) both read it,
so an alarm's period and a deployment's interval keep the proportion they have on AWS.
A factor of 1 runs in real time.
"""

from __future__ import annotations

import math
import os

from pplocalaws.problems import BadOption

VARIABLE = "PPLOCALAWS_TIME_COMPRESSION"
DEFAULT_FACTOR = 60.0
MAX_FACTOR = 3600.0  # an hour per second; beyond it a 60 s period is under 17 ms


def compression() -> float:
    """The compression factor from the environment (read on every call: tests change it)."""
    raw = os.environ.get(VARIABLE, "").strip()
    if not raw:
        return DEFAULT_FACTOR
    try:
        factor = float(raw)
    except ValueError:
        factor = math.nan
    if not math.isfinite(factor) or not 1.0 <= factor <= MAX_FACTOR:
        raise BadOption(
            f"{VARIABLE}={raw!r} is not a usable time compression factor",
            cause=f"it must be a number from 1 (real time) to {MAX_FACTOR:.0f}",
            fix=f"set {VARIABLE}=60 (the default: a minute takes a second) or unset it",
        )
    return factor


def real_seconds(aws_seconds: float) -> float:
    """How long ``aws_seconds`` of AWS time last on the local AWS's compressed clock."""
    return float(aws_seconds) / compression()


__all__ = ["DEFAULT_FACTOR", "VARIABLE", "compression", "real_seconds"]
