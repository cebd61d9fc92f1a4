"""Run stack actions wave by wave: a wave in parallel (bounded), no new wave after a failure."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ppdeploy import events
from ppdeploy.errors import PPDeployError
from ppdeploy.model import DeployResult

DEFAULT_CONCURRENCY = 4


@dataclass(frozen=True)
class Outcome:
    """One row of the summary: what happened to a stack and, when it did not deploy, why."""

    stack: str
    status: events.Outcome  # created | updated | unchanged | failed | skipped
    seconds: float = 0.0
    reason: str = ""
    result: DeployResult | None = None
    error: PPDeployError | None = None


def _run_one(name: str, action: Callable[[str], DeployResult]) -> Outcome:
    started = time.monotonic()
    try:
        result = action(name)
    except PPDeployError as error:
        return Outcome(name, "failed", time.monotonic() - started, error.what, error=error)
    return Outcome(name, result.outcome, result.seconds, result=result)


def run_waves(
    waves: Sequence[Sequence[str]],
    action: Callable[[str], DeployResult],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    on_wave: Callable[[int, Sequence[str]], None] = lambda _number, _wave: None,
) -> list[Outcome]:
    """Apply ``action`` to every stack of each wave; after a failed wave, skip the rest.

    ``on_wave`` hears of each wave (numbered from 1) as it starts.
    """
    outcomes: list[Outcome] = []
    failed: list[str] = []
    for number, wave in enumerate(waves, start=1):
        if failed:
            outcomes += [
                Outcome(name, "skipped", reason=f"not started: {', '.join(failed)} failed")
                for name in wave
            ]
            continue
        on_wave(number, wave)
        with ThreadPoolExecutor(max_workers=max(1, min(max_concurrency, len(wave)))) as pool:
            results = list(pool.map(lambda name: _run_one(name, action), wave))
        outcomes += results
        failed = [outcome.stack for outcome in results if outcome.status == "failed"]
    return outcomes
