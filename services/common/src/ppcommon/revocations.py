"""The revocation store: signed-out sessions and deleted users end in every service.

Keys in the stage's Redis (values ``"1"``):

- ``rev:jti:<token id>``, expiring with the token (``EX`` = its remaining life);
- ``rev:sid:<session id>``, ``rev:user:<user id>``, ``rev:tenant:<tenant id>``, each
  ``EX 3660`` (the longest access-token life, 3600 s, plus the 60 s ``iat`` skew): by then
  every token issued before the revocation has expired by itself.

A token is revoked when ANY of its jti/sid/sub/tid keys exists; every authenticated
request checks with one ``MGET`` (``check``), and a result is kept in-process for at most
``CHECK_CACHE_SECONDS``, so a revocation takes effect everywhere within one second.

When Redis cannot answer (down, timed out, or refusing the check), a request with a write
method answers 503 ``session_store_unavailable``: a revoked token must never change data.
GET/HEAD/OPTIONS are served unchecked (reads keep working through a Redis outage); that is
logged once per container and counted every time as the EMF metric
``RevocationCheckUnavailable`` in namespace ``PurposePath/<service>``, which an alarm
watches.

Only the account service writes (``revoke_*``): the other services' Redis users may only
read ``rev:*`` (``+get +mget``), so a write from them fails with ``NOPERM``, raised here as
``RevocationStoreError``.

Without ``REDIS_ENDPOINT`` (a developer's in-process tests) the store is an in-memory
dictionary with the same semantics, per process. A deployed function always has
``REDIS_ENDPOINT``: when it runs as a Lambda function (``AWS_LAMBDA_FUNCTION_NAME`` set)
without one, every authenticated request fails (500) rather than skip the check.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from ppcommon.cache import RedisConnection, RespError, redis_auth
from ppcommon.config import ConfigurationError, settings
from ppcommon.errors import ApiError, Unauthorized
from ppcommon.jwt import Claims

REVOCATION_TTL = 3660
CHECK_CACHE_SECONDS = 0.5
# After a failed check, the store is treated as down this long without a new connect, so
# an outage costs each request nothing instead of a connect timeout.
RETRY_AFTER_FAILURE = 1.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
METRIC_NAME = "RevocationCheckUnavailable"
_CACHE_LIMIT = 4096

log = logging.getLogger("ppcommon.revocations")


class SessionStoreUnavailable(ApiError):
    """503: the revocation store cannot answer, so a write request cannot be allowed."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "session_store_unavailable",
            "the session store is unavailable; retry shortly",
        )


class RevocationStoreError(RuntimeError):
    """Redis refused a revocation write (e.g. NOPERM: this service may only read)."""


class StoreUnreachable(Exception):
    """The store did not answer; the message holds the error type, never a credential."""


def revocation_keys(claims: Claims) -> list[str]:
    """The keys whose existence revokes ``claims`` (no sid key for legacy tokens)."""
    keys = [f"rev:jti:{claims.token_id}"]
    if claims.session_id:
        keys.append(f"rev:sid:{claims.session_id}")
    keys += [f"rev:user:{claims.user_id}", f"rev:tenant:{claims.tenant_id}"]
    return keys


class RevocationStore(Protocol):
    def any_exists(self, keys: Sequence[str]) -> bool: ...

    def put(self, entries: Sequence[tuple[str, int]]) -> None: ...

    def close(self) -> None: ...


class RedisRevocationStore:
    """Revocations in Redis over one connection (``ppcommon.cache.RedisConnection``)."""

    def __init__(self, connection: RedisConnection) -> None:
        self._connection = connection

    def any_exists(self, keys: Sequence[str]) -> bool:
        try:
            reply = self._connection.call("MGET", *keys)
        except (OSError, RespError) as error:
            raise StoreUnreachable(type(error).__name__) from None
        if not isinstance(reply, list) or len(reply) != len(keys):
            raise StoreUnreachable("unexpected MGET reply")
        return any(value is not None for value in reply)

    def put(self, entries: Sequence[tuple[str, int]]) -> None:
        commands = [("SET", key, "1", "EX", str(ttl)) for key, ttl in entries]
        try:
            self._connection.pipeline(commands)
        except RespError as error:
            if not error.is_reply:
                raise StoreUnreachable(type(error).__name__) from None
            # The reply names the command and ACL rule, never a credential.
            raise RevocationStoreError(f"Redis refused the revocation: {error}") from None
        except OSError as error:
            raise StoreUnreachable(type(error).__name__) from None

    def close(self) -> None:
        self._connection.close()


