"""The limit store's Lua scripts against a real redis-server: atomic under threads, the
same arithmetic as the in-process fallback, EVALSHA falling back to EVAL, and the ACL."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest

from account import lockout, rate_limits
from account.rate_limits import BUCKETS, Bucket, MemoryBuckets, RedisBuckets, Script
from ppcommon.cache import RedisConnection, RespError
from ppcommon.errors import TooManyRequests
from pptesting import redis_server


@pytest.fixture(scope="module")
def server() -> Iterator[redis_server.AclRedis]:
    if not redis_server.available():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server.acl_redis(stage="limits") as running:
        yield running


@pytest.fixture
def connect(server: redis_server.AclRedis) -> Iterator[Callable[..., RedisConnection]]:
    """``connect(user="account")``: a new connection as that service's ACL user."""
    opened: list[RedisConnection] = []

    def open_as(user: str = "account") -> RedisConnection:
        credentials = server.users[user]
        connection = RedisConnection("127.0.0.1", server.port, tls=False, auth=lambda: credentials)
        opened.append(connection)
        return connection

    yield open_as
    for connection in opened:
        connection.close()


def _key() -> str:
    return f"rl:ip:login:test-{uuid.uuid4().hex}"


def test_the_bucket_script_grants_exactly_the_burst_to_16_threads_at_once(
    connect: Callable[..., RedisConnection],
) -> None:
    key, bucket, at = _key(), BUCKETS["login"], 1_000.0
    granted: list[int] = []
    start = threading.Barrier(16)

    def hammer() -> None:
        buckets = RedisBuckets(connect())  # one connection each, as separate containers
        start.wait()
        granted.append(sum(buckets.take(key, bucket, at) == 0 for _ in range(10)))

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == bucket.burst  # 160 tries, 20 tokens: never one more


def test_the_memory_buckets_grant_exactly_the_burst_to_16_threads(
    connect: Callable[..., RedisConnection],
) -> None:
    key, bucket, memory = _key(), BUCKETS["login"], MemoryBuckets()
    granted: list[int] = []

    def hammer() -> None:
        granted.append(sum(memory.take(key, bucket, 5.0) == 0 for _ in range(10)))

    threads = [threading.Thread(target=hammer) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == bucket.burst


def test_racing_sign_ins_pass_the_account_check_only_on_distinct_counts(
    connect: Callable[..., RedisConnection], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many addresses, one account, all at once while their KDFs would run: only the
    attempts before the first delay get through (each counted as it passes)."""
    monkeypatch.setattr(rate_limits, "_limits", rate_limits.Limits(connect()))
    monkeypatch.setattr(rate_limits, "now", lambda: 2_000.0)
    key = lockout.email_key(f"race-{uuid.uuid4().hex}@example.com")
    passed: list[bool] = []
    start = threading.Barrier(20)

    def attempt() -> None:
        start.wait()
        try:
            lockout.before_attempt(key)
            passed.append(True)
        except TooManyRequests:
            passed.append(False)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passed.count(True) == lockout.DELAY_AFTER


def test_lua_and_python_agree_on_every_wait(connect: Callable[..., RedisConnection]) -> None:
    """The fallback must enforce the same numbers: one random walk, both stores."""
    chooser = random.Random(13)  # noqa: S311 - a fixed, reproducible walk; no secret
    redis_buckets, memory = RedisBuckets(connect()), MemoryBuckets()
    for name, bucket in BUCKETS.items():
        key, at = _key(), 10_000.0
        for _ in range(300):
            at += chooser.choice([0.0, 0.0, 0.3, 1.0, bucket.seconds_per_token, 7.5])
            expected = memory.take(key, bucket, at)
            assert redis_buckets.take(key, bucket, at) == pytest.approx(expected, abs=1e-9), name


def test_lua_and_python_agree_on_account_failures(
    connect: Callable[..., RedisConnection], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [50_000.0]
    monkeypatch.setattr(rate_limits, "now", lambda: clock[0])
    key = lockout.email_key(f"agree-{uuid.uuid4().hex}@example.com")
    outcomes: dict[str, list[tuple[str, int]]] = {}
    for store in ("redis", "memory"):
        limits = rate_limits.Limits(connect() if store == "redis" else None)
        monkeypatch.setattr(rate_limits, "_limits", limits)
        lockout.reset()
        clock[0], walk, seen = 50_000.0, random.Random(31), []  # noqa: S311 - as above
        for _ in range(200):
            clock[0] += walk.choice([0.0, 0.5, 1.0, 3.0, 60.0, 900.0])
            try:
                lockout.before_attempt(key)
            except TooManyRequests as refused:
                seen.append(("wait", refused.retry_after))
                continue
            if walk.random() < 0.97:
                lockout.failed(key)
                seen.append(("failed", 0))
            else:
                lockout.succeeded(key)
                seen.append(("succeeded", 0))
        outcomes[store] = seen
        key = key + "-memory"  # a fresh key for the second store
    assert outcomes["redis"] == outcomes["memory"]
    assert ("wait", lockout.LOCK_SECONDS) in outcomes["redis"]


class Recording(RedisConnection):
    """A connection that records the command names it sends."""

    sent: list[str]

    def call(self, *command: str) -> object:
        self.sent.append(command[0])
        return super().call(*command)


def test_evalsha_falls_back_to_eval_when_redis_lacks_the_script(
    server: redis_server.AclRedis,
) -> None:
    credentials = server.users["account"]
    connection = Recording("127.0.0.1", server.port, tls=False, auth=lambda: credentials)
    connection.sent = []
    # A script this server has never seen: its first EVALSHA meets NOSCRIPT.
    script = Script(f"-- {uuid.uuid4().hex}\nreturn redis.call('EXISTS', KEYS[1])")
    key = _key()
    assert script.run(connection, [key], []) == 0
    assert script.run(connection, [key], []) == 0
    assert connection.sent == ["EVALSHA", "EVAL", "EVALSHA"]
    connection.close()


def test_the_account_user_may_script_only_rate_limit_keys(
    connect: Callable[..., RedisConnection],
) -> None:
    account = connect("account")
    bucket = Bucket(1, 1.0)
    RedisBuckets(account).take(_key(), bucket, 1.0)  # rl:*: allowed
    with pytest.raises(rate_limits.StoreUnreachable, match="NOPERM"):
        RedisBuckets(account).take("session:not-a-limit-key", bucket, 1.0)
    with pytest.raises(RespError, match="NOPERM"):
        account.call("SCRIPT", "FLUSH")  # only script|load of SCRIPT's subcommands


def test_other_services_may_not_run_scripts(connect: Callable[..., RedisConnection]) -> None:
    with pytest.raises(rate_limits.StoreUnreachable, match="NOPERM"):
        RedisBuckets(connect("coaching")).take(_key(), Bucket(1, 1.0), 1.0)
