"""An optional Redis cache: a tiny RESP client over TLS, or a no-op when Redis is away.

The cache only saves reads: every value in it is also in DynamoDB, and a stage may run
without Redis (the local AWS without redis-server, or an outage), so the services must
answer without it. Every failure here therefore turns into a miss or a no-op: the first
failure is logged once, and the connection is not retried for ``RETRY_AFTER`` seconds so
a dead endpoint costs one short connect timeout, not one per call. Plain sockets and
``ssl`` keep the artifact free of a redis package.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
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
    """Redis answered with an error reply or broke the protocol."""


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
        raise RespError(payload.decode("utf-8", "replace"))
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


class RedisCache:
    """A single connection to one Redis endpoint, reopened after failures."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool = True,
        auth_token: Callable[[], str | None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._address = (host, port)
        self._tls = tls
        self._auth_token = auth_token
        self._clock = clock
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stream: Stream | None = None
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
        with self._lock:
            self._drop()

    def _call(self, *command: str) -> object:
        with self._lock:
            if self._clock() < self._down_until:
                return None
            try:
                stream = self._stream or self._connect()
                return self._roundtrip(stream, command)
            except Exception as error:  # a cache must never fail the request it serves
                self._fail(error)
                return None

    def _connect(self) -> Stream:
        sock = socket.create_connection(self._address, timeout=CONNECT_TIMEOUT)
        try:
            if self._tls:
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=self._address[0])
            sock.settimeout(IO_TIMEOUT)
            stream: Stream = sock.makefile("rwb")
            token = self._auth_token()
            if token:
                self._roundtrip(stream, ("AUTH", token))
        except BaseException:
            sock.close()
            raise
        self._sock, self._stream = sock, stream
        return stream

    @staticmethod
    def _roundtrip(stream: Stream, command: tuple[str, ...]) -> object:
        stream.write(encode_command(*command))
        stream.flush()
        return read_reply(stream)

    def _fail(self, error: Exception) -> None:
        self._drop()
        self._down_until = self._clock() + RETRY_AFTER
        if not self._failure_logged:
            self._failure_logged = True
            host, port = self._address
            # The error type and endpoint only: a RESP error could echo the AUTH token.
            log.warning(
                "cache unavailable at %s:%d (%s); serving without it, retrying every %.0f s",
                host,
                port,
                type(error).__name__,
                RETRY_AFTER,
            )

    def _drop(self) -> None:
        for closable in (self._stream, self._sock):
            if closable is not None:
                # Already broken or half open: closing is best effort.
                with contextlib.suppress(OSError):
                    closable.close()
        self._sock = self._stream = None


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


def _redis_token() -> str | None:
    arn = settings().redis_auth_secret_arn
    if not arn:
        return None
    token = read_json_secret(arn, purpose="Redis auth").get("token")
    if not isinstance(token, str) or not token:
        raise SecretError(f'Redis auth secret {arn} lacks the "token" string key')
    return token


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
                auth_token=_redis_token,
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
