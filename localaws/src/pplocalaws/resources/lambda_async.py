"""Lambda's asynchronous invocation: the event queue, retries, event age, the dead-letter queue.

Lambda Developer Guide, "Asynchronous invocation"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html) and "Configuring
error handling for asynchronous invocation"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):

- Lambda places the event in a queue and answers at once; a separate process reads the
  queue and runs the function (here: the local gateway's workers, which claim queued
  invocations through the local-only endpoints in ``pplocalaws.local_endpoints``).
- On a function error Lambda retries "two more times, with a one-minute wait between the
  first two attempts, and two minutes between the second and third attempts";
  ``MaximumRetryAttempts`` (0-2, from the function's event invoke config) sets how many.
- Throttles and system errors are retried without counting as attempts, with backoff up
  to five minutes, until the event is older than ``MaximumEventAgeInSeconds`` (default
  six hours), when it is discarded.
- An event that fails every attempt, or grows too old, goes to the function's dead-letter
  queue (``DeadLetterConfig.TargetArn``; "Dead-letter queues" in the same guide), sent
  with the execution role's permissions, with the attributes ``RequestID``, ``ErrorCode``
  and ``ErrorMessage``. If that fails the event is dropped; here it is logged.

Local time is compressed: ``PPLOCALAWS_ASYNC_RETRY_SECONDS`` (default 1) local seconds
stand for one of AWS's minutes, for the retry waits, the throttle backoff and the event
age alike, so a failing event reaches its dead-letter queue in seconds, not minutes.

This module is the queue and its rules, independent of moto: the function's settings and
the dead-letter send are given to :class:`AsyncQueue` (``lambda_async_moto`` gives moto's).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

RETRY_SECONDS_VARIABLE = "PPLOCALAWS_ASYNC_RETRY_SECONDS"
DEFAULT_RETRY_SECONDS = 1.0
# "Configuring error handling for asynchronous invocation": the defaults and limits.
DEFAULT_MAXIMUM_RETRY_ATTEMPTS = 2
DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600
# The waits before the second and the third attempt, in AWS minutes.
RETRY_WAIT_MINUTES = (1.0, 2.0)
THROTTLE_BACKOFF_LIMIT_MINUTES = 5.0
# A claimed invocation whose runner never reports (the gateway stopped) is a system error:
# it is queued again once the function's timeout and this margin have passed.
LEASE_MARGIN_SECONDS = 30.0
# "Dead-letter queues": ErrorMessage carries "the first 1 KB of the error message".
ERROR_MESSAGE_BYTES = 1024
RECENT_OUTCOMES = 200


def retry_seconds_per_minute() -> float:
    """Local seconds per AWS minute, from ``PPLOCALAWS_ASYNC_RETRY_SECONDS``."""
    raw = os.environ.get(RETRY_SECONDS_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_RETRY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ValueError(
            f"{RETRY_SECONDS_VARIABLE}={raw!r} is not a number of seconds: set it to the "
            f"local seconds that stand for one minute of Lambda's retry waits (default "
            f"{DEFAULT_RETRY_SECONDS})"
        )
    return value


@dataclass(frozen=True)
class AsyncSettings:
    """What Lambda reads of a function when it handles one of its queued events."""

    function_arn: str
    role_arn: str
    timeout_seconds: float
    maximum_retry_attempts: int = DEFAULT_MAXIMUM_RETRY_ATTEMPTS
    maximum_event_age_seconds: int = DEFAULT_MAXIMUM_EVENT_AGE_SECONDS
    dead_letter_arn: str | None = None


@dataclass
class Invocation:
    """One queued event of one function."""

    account: str
    region: str
    function_name: str
    qualifier: str | None
    event: Any
    source: str  # who queued it: the topic ARN, or "lambda:Invoke"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    queued_at: float = 0.0
    due_at: float = 0.0
    attempts: int = 0  # function attempts that ended in a function error
    throttles: int = 0
    lease: str | None = None
    lease_until: float = 0.0

    def describe(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "functionName": self.function_name,
            "qualifier": self.qualifier,
            "source": self.source,
            "attempt": self.attempts + 1,
        }


@dataclass(frozen=True)
class Succeeded:
    pass


@dataclass(frozen=True)
class FunctionError:
    """The function ran and failed (raised, timed out, crashed)."""

    error_type: str
    message: str


@dataclass(frozen=True)
class Throttled:
    """No execution environment took the event (every worker busy)."""

    reason: str


Report = Succeeded | FunctionError | Throttled

Settings = Callable[[Invocation], AsyncSettings | None]
"""The function's settings now, or None when it no longer exists."""

