"""Per-account progressive delay, then a temporary lockout, after failed sign-ins.

Keys (in the stage's Redis, beside the IP buckets of ``account.rate_limits``):

- ``rl:fail:email:<sha256 hex of the canonical email>`` for logins, known email or not, so
  the limit itself tells nobody whether an account exists;
- ``rl:fail:user:<user id>`` for re-authentication (password change, delete-me).

Each is a hash: ``n`` failures counted, ``last`` the last failure (or counted attempt) in
epoch seconds as decimal text; the key expires ``FORGET_AFTER_SECONDS`` after the last.

The rule, with ``n`` failures so far: from ``n = 3`` each further attempt waits
``2**(n-3)`` s (1, 2, 4 ... capped at 60 s) from the last failure; from ``n = 10`` the
account is locked 15 min from the last failure (each failure after that locks it again).
Both answer 429 with ``Retry-After``. A success clears the key, and so does a completed
password reset (``clear_email``). Failures are forgotten 24 h after the last one.

The use case calls ``before_attempt`` BEFORE the password KDF, so a refused attempt costs
no hash, then ``failed`` or ``succeeded``. ``before_attempt`` counts the attempt as a
failure up front, atomically with its check (one Lua script): attempts that race in
together (many addresses, one account) cannot all pass on the same count while their KDFs
run; ``succeeded`` then clears, and ``failed`` moves the last-failure time to the outcome.
Every sign-in gets the same Redis work shape whether or not the account exists.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading

from account import rate_limits, security_events
from account.rate_limits import Script, StoreUnreachable, run_script
from ppcommon.cache import RespError
from ppcommon.errors import TooManyRequests

log = logging.getLogger("account.lockout")

DELAY_AFTER = 3
LOCK_AFTER = 10
LOCK_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 60
FORGET_AFTER_SECONDS = 24 * 60 * 60

TOO_MANY_FAILURES = (
    "too many failed sign-ins for this account; try again in {seconds} s or reset the password"
)


def email_key(canonical_email: str | None) -> str:
    """The login key of a canonical email; None (an address no account can have) shares
    the key of the empty string, so unusable addresses are limited like unknown ones."""
    digest = hashlib.sha256((canonical_email or "").encode("utf-8")).hexdigest()
    return f"rl:fail:email:{digest}"


def user_key(user_id: str) -> str:
    if not user_id:
        raise ValueError("user id for the re-authentication limit is empty")
    return f"rl:fail:user:{user_id}"


def wait_seconds(failures: int, last_failure: float, at: float) -> float:
    """How long an attempt at ``at`` must still wait (0 = it may go ahead)."""
    if failures >= LOCK_AFTER:
        until = last_failure + LOCK_SECONDS
    elif failures >= DELAY_AFTER:
        until = last_failure + min(2 ** (failures - DELAY_AFTER), MAX_DELAY_SECONDS)
    else:
        return 0.0
    return max(0.0, until - at)


# The same rule as ``wait_seconds``; ARGV: now, DELAY_AFTER, LOCK_AFTER, LOCK_SECONDS,
# MAX_DELAY_SECONDS, FORGET_AFTER_SECONDS. An allowed attempt is counted at once.
ATTEMPT_LUA = """
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'n', 'last')
local n = tonumber(state[1]) or 0
local last = tonumber(state[2]) or 0
if now - last > tonumber(ARGV[6]) then
  n = 0
  last = 0
end
local untl = nil
if n >= tonumber(ARGV[3]) then
  untl = last + tonumber(ARGV[4])
elseif n >= tonumber(ARGV[2]) then
  untl = last + math.min(2 ^ (n - tonumber(ARGV[2])), tonumber(ARGV[5]))
end
if untl ~= nil and untl > now then
  return string.format('%.17g', untl - now)