class MemoryRevocationStore:
    """The same semantics in this process's memory (tests and runs without Redis)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def any_exists(self, keys: Sequence[str]) -> bool:
        now = self._clock()
        with self._lock:
            return any(self._expiry.get(key, 0.0) > now for key in keys)

    def put(self, entries: Sequence[tuple[str, int]]) -> None:
        now = self._clock()
        with self._lock:
            for key, ttl in entries:
                self._expiry[key] = now + ttl

    def close(self) -> None:
        return None


class RevocationChecker:
    """The per-container check: store, short cache, failure rule."""

    def __init__(
        self,
        store: RevocationStore,
        *,
        service: str = "",
        clock: Callable[[], float] = time.monotonic,
        emit: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self._service = service or os.environ.get("POWERTOOLS_SERVICE_NAME", "") or "unknown"
        self._clock = clock
        self._emit = emit or _print_line
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, ...], tuple[float, bool]] = {}
        self._down_until = 0.0
        self._unavailable_logged = False

    def check(self, claims: Claims, *, method: str) -> None:
        """Unauthorized if revoked; 503 for a write when the store cannot answer."""
        keys = tuple(revocation_keys(claims))
        now = self._clock()
        with self._lock:
            cached = self._recent.get(keys)
        if cached is not None and cached[0] > now:
            revoked = cached[1]
        else:
            try:
                revoked = self._ask(keys, now)
            except StoreUnreachable as error:
                self._unavailable(method, str(error))
                return
            with self._lock:
                if len(self._recent) >= _CACHE_LIMIT:
                    self._recent = {k: v for k, v in self._recent.items() if v[0] > now}
                    if len(self._recent) >= _CACHE_LIMIT:
                        self._recent.clear()
                self._recent[keys] = (now + CHECK_CACHE_SECONDS, revoked)
        if revoked:
            raise Unauthorized("access token has been revoked")

    def forget_recent(self) -> None:
        """Drop cached results (after this container wrote a revocation)."""
        with self._lock:
            self._recent.clear()

    def _ask(self, keys: tuple[str, ...], now: float) -> bool:
        if now < self._down_until:
            raise StoreUnreachable("paused after a failure")
        try:
            return self.store.any_exists(keys)
        except StoreUnreachable:
            self._down_until = now + RETRY_AFTER_FAILURE
            raise

    def _unavailable(self, method: str, reason: str) -> None:
        if method.upper() not in SAFE_METHODS:
            raise SessionStoreUnavailable
        self._emit(_metric_line(f"PurposePath/{self._service}", METRIC_NAME))
        if not self._unavailable_logged:
            self._unavailable_logged = True
            log.error(
                "revocation store unavailable (%s): serving reads unchecked, refusing "
                "writes with 503; metric %s counts each unchecked read",
                reason,
                METRIC_NAME,
            )


def _metric_line(namespace: str, name: str) -> str:
    # CloudWatch embedded metric format (AWS docs, "Specification: Embedded metric
    # format"): one JSON log line; an empty dimension set publishes the metric without
    # dimensions, so the alarm names only namespace and metric.
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [[]],
                        "Metrics": [{"Name": name, "Unit": "Count"}],
                    }
                ],
            },
            name: 1,
        },
        separators=(",", ":"),
    )


def _print_line(line: str) -> None:
    # Lambda sends stdout to CloudWatch Logs, where EMF lines become metrics.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


_lock = threading.Lock()
_checker: RevocationChecker | None = None


def _default_store() -> RevocationStore:
    config = settings()
    if config.redis_endpoint:
        connection = RedisConnection(
            config.redis_endpoint, config.redis_port, tls=config.redis_tls, auth=redis_auth
        )
        return RedisRevocationStore(connection)
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        raise ConfigurationError(
            "revocation store is not configured: environment variable REDIS_ENDPOINT is "
            "unset in a Lambda function; set it from the shared stack's Redis export"
        )
    log.warning("REDIS_ENDPOINT is unset: revocations are kept in this process's memory")
    return MemoryRevocationStore()


def checker() -> RevocationChecker:
    """The container's checker (created on first use)."""
    global _checker  # noqa: PLW0603 - one connection and cache per container
    with _lock:
        if _checker is None:
            _checker = RevocationChecker(_default_store())
        return _checker


def check(claims: Claims, *, method: str) -> None:
    """Raise ``Unauthorized`` if ``claims`` are revoked; see the module doc for failures."""
    checker().check(claims, method=method)


def _write(entries: Sequence[tuple[str, int]]) -> None:
    if not entries:
        return
    active = checker()
    try:
        active.store.put(entries)
    except StoreUnreachable as error:
        log.error("revocation store unavailable for a write (%s)", error)
        raise SessionStoreUnavailable from None
    active.forget_recent()


def _id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} to revoke is empty; pass the verified value")
    return value


def revoke_token(token_id: str, expires_at: int, *, now: float | None = None) -> None:
    """Revoke one access token until it expires (nothing to do once it has)."""
    remaining = int(expires_at - (time.time() if now is None else now))
    if remaining > 0:
        _write([(f"rev:jti:{_id(token_id, 'token id')}", remaining)])


def revoke_access(claims: Claims, *, now: float | None = None) -> None:
    """Logout: the caller's token and its whole session, in one round trip."""
    entries: list[tuple[str, int]] = []
    remaining = int(claims.expires_at - (time.time() if now is None else now))
    if remaining > 0:
        entries.append((f"rev:jti:{_id(claims.token_id, 'token id')}", remaining))
    if claims.session_id:
        entries.append((f"rev:sid:{claims.session_id}", REVOCATION_TTL))
    _write(entries)


def revoke_sessions(session_ids: Iterable[str]) -> None:
    """Every token of these sessions (logout everywhere, password change)."""
    _write([(f"rev:sid:{_id(sid, 'session id')}", REVOCATION_TTL) for sid in session_ids])


def revoke_user(user_id: str) -> None:
    """Every token of this user (account deletion)."""
    _write([(f"rev:user:{_id(user_id, 'user id')}", REVOCATION_TTL)])


def revoke_tenant(tenant_id: str) -> None:
    """Every token in this tenant (the tenant was deleted)."""
    _write([(f"rev:tenant:{_id(tenant_id, 'tenant id')}", REVOCATION_TTL)])


def reset() -> None:
    """Close and forget the container's store and cache (tests)."""
    global _checker  # noqa: PLW0603 - see checker
    with _lock:
        if _checker is not None:
            _checker.store.close()
        _checker = None
