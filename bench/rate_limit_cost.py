"""What the abuse limits cost a request, with vs without them, in one run.

Two views, both against a local ``redis-server`` with the stage's ACL users (the account
user, as the function connects):

- the check alone: ``rate_limits.take`` (one EVALSHA of the bucket script, a new source
  address each time, so every call creates a key as a fresh client would) against a
  ``PING`` on the same kind of connection (the floor of any Redis round trip, the
  baseline); the in-process fallback (what runs when Redis cannot answer); and a login's
  account calls (``lockout.before_attempt`` then ``succeeded``: two round trips);
- a whole request: ``POST /auth/refresh`` with an unknown refresh token through the
  account's Lambda handler in-process (moto for DynamoDB; it answers 401), with the check,
  with ``rate_limits.check`` replaced by a no-op (the baseline) and by a bare ``PING`` (a
  Redis round trip alone, in the same circumstances: between requests redis-server goes
  idle, and waking it costs more than in a tight loop on a busy machine), rotating the
  order per round so a slow moment of the machine favours no side.

Prints p50/p99 in microseconds and the ratios. No pass/fail on time.

    python bench/rate_limit_cost.py [--rounds 2000] [--requests 400]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
import uuid
import warnings
from collections.abc import Callable

from local_system import percentile
from login_spraying import account_in_process, call


def _timed(step: Callable[[int], object], rounds: int) -> list[float]:
    """Microseconds per call of ``step(i)``, after a short warm-up."""
    for index in range(min(50, rounds)):
        step(-index - 1)
    samples = []
    for index in range(rounds):
        started = time.perf_counter()
        step(index)
        samples.append((time.perf_counter() - started) * 1e6)
    return sorted(samples)


def _line(name: str, samples: list[float], baseline: list[float] | None) -> str:
    p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
    ratio = ""
    if baseline is not None:
        base = percentile(baseline, 0.50)
        ratio = f"   x{p50 / base:.2f} of baseline at p50 ({p50 - base:+.1f} us)"
    return f"  {name:<44} p50 {p50:9.1f} us   p99 {p99:9.1f} us{ratio}"


def _address(index: int) -> str:
    return f"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}"


def check_alone(rounds: int) -> None:
    from account import lockout, rate_limits  # noqa: PLC0415
    from account.rate_limits import BUCKETS, MemoryBuckets  # noqa: PLC0415

    limits = rate_limits.limits()
    connection = limits.fallback.connection
    if connection is None:
        raise SystemExit("the limits have no Redis connection: REDIS_ENDPOINT is unset")
    run = uuid.uuid4().hex[:6]
    ping = _timed(lambda _: connection.call("PING"), rounds)
    bucket = _timed(lambda i: rate_limits.take("refresh", f"{run}-{_address(i)}"), rounds)
    memory, shape = MemoryBuckets(), BUCKETS["refresh"]
    in_memory = _timed(lambda i: memory.take(f"{run}-{i}", shape, time.time()), rounds)

    def account_calls(index: int) -> None:
        key = lockout.email_key(f"cost-{run}-{index}@bench.purposepath.app")
        lockout.before_attempt(key)
        lockout.succeeded(key)

    login_calls = _timed(account_calls, rounds)
    print(f"the check alone ({rounds} calls each; baseline: PING on the same connection)")
    print(_line("PING (baseline)", ping, None))
    print(_line("IP bucket: rate_limits.take (EVALSHA)", bucket, ping))
    print(_line("IP bucket in memory (the fallback)", in_memory, None))
    print(_line("account: before_attempt + succeeded", login_calls, ping))


def whole_request(requests: int) -> None:
    from account import rate_limits  # noqa: PLC0415

    real_check = rate_limits.check
    body = {"refreshToken": "unknown-" + "0" * 40}

    def with_check(index: int) -> None:
        rate_limits.check = real_check  # type: ignore[assignment]  # swapped per side
        call("/auth/refresh", body, _address(index + 1_000_000))

    def without_check(index: int) -> None:
        rate_limits.check = lambda router, bucket: None  # type: ignore[assignment]  # bench only
        call("/auth/refresh", body, _address(index + 2_000_000))

    connection = rate_limits.limits().fallback.connection
    assert connection is not None  # check_alone ran first and refused otherwise

    def ping_instead(index: int) -> None:
        rate_limits.check = lambda router, bucket: connection.call("PING")  # type: ignore[assignment]  # bench only
        call("/auth/refresh", body, _address(index + 3_000_000))

    for index in range(20):  # warm every side: clients, tables, the script in Redis
        with_check(-index - 1)
        without_check(-index - 1)
        ping_instead(-index - 1)
    on: list[float] = []
    off: list[float] = []
    ping: list[float] = []
    sides = [(with_check, on), (without_check, off), (ping_instead, ping)]
    for index in range(requests):
        # Rotate who goes first each round: no side always runs on a warmer cache.
        shift = index % len(sides)
        for step, samples in sides[shift:] + sides[:shift]:
            started = time.perf_counter()
            step(index)
            samples.append((time.perf_counter() - started) * 1e6)
    rate_limits.check = real_check  # type: ignore[assignment]  # restored
    for samples in (on, off, ping):
        samples.sort()
    print(
        f"a whole request: POST /auth/refresh (401) through the handler, {requests} each, "
        "rotating; baseline: the check replaced by a no-op"
    )
    print(_line("without the check (baseline)", off, None))
    print(_line("with rate_limits.check", on, off))
    print(_line("a PING instead of the check", ping, off))
    print(
        "  (the PING line is the Redis round trip alone in the same circumstances: what the "
        "check adds beyond it is the script)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=2000, help="calls per check variant")
    parser.add_argument("--requests", type=int, default=400, help="handler requests per side")
    options = parser.parse_args()
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with account_in_process():
        with contextlib.redirect_stdout(io.StringIO()):  # EMF lines of the refused refreshes
            call("/auth/refresh", {"refreshToken": "warm"}, "192.0.2.1")
        check_alone(options.rounds)
        with contextlib.redirect_stdout(io.StringIO()) as quiet:
            whole_request(options.requests)
        # The table was printed into the buffer with the EMF lines: keep only the table.
        for line in quiet.getvalue().splitlines():
            if not line.startswith("{"):
                print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
