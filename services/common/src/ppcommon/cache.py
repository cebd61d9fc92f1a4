"""Redis for the services: a tiny RESP client over TLS, the cache on it, and AUTH.

``RedisConnection`` is one connection that raises on every failure (the revocation store
builds on it: there, a failure must be seen). ``RedisCache`` turns every failure into a
miss or a no-op: the cache only saves reads, every value in it is also in DynamoDB, and a
stage may run without Redis (the local AWS without redis-server, or an outage), so the
services must answer without it. The first failure is logged once, and the connection is
not retried for ``RETRY_AFTER`` seconds so a dead endpoint costs one short connect
timeout, not one per call. ``redis_auth`` reads the service's own ACL user (Redis 6
``AUTH <username> <password>``), or the legacy AUTH token. Plain sockets and ``ssl`` keep
the artifact free of a redis package.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from ppcommon.config import settings
from ppcommon.secrets import SecretError, read_json_secret

CONNECT_TIMEOUT = 0.2
IO_TIMEOUT = 0.25
RETRY_AFTER = 30.0

log = logging.getLogger("ppcommon.cache")


class Stream(Protocol):
    """The buffered socket file the client reads and writes."""

    def readline(self) -> bytes: ...
    def read(self, size: int, /) -> bytes: ...
    def write(self, data: bytes, /) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


class RespError(Exception):
    """Redis answered with an error reply (``is_reply``) or broke the protocol."""

    def __init__(self, message: str, *, is_reply: bool = False) -> None:
        super().__init__(message)
        self.is_reply = is_reply


def encode_command(*parts: str | bytes) -> bytes:
    """A RESP array of bulk strings: the only request form Redis needs."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def read_reply(stream: Stream) -> bytes | int | list[object] | None:
    """One RESP reply: simple string or bulk -> bytes, integer -> int, nil -> None."""
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise RespError("connection closed mid-reply")
    kind, payload = line[:1], line[1:-2]
    if kind == b"+":
        return payload
    if kind == b"-":
        raise RespError(payload.decode("utf-8", "replace"), is_reply=True)
    if kind == b":":
        return int(payload)
    if kind == b"$":
        length = int(payload)
        if length < 0:
            return None
        data = stream.read(length + 2)
        if len(data) != length + 2:
            raise RespError("connection closed mid-reply")
        return data[:-2]
    if kind == b"*":
        count = int(payload)
        return None if count < 0 else [read_reply(stream) for _ in range(count)]
    raise RespError(f"unexpected reply type {kind!r}")