DeadLetter = Callable[[Invocation, AsyncSettings, int, str], str]
"""Send the event to the dead-letter queue (RequestID, ErrorCode, ErrorMessage); returns
"" when sent, else why not."""


class AsyncQueue:
    """The queued events of every function, handed to runners and retried as Lambda does."""

    def __init__(
        self,
        settings: Settings,
        dead_letter: DeadLetter,
        *,
        seconds_per_minute: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._dead_letter = dead_letter
        self._per_minute = (
            retry_seconds_per_minute() if seconds_per_minute is None else seconds_per_minute
        )
        self._clock = clock
        self._condition = threading.Condition()
        self._queued: list[Invocation] = []
        self._claimed: dict[str, Invocation] = {}  # lease -> invocation
        self._settling = 0  # expired events being dead-lettered outside the lock
        self._recent: list[dict[str, Any]] = []
        self._counts = {"succeeded": 0, "deadLettered": 0, "dropped": 0}

    # -- queueing and claiming -----------------------------------------------------------
    def submit(self, invocation: Invocation) -> str:
        """Queue an event; its request id (what Invoke answers and the DLQ records)."""
        now = self._clock()
        invocation.queued_at = invocation.due_at = now
        with self._condition:
            self._queued.append(invocation)
            self._condition.notify_all()
        log.info(
            "async invocation %s of %s queued (from %s)",
            invocation.request_id,
            invocation.function_name,
            invocation.source,
        )
        return invocation.request_id

    def claim(self, wait_seconds: float) -> Invocation | None:
        """The next due invocation (leased to the caller), waiting up to ``wait_seconds``.

        A due event that has grown too old, or whose function is gone, is settled on the
        way (dead-letter queue, or dropped) and the wait goes on.
        """
        deadline = self._clock() + wait_seconds
        while True:
            with self._condition:
                self._requeue_lapsed_leases()
                now = self._clock()
                due = [i for i in self._queued if i.due_at <= now]
                if not due:
                    remaining = deadline - now
                    if remaining <= 0:
                        return None
                    next_due = min((i.due_at for i in self._queued), default=deadline)
                    self._condition.wait(max(0.01, min(remaining, next_due - now)))
                    continue
                chosen = min(due, key=lambda i: i.due_at)
                self._queued.remove(chosen)
                settings = self._settings(chosen)
                if settings is not None and not self._too_old(chosen, settings, now):
                    chosen.lease = uuid.uuid4().hex
                    chosen.lease_until = now + settings.timeout_seconds + LEASE_MARGIN_SECONDS
                    self._claimed[chosen.lease] = chosen
                    return chosen
                self._settling += 1
            try:  # outside the lock: the dead-letter send calls into moto
                if settings is None:
                    self._finish(chosen, "dropped", "the function no longer exists")
                else:
                    self._expire(chosen, settings)
            finally:
                with self._condition:
                    self._settling -= 1
                    self._condition.notify_all()

    def _requeue_lapsed_leases(self) -> None:
        now = self._clock()
        for lease, invocation in list(self._claimed.items()):
            if invocation.lease_until <= now:
                log.warning(
                    "async invocation %s of %s: its runner never reported; queued again",
                    invocation.request_id,
                    invocation.function_name,
                )
                del self._claimed[lease]
                invocation.lease = None
                invocation.due_at = now
                self._queued.append(invocation)

    def _too_old(self, invocation: Invocation, settings: AsyncSettings, now: float) -> bool:
        maximum_age = settings.maximum_event_age_seconds * self._per_minute / 60.0
        return now - invocation.queued_at > maximum_age

    # -- outcomes ------------------------------------------------------------------------
    def report(self, lease: str, outcome: Report) -> bool:
        """Record what the claimed invocation came to; False when the lease is unknown."""
        with self._condition:
            invocation = self._claimed.get(lease)
        if invocation is None:
            return False
        settings = self._settings(invocation)
        if isinstance(outcome, Succeeded):
            self._finish(invocation, "succeeded", "")
        elif settings is None:
            self._finish(invocation, "dropped", "the function no longer exists")
        elif isinstance(outcome, Throttled):
            invocation.throttles += 1
            backoff = min(THROTTLE_BACKOFF_LIMIT_MINUTES, 2.0 ** (invocation.throttles - 4))
            self._retry_or_expire(invocation, settings, backoff, outcome.reason)
        else:
            invocation.attempts += 1
            detail = f"{outcome.error_type}: {outcome.message}"
            log.warning(
                "async invocation %s of %s failed (attempt %d): %s",
                invocation.request_id,
                invocation.function_name,
                invocation.attempts,
                detail,
            )
            if invocation.attempts > settings.maximum_retry_attempts:
                self._to_dead_letter(invocation, settings, 200, outcome.message, "failed")
            else:
                wait = RETRY_WAIT_MINUTES[min(invocation.attempts, len(RETRY_WAIT_MINUTES)) - 1]
                self._retry_or_expire(invocation, settings, wait, detail)
        with self._condition:
            self._claimed.pop(lease, None)
            self._condition.notify_all()
        return True

    def _retry_or_expire(
        self, invocation: Invocation, settings: AsyncSettings, wait_minutes: float, why: str
    ) -> None:
        invocation.lease = None
        invocation.due_at = self._clock() + wait_minutes * self._per_minute
        if self._too_old(invocation, settings, invocation.due_at):
            self._expire(invocation, settings)
            return
        with self._condition:
            self._queued.append(invocation)
            self._condition.notify_all()

    def _expire(self, invocation: Invocation, settings: AsyncSettings) -> None:
        # "the event is discarded ... when it exceeds the maximum age"; a dead-letter queue
        # still receives it. No documented ErrorCode for this case: 429 if throttled, else
        # the function's 200 (unsure; the attributes' presence is what is documented).
        code = 429 if invocation.attempts == 0 else 200
        self._to_dead_letter(
            invocation, settings, code, "Event age exceeded MaximumEventAgeInSeconds", "expired"
        )

    def _to_dead_letter(
        self,
        invocation: Invocation,
        settings: AsyncSettings,
        error_code: int,
        message: str,
        why: str,
    ) -> None:
        if not settings.dead_letter_arn:
            self._finish(invocation, "dropped", f"{why}; the function has no dead-letter queue")
            return
        clipped = message.encode()[:ERROR_MESSAGE_BYTES].decode(errors="ignore")
        refusal = self._dead_letter(invocation, settings, error_code, clipped)
        if refusal:
            detail = f"{why}; not sent to the dead-letter queue: {refusal}"
            self._finish(invocation, "dropped", detail)
        else:
            self._finish(invocation, "deadLettered", f"{why}; sent to {settings.dead_letter_arn}")

    def _finish(self, invocation: Invocation, outcome: str, detail: str) -> None:
        record = {**invocation.describe(), "attempts": invocation.attempts, "outcome": outcome}
        if detail:
            record["detail"] = detail
        level = logging.INFO if outcome != "dropped" else logging.WARNING
        log.log(
            level,
            "async invocation %s of %s: %s%s",
            invocation.request_id,
            invocation.function_name,
            outcome,
            f" ({detail})" if detail else "",
        )
        with self._condition:
            self._counts[outcome] += 1
            self._recent = [*self._recent[-(RECENT_OUTCOMES - 1) :], record]
            self._condition.notify_all()

    # -- observing (local only) ------------------------------------------------------------
    def next_due_at(self) -> float | None:
        """When the next queued event comes due (clock time), None when none is queued."""
        with self._condition:
            return min((i.due_at for i in self._queued), default=None)

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running; False if ``timeout`` passed first."""
        deadline = self._clock() + timeout
        with self._condition:
            while self._queued or self._claimed or self._settling:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return False
                self._condition.wait(min(remaining, 0.25))
                self._requeue_lapsed_leases()
        return True

    def status(self) -> dict[str, Any]:
        with self._condition:
            return {
                "queued": len(self._queued),
                "running": len(self._claimed),
                **self._counts,
                "recent": list(self._recent),
            }

    def reset(self, seconds_per_minute: float | None = None) -> None:
        """Forget every event and count (tests); the time factor is read again."""
        self._per_minute = (
            retry_seconds_per_minute() if seconds_per_minute is None else seconds_per_minute
        )
        with self._condition:
            self._queued.clear()
            self._claimed.clear()
            self._recent.clear()
            self._counts = dict.fromkeys(self._counts, 0)
            self._condition.notify_all()
