"""Per-source-IP token buckets on the auth routes, and the store the account limits share.

Each limited route calls ``check(router, "<bucket>")`` first: one token is taken from the
bucket of the request's source IP (``requestContext.http.sourceIp``, set by API Gateway
from the TCP peer, so a client cannot choose it); an empty bucket answers 429 with
``Retry-After`` (when the next token arrives). The buckets (burst, then one token per N s):

    login 20 / 3 s, register 5 / 60 s, password-reset 5 / 60 s (asking for a reset link:
    each sends mail), email-link 20 / 3 s (following an emailed link: verify-email, the
    reset link's check and confirm; a link's token is 256 random bits, so this bucket only
    bounds floods), refresh 60 / 1 s

State lives in the stage's Redis, ``rl:ip:<bucket>:<ip>`` (a hash: ``t`` tokens left and
``u`` updated-at in epoch seconds, both as decimal text; the .NET port keeps the same),
changed by one Lua script so take-a-token is atomic across every container (EVALSHA; on
``NOSCRIPT``, after a Redis restart or failover, EVAL, which also caches it again). The
key expires once the bucket would be full again, so idle addresses cost no memory.

Time is passed in by the caller (``now()``, epoch seconds), not read with Redis ``TIME``:
tests move one clock for Redis and the in-process fallback alike, and the account's ACL
user needs only ``+evalsha +eval +script|load`` (a script calling ``TIME`` would also need
``+time``). Lambda hosts keep their clocks synchronised (Amazon Time Sync); a container
whose clock lags only sees no refill (elapsed time is never negative), so a skew can delay
a token, never grant one early beyond the skew itself.

When Redis cannot answer (down, timed out, or refusing the script), the limits are kept
in this execution environment's memory with the same numbers: logged once, counted each
time as the EMF metric ``RateLimitStoreUnavailable``, and Redis is not retried for
``RETRY_AFTER_FAILURE`` seconds so an outage costs no connect timeout per request.
Without ``REDIS_ENDPOINT`` (in-process tests, benches) memory is the store.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from account import security_events
from ppcommon.cache import RedisConnection, RespError, redis_auth
from ppcommon.config import settings
from ppcommon.errors import TooManyRequests

log = logging.getLogger("account.rate_limits")

RETRY_AFTER_FAILURE = 5.0
# The in-process fallback forgets the oldest keys beyond this many (a flood of addresses
# must not grow a container's memory without bound).
MEMORY_KEY_LIMIT = 50_000


@dataclass(frozen=True)
class Bucket:
    burst: int
    seconds_per_token: float

    @property
    def ttl(self) -> int:
        """Seconds after which an untouched bucket is full again (its key can go)."""
        return math.ceil(self.burst * self.seconds_per_token) + 1


BUCKETS: dict[str, Bucket] = {
    "login": Bucket(20, 3.0),
    "register": Bucket(5, 60.0),
    "password-reset": Bucket(5, 60.0),
    "email-link": Bucket(20, 3.0),
    "refresh": Bucket(60, 1.0),
}

TOO_MANY = "too many requests from this address; try again in {seconds} s"


def now() -> float:
    """Epoch seconds for every limit (tests replace it to move time)."""
    return time.time()


def bucket_key(bucket: str, source_ip: str) -> str:
    return f"rl:ip:{bucket}:{source_ip}"


# --- the shared arithmetic (Python for the fallback; the Lua below does the same) --------


def take_token(
    tokens: float | None, updated: float | None, bucket: Bucket, at: float
) -> tuple[float, float, float]:
    """(tokens left, updated-at, wait in seconds; 0 = a token was taken)."""
    if tokens is None or updated is None:
        tokens, updated = float(bucket.burst), at
    elapsed = max(0.0, at - updated)
    tokens = min(float(bucket.burst), tokens + elapsed / bucket.seconds_per_token)
    updated = max(updated, at)
    if tokens >= 1.0:
        return tokens - 1.0, updated, 0.0
    return tokens, updated, (1.0 - tokens) * bucket.seconds_per_token


BUCKET_LUA = """
-- KEYS[1] rl:ip:<bucket>:<ip>; ARGV burst, seconds per token, now, ttl. Returns the wait
-- in seconds as a string (Lua numbers become integers in a Redis reply); "0" = taken.
local burst = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
local elapsed = now - updated
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed / per)
if now > updated then updated = now end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) * per
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens),
           'u', string.format('%.17g', updated))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return string.format('%.17g', wait)
"""


# --- stores ---------------------------------------------------------------------------------


class StoreUnreachable(Exception):
    """Redis did not answer or refused; the message names the error type, no credential."""


class Script:
    """A Lua script run by SHA-1 (EVALSHA), sent whole (EVAL) when Redis lacks it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    def run(self, connection: RedisConnection, keys: Sequence[str], args: Sequence[str]) -> object:
        tail = [str(len(keys)), *keys, *args]
        try:
            try:
                return connection.call("EVALSHA", self.sha, *tail)
            except RespError as error:
                if not (error.is_reply and str(error).startswith("NOSCRIPT")):
                    raise
                return connection.call("EVAL", self.source, *tail)
        except RespError as error:
            # A reply's first word is its code (NOPERM, WRONGPASS, ...): never a secret.
            code = str(error).split(" ", 1)[0] if error.is_reply else type(error).__name__
            raise StoreUnreachable(code) from None
        except OSError as error:
            raise StoreUnreachable(type(error).__name__) from None