end
if now > last then last = now end
redis.call('HSET', KEYS[1], 'n', n + 1, 'last', string.format('%.17g', last))
redis.call('EXPIRE', KEYS[1], ARGV[6])
return '0'
"""

# A failure's outcome: the last-failure time moves to now (the attempt was already
# counted); a failure without a counted attempt (the key expired or was cleared meanwhile)
# counts once. Returns the failures so far. ARGV: now, FORGET_AFTER_SECONDS. As in
# ``MemoryFailures``, failures older than FORGET_AFTER_SECONDS by the caller's clock are
# forgotten even while the key lives (its TTL runs on the server's clock).
FAILED_LUA = """
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'n', 'last')
local n = tonumber(state[1])
local last = tonumber(state[2]) or 0
if n == nil or now - last > tonumber(ARGV[2]) then
  n = 1
  last = 0
  redis.call('HSET', KEYS[1], 'n', n)
end
if now > last then last = now end
redis.call('HSET', KEYS[1], 'last', string.format('%.17g', last))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return tostring(n)
"""

_ATTEMPT = Script(ATTEMPT_LUA)
_FAILED = Script(FAILED_LUA)


class MemoryFailures:
    """The same counters in this process (the fallback, and runs without Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float]] = {}

    def attempt(self, key: str, at: float) -> float:
        with self._lock:
            failures, last = self._live(key, at)
            wait = wait_seconds(failures, last, at)
            if wait == 0:
                failures, last = failures + 1, max(last, at)
            self._state[key] = (failures, last)  # re-inserted last: dicts keep order
            if len(self._state) > rate_limits.MEMORY_KEY_LIMIT:
                del self._state[next(iter(self._state))]
            return wait

    def failed(self, key: str, at: float) -> int:
        with self._lock:
            failures, last = self._live(key, at)
            failures = max(failures, 1)
            self._state[key] = (failures, max(last, at))
            return failures

    def clear(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)

    def _live(self, key: str, at: float) -> tuple[int, float]:
        failures, last = self._state.pop(key, (0, 0.0))
        if failures and at - last > FORGET_AFTER_SECONDS:
            return 0, 0.0
        return failures, last


_memory = MemoryFailures()


def _in_redis(script: Script, key: str, at: float, args: list[str]) -> str | None:
    """The script's reply, or None when Redis cannot answer (then memory decides)."""
    active = rate_limits.limits()
    connection = active.fallback.connection
    if connection is None or not active.fallback.use_redis():
        return None
    try:
        return run_script(connection, script, [key], [repr(at), *args])
    except StoreUnreachable as error:
        active.fallback.failed(error)
        return None


def before_attempt(key: str) -> None:
    """Refuse (429) an attempt the account must not make yet; else count it. No KDF yet."""
    at = rate_limits.now()
    reply = _in_redis(
        _ATTEMPT,
        key,
        at,
        [
            str(DELAY_AFTER),
            str(LOCK_AFTER),
            str(LOCK_SECONDS),
            str(MAX_DELAY_SECONDS),
            str(FORGET_AFTER_SECONDS),
        ],
    )
    wait = float(reply) if reply is not None else _memory.attempt(key, at)
    if wait > 0:
        security_events.rate_limited("account")
        raise TooManyRequests(TOO_MANY_FAILURES.format(seconds=math.ceil(wait)), wait)


def failed(key: str) -> None:
    """The attempt's password was wrong (or the account unknown: the same call)."""
    at = rate_limits.now()
    reply = _in_redis(_FAILED, key, at, [str(FORGET_AFTER_SECONDS)])
    failures = int(float(reply)) if reply is not None else _memory.failed(key, at)
    if failures >= LOCK_AFTER:
        security_events.account_locked_out(key)


def succeeded(key: str) -> None:
    """The password was right: the account's failures are forgotten."""
    _memory.clear(key)
    active = rate_limits.limits()
    connection = active.fallback.connection
    if connection is None or not active.fallback.use_redis():
        return
    try:
        connection.call("DEL", key)
    except (OSError, RespError) as error:
        active.fallback.failed(StoreUnreachable(type(error).__name__))


def clear_email(canonical_email: str) -> None:
    """A completed password reset: the account may sign in again at once."""
    succeeded(email_key(canonical_email))


def reset() -> None:
    """Forget the in-process counters (tests)."""
    global _memory  # noqa: PLW0603 - the container's fallback counters
    _memory = MemoryFailures()