class RedisConnection:
    """One connection to one Redis endpoint that raises on every failure.

    A failed call drops the connection; the next call opens a new one. Callers decide what
    a failure means: the cache turns it into a miss, the revocation store into a 503.
    ``auth`` gives the AUTH arguments (``(username, password)`` for an ACL user, ``(token,)``
    for the legacy token form, None for no AUTH), read when a connection opens.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool = True,
        auth: Callable[[], Sequence[str] | None] = lambda: None,
    ) -> None:
        self.address = (host, port)
        self._tls = tls
        self._auth = auth
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stream: Stream | None = None

    def call(self, *command: str) -> object:
        return self.pipeline([command])[0]

    def pipeline(self, commands: Sequence[Sequence[str]]) -> list[object]:
        """Send every command, then read every reply: one round trip for all of them.

        An error reply raises ``RespError`` once all replies are read, so the connection
        stays in step; any other failure drops it.
        """
        with self._lock:
            try:
                stream = self._stream or self._connect()
                stream.write(b"".join(encode_command(*command) for command in commands))
                stream.flush()
                replies: list[object] = []
                first_error: RespError | None = None
                for _ in commands:
                    try:
                        replies.append(read_reply(stream))
                    except RespError as error:
                        if not error.is_reply:
                            raise
                        first_error = first_error or error
                        replies.append(None)
            except BaseException:
                self._drop()
                raise
            if first_error is not None:
                raise first_error
            return replies

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _connect(self) -> Stream:
        sock = socket.create_connection(self.address, timeout=CONNECT_TIMEOUT)
        try:
            if self._tls:
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=self.address[0])
            sock.settimeout(IO_TIMEOUT)
            stream: Stream = sock.makefile("rwb")
            credentials = self._auth()
            if credentials:
                stream.write(encode_command("AUTH", *credentials))
                stream.flush()
                read_reply(stream)
        except BaseException:
            sock.close()
            raise
        self._sock, self._stream = sock, stream
        return stream

    def _drop(self) -> None:
        for closable in (self._stream, self._sock):
            if closable is not None:
                # Already broken or half open: closing is best effort.
                with contextlib.suppress(OSError):
                    closable.close()
        self._sock = self._stream = None


class RedisCache:
    """The cache over one connection: every failure is a miss, then a pause."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool = True,
        auth_token: Callable[[], str | None] = lambda: None,
        auth: Callable[[], Sequence[str] | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        def token_auth() -> Sequence[str] | None:
            token = auth_token()
            return (token,) if token else None

        self._connection = RedisConnection(host, port, tls=tls, auth=auth or token_auth)
        self._clock = clock
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._failure_logged = False

    def get(self, key: str) -> str | None:
        reply = self._call("GET", key)
        return reply.decode("utf-8") if isinstance(reply, bytes) else None

    def set(self, key: str, value: str, ttl: int) -> None:
        if ttl <= 0:
            raise ValueError(f"cache ttl must be positive seconds, got {ttl}")
        self._call("SET", key, value, "EX", str(ttl))

    def delete(self, key: str) -> None:
        self._call("DEL", key)

    def close(self) -> None:
        self._connection.close()

    def _call(self, *command: str) -> object:
        with self._lock:
            if self._clock() < self._down_until:
                return None
            try:
                return self._connection.call(*command)
            except Exception as error:  # a cache must never fail the request it serves
                self._fail(error)
                return None

    def _fail(self, error: Exception) -> None:
        self._connection.close()
        self._down_until = self._clock() + RETRY_AFTER
        if not self._failure_logged:
            self._failure_logged = True
            host, port = self._connection.address
            # The error type and endpoint only: a RESP error could echo the AUTH token.
            log.warning(
                "cache unavailable at %s:%d (%s); serving without it, retrying every %.0f s",
                host,
                port,
                type(error).__name__,
                RETRY_AFTER,
            )


class _NoCache:
    def get(self, key: str) -> str | None:
        return None

    def set(self, key: str, value: str, ttl: int) -> None:
        return None

    def delete(self, key: str) -> None:
        return None

    def close(self) -> None:
        return None


_default: RedisCache | _NoCache | None = None


def redis_auth() -> tuple[str, ...] | None:
    """The AUTH arguments of this service's Redis user, read from Secrets Manager.

    ``REDIS_USER_SECRET_ARN`` (``{"username", "password"}``) gives the Redis 6 ACL form
    ``AUTH <username> <password>``; only when it is unset, the legacy
    ``REDIS_AUTH_SECRET_ARN`` (``{"token"}``) gives ``AUTH <token>``; neither: no AUTH.
    """
    config = settings()
    if config.redis_user_secret_arn:
        arn = config.redis_user_secret_arn
        document = read_json_secret(arn, purpose="Redis user")
        username, password = document.get("username"), document.get("password")
        if not (isinstance(username, str) and username and isinstance(password, str)):
            raise SecretError(
                f'Redis user secret {arn} must hold {{"username": ..., "password": ...}} '
                "strings; rewrite it from the shared stack"
            )
        if not password:
            raise SecretError(f"Redis user secret {arn} has an empty password")
        return (username, password)
    if config.redis_auth_secret_arn:
        arn = config.redis_auth_secret_arn
        token = read_json_secret(arn, purpose="Redis auth").get("token")
        if not isinstance(token, str) or not token:
            raise SecretError(f'Redis auth secret {arn} lacks the "token" string key')
        return (token,)
    return None


def default_cache() -> RedisCache | _NoCache:
    """The container's cache: Redis when ``REDIS_ENDPOINT`` is set, else a no-op."""
    global _default  # noqa: PLW0603 - one connection per container
    if _default is None:
        config = settings()
        if config.redis_endpoint:
            _default = RedisCache(
                config.redis_endpoint,
                config.redis_port,
                tls=config.redis_tls,
                auth=redis_auth,
            )
        else:
            _default = _NoCache()
    return _default


def get(key: str) -> str | None:
    return default_cache().get(key)


def set(
    key: str, value: str, ttl: int
) -> None:  # the shared API's name; shadows the builtin only here
    default_cache().set(key, value, ttl)


def delete(key: str) -> None:
    default_cache().delete(key)


def reset() -> None:
    """Close and forget the container's cache (tests, or new settings)."""
    global _default  # noqa: PLW0603 - see default_cache
    if _default is not None:
        _default.close()
    _default = None