def run_script(
    connection: RedisConnection, script: Script, keys: Sequence[str], args: Sequence[str]
) -> str:
    """The script's reply: a number as text (every script here answers one)."""
    reply = script.run(connection, keys, args)
    try:
        text = reply.decode("ascii") if isinstance(reply, bytes) else ""
        float(text)
    except ValueError:
        text = ""
    if not text:
        raise StoreUnreachable(f"unexpected script reply {type(reply).__name__}")
    return text


class RedisBuckets:
    def __init__(self, connection: RedisConnection) -> None:
        self._connection = connection
        self._script = Script(BUCKET_LUA)

    def take(self, key: str, bucket: Bucket, at: float) -> float:
        args = [str(bucket.burst), repr(bucket.seconds_per_token), repr(at), str(bucket.ttl)]
        return float(run_script(self._connection, self._script, [key], args))


class MemoryBuckets:
    """The same buckets in this process (the fallback, and runs without Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, bucket: Bucket, at: float) -> float:
        with self._lock:
            tokens, updated = self._state.pop(key, (None, None))
            tokens, updated, wait = take_token(tokens, updated, bucket, at)
            self._state[key] = (tokens, updated)  # re-inserted last: dicts keep order
            if len(self._state) > MEMORY_KEY_LIMIT:
                del self._state[next(iter(self._state))]
            return wait


class Fallback:
    """Redis when it answers, this environment's memory when not (see the module doc)."""

    def __init__(self, connection: RedisConnection | None) -> None:
        self.connection = connection
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._logged = False

    def use_redis(self) -> bool:
        if self.connection is None:
            return False
        with self._lock:
            down = time.monotonic() < self._down_until
        if down:
            security_events.rate_limit_store_unavailable()
        return not down

    def failed(self, error: StoreUnreachable) -> None:
        if self.connection is not None:
            self.connection.close()
        with self._lock:
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE
            first = not self._logged
            self._logged = True
        security_events.rate_limit_store_unavailable()
        if first:
            log.error(
                "rate-limit store unavailable (%s): limits are kept in this execution "
                "environment's memory (same numbers); Redis is retried every %.0f s; "
                "metric RateLimitStoreUnavailable counts each limit decided so",
                error,
                RETRY_AFTER_FAILURE,
            )


class Limits:
    """One container's limit state: the Redis connection, the fallbacks in memory."""

    def __init__(self, connection: RedisConnection | None) -> None:
        self.fallback = Fallback(connection)
        self.redis_buckets = RedisBuckets(connection) if connection is not None else None
        self.memory_buckets = MemoryBuckets()

    def take(self, key: str, bucket: Bucket, at: float) -> float:
        if self.redis_buckets is not None and self.fallback.use_redis():
            try:
                return self.redis_buckets.take(key, bucket, at)
            except StoreUnreachable as error:
                self.fallback.failed(error)
        return self.memory_buckets.take(key, bucket, at)


_lock = threading.Lock()
_limits: Limits | None = None


def limits() -> Limits:
    """The container's limits (created on first use)."""
    global _limits  # noqa: PLW0603 - one connection and one fallback per container
    with _lock:
        if _limits is None:
            config = settings()
            connection = None
            if config.redis_endpoint:
                connection = RedisConnection(
                    config.redis_endpoint,
                    config.redis_port,
                    tls=config.redis_tls,
                    auth=redis_auth,
                )
            else:
                log.warning("REDIS_ENDPOINT is unset: rate limits are kept in this process")
            _limits = Limits(connection)
        return _limits


def reset() -> None:
    """Close and forget the container's limits (tests, or new settings)."""
    global _limits  # noqa: PLW0603 - see limits
    with _lock:
        if _limits is not None and _limits.fallback.connection is not None:
            _limits.fallback.connection.close()
        _limits = None


def source_ip(router: APIGatewayHttpRouter) -> str:
    """The caller's address as API Gateway saw it (never a client-supplied header)."""
    ip = router.current_event.request_context.http.source_ip
    return ip or "unknown"


def take(bucket: str, ip: str) -> None:
    """Take one token of ``bucket`` for ``ip``; 429 with Retry-After when it is empty."""
    try:
        shape = BUCKETS[bucket]
    except KeyError:
        raise ValueError(
            f"rate-limit bucket {bucket!r} is not defined; use one of {', '.join(BUCKETS)}"
        ) from None
    wait = limits().take(bucket_key(bucket, ip), shape, now())
    if wait > 0:
        security_events.rate_limited(bucket)
        raise TooManyRequests(TOO_MANY.format(seconds=math.ceil(wait)), wait)


def check(router: APIGatewayHttpRouter, bucket: str) -> None:
    """The first call of a limited route: one token of ``bucket`` for the caller's IP."""
    take(bucket, source_ip(router))
