"""Lambda's asynchronous invocation rules, on the queue alone (fake clock, fake functions).

"Configuring error handling for asynchronous invocation" (Lambda Developer Guide): two
retries by default, one minute then two minutes apart; MaximumRetryAttempts and
MaximumEventAgeInSeconds; the dead-letter queue after the last failure ("Dead-letter
queues": RequestID, ErrorCode, ErrorMessage); throttles retried without using attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from pplocalaws.resources.lambda_async import (
    RETRY_SECONDS_VARIABLE,
    AsyncQueue,
    AsyncSettings,
    FunctionError,
    Invocation,
    Succeeded,
    Throttled,
    retry_seconds_per_minute,
)

DLQ = "arn:aws:sqs:us-east-1:123456789012:purge-dlq"


@dataclass
class World:
    """A fake clock, one function's settings, and the dead-letter sends made."""

    now: float = 1000.0
    settings: AsyncSettings | None = field(
        default_factory=lambda: AsyncSettings(
            "arn:aws:lambda:us-east-1:123456789012:function:purge",
            "arn:aws:iam::123456789012:role/purge",
            timeout_seconds=3,
            dead_letter_arn=DLQ,
        )
    )
    sent: list[tuple[str, int, str]] = field(default_factory=list)
    refuse: str = ""

    def clock(self) -> float:
        return self.now

    def dead_letter(
        self, invocation: Invocation, settings: AsyncSettings, code: int, message: str
    ) -> str:
        if self.refuse:
            return self.refuse
        self.sent.append((invocation.request_id, code, message))
        return ""

    def queue(self) -> AsyncQueue:
        # seconds_per_minute=60: the fake clock runs in AWS's own seconds.
        return AsyncQueue(
            lambda _: self.settings, self.dead_letter, seconds_per_minute=60, clock=self.clock
        )


def _event() -> Invocation:
    return Invocation("123456789012", "us-east-1", "purge", None, {"n": 1}, "topic")


def _fail_every_attempt(world: World, queue: AsyncQueue) -> list[float]:
    """Claim and fail until nothing comes due; the clock times of the attempts."""
    attempts = []
    for _ in range(10):
        claimed = queue.claim(0)
        if claimed is None:
            due_at = queue.next_due_at()
            if due_at is None:
                return attempts
            world.now = due_at
            continue
        attempts.append(world.now)
        assert claimed.lease is not None
        queue.report(claimed.lease, FunctionError("ValueError", "boom"))
    return attempts


def test_a_success_is_done_after_one_attempt() -> None:
    world = World()
    queue = world.queue()
    queue.submit(_event())
    claimed = queue.claim(0)
    assert claimed is not None
    assert claimed.lease is not None
    assert queue.report(claimed.lease, Succeeded())
    assert queue.status()["succeeded"] == 1
    assert queue.wait_idle(0)
    assert world.sent == []


def test_a_function_error_is_retried_twice_a_minute_then_two_apart_then_dead_lettered() -> None:
    world = World()
    queue = world.queue()
    request_id = queue.submit(_event())
    attempts = _fail_every_attempt(world, queue)
    assert [t - attempts[0] for t in attempts] == [0, 60, 180]
    # ErrorCode is the Invoke's HTTP status: 200, the function error is in the payload.
    assert world.sent == [(request_id, 200, "boom")]
    assert queue.status()["deadLettered"] == 1


def test_maximum_retry_attempts_zero_means_one_attempt() -> None:
    world = World()
    world.settings = AsyncSettings("arn", "role", 3, maximum_retry_attempts=0, dead_letter_arn=DLQ)
    queue = world.queue()
    queue.submit(_event())
    assert len(_fail_every_attempt(world, queue)) == 1
    assert len(world.sent) == 1


def test_an_event_older_than_the_maximum_age_is_not_retried_but_dead_lettered() -> None:
    world = World()
    world.settings = AsyncSettings(
        "arn", "role", 3, maximum_event_age_seconds=90, dead_letter_arn=DLQ
    )
    queue = world.queue()
    queue.submit(_event())
    # attempt 1 at 0 s, attempt 2 at 60 s; the third would be at 180 s, past 90 s.
    assert len(_fail_every_attempt(world, queue)) == 2
    assert world.sent[0][2] == "Event age exceeded MaximumEventAgeInSeconds"


def test_a_dead_letter_send_refused_drops_the_event_and_says_why() -> None:
    world = World(refuse="no identity-based policy allows the sqs:SendMessage action")
    queue = world.queue()
    queue.submit(_event())
    _fail_every_attempt(world, queue)
    status = queue.status()
    assert (status["dropped"], status["deadLettered"]) == (1, 0)
    assert "sqs:SendMessage" in status["recent"][-1]["detail"]


def test_without_a_dead_letter_queue_the_failed_event_is_dropped() -> None:
    world = World()
    world.settings = AsyncSettings("arn", "role", 3)
    queue = world.queue()
    queue.submit(_event())
    _fail_every_attempt(world, queue)
    assert queue.status()["dropped"] == 1
    assert world.sent == []


def test_a_throttle_is_retried_without_using_an_attempt() -> None:
    world = World()
    queue = world.queue()
    queue.submit(_event())
    claimed = queue.claim(0)
    assert claimed is not None
    assert claimed.lease is not None
    queue.report(claimed.lease, Throttled("busy"))
    assert queue.claim(0) is None  # backing off
    world.now += 300
    again = queue.claim(0)
    assert again is not None
    assert again.attempts == 0


def test_a_lease_whose_runner_never_reports_is_queued_again() -> None:
    world = World()
    queue = world.queue()
    queue.submit(_event())
    first = queue.claim(0)
    assert first is not None
    lapsed = str(first.lease)
    assert not queue.wait_idle(0)
    world.now += 3 + 31  # the function's timeout and the margin
    second = queue.claim(0)
    assert second is not None
    assert second.request_id == first.request_id
    assert not queue.report(lapsed, Succeeded())  # the lapsed runner's late report
    assert queue.report(str(second.lease), Succeeded())


def test_a_function_deleted_meanwhile_drops_its_events() -> None:
    world = World()
    queue = world.queue()
    queue.submit(_event())
    world.settings = None
    assert queue.claim(0) is None
    assert queue.status()["dropped"] == 1


def test_the_retry_time_factor_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RETRY_SECONDS_VARIABLE, "0.25")
    assert retry_seconds_per_minute() == 0.25
    monkeypatch.setenv(RETRY_SECONDS_VARIABLE, "soon")
    with pytest.raises(ValueError, match=RETRY_SECONDS_VARIABLE):
        retry_seconds_per_minute()
