"""Real ``redis-server`` processes behind the local AWS's Redis replication groups.

Where ``redis-server`` is on PATH, each replication group gets its own server on
127.0.0.1: a free port, ``requirepass`` set to the group's AUTH token, no persistence and
no TLS (ElastiCache's in-transit encryption is not emulated; the local gateway tells the
workers so). The endpoint the stack exports then reaches a real Redis. Where it is not on
PATH, groups keep moto's made-up endpoint and the services run with their cache off; that
is logged once.

A server never outlives the local AWS: it is stopped when its group is deleted, when the
object it is tied to is garbage collected (moto's reset drops every group), and when the
interpreter exits (``weakref.finalize`` runs at exit). It is also left in the local AWS's
process group, so stopping that group, as ``invoke down`` does, takes it along even when
the local AWS dies without cleaning up.

The AUTH token is given on standard input as a config line, never on the command line,
where any local user could read it with ``ps``.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path

from pplocalaws.extensions.failures import LocalFailure

log = logging.getLogger(__name__)

EXECUTABLE = "redis-server"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0
# A free port is found by binding port 0, then handed to redis-server: another program can
# take it in between, so a start that loses that race is retried on a new port.
START_ATTEMPTS = 3
_PROBE_TIMEOUT_SECONDS = 0.5

_FIX = (
    "check the install with `redis-server --version`, or take redis-server off PATH to "
    "run the services with their cache off"
)
_missing_lock = threading.Lock()
_missing_was_logged = False


class LocalRedisError(LocalFailure):
    """A replication group's redis-server did not start or refused a change; says why."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _command(*parts: str) -> bytes:
    """One Redis command in RESP: an array of bulk strings."""
    encoded = [part.encode("utf-8") for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


def _config_line(password: str) -> bytes:
    # Redis parses a double-quoted config argument with backslash escapes; an AUTH token
    # never holds '"' (ElastiCache forbids it), so escaping the backslash is enough.
    escaped = password.replace("\\", "\\\\")
    return f'requirepass "{escaped}"\n'.encode()


class RedisServer:
    """One running ``redis-server`` on loopback; :meth:`stop` may be called any number of times."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, workdir: Path, password: str | None
    ) -> None:
        self.host = HOST
        self.port = port
        self._process = process
        self._workdir = workdir
        self._password = password
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def call(self, *command: str) -> bytes:
        """Send one command (after AUTH when a password is set); the reply's first line."""
        address = (self.host, self.port)
        with (
            socket.create_connection(address, timeout=_PROBE_TIMEOUT_SECONDS) as connection,
            connection.makefile("rwb") as stream,
        ):
            if self._password:
                stream.write(_command("AUTH", self._password))
            stream.write(_command(*command))
            stream.flush()
            if self._password:
                auth_reply = stream.readline()
                if not auth_reply.startswith(b"+OK"):
                    # The reply names the failure only; it never echoes the token.
                    raise LocalRedisError(f"redis-server on port {self.port} refused AUTH")
            return stream.readline().rstrip(b"\r\n")

    def require_password(self, password: str | None) -> None:
        """Change the AUTH token in place, as ModifyReplicationGroup's AuthToken does."""
        with self._lock:
            reply = self.call("CONFIG", "SET", "requirepass", password or "")
            if reply != b"+OK":
                raise LocalRedisError(
                    f"redis-server on port {self.port} did not take the new AUTH token "
                    f"(it answered {reply[:80]!r})"
                )
            self._password = password

    def stop_with(self, owner: object) -> None:
        """Stop this server when ``owner`` is garbage collected, or at interpreter exit."""
        weakref.finalize(owner, self.stop)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers) and remove its folder."""
        with self._lock:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            shutil.rmtree(self._workdir, ignore_errors=True)

    def _log_tail(self, lines: int = 10) -> str:
        try:
            text = (self._workdir / "redis.log").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if not self.running:
                raise LocalRedisError(
                    f"redis-server exited during start-up (code {self._process.returncode}); "
                    f"its log: {self._log_tail()}; {_FIX}"
                )
            with contextlib.suppress(OSError):
                if self.call("PING") == b"+PONG":
                    return
            time.sleep(0.02)
        raise LocalRedisError(
            f"redis-server did not answer on {self.host}:{self.port} within "
            f"{START_TIMEOUT_SECONDS:.0f} s; its log: {self._log_tail()}; {_FIX}"
        )


def _launch(executable: str, password: str | None) -> RedisServer:
    port = _free_port()
    # Private (0700) folder: redis-server's working directory and its log.
    workdir = Path(tempfile.mkdtemp(prefix="ppdeploy-redis-"))
    arguments = [
        executable,
        "-",  # read the config (the AUTH token) from standard input
        "--bind", HOST,
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--dir", str(workdir),
        "--logfile", str(workdir / "redis.log"),
        "--loglevel", "warning",
    ]  # fmt: skip
    try:
        process = subprocess.Popen(  # noqa: S603 - redis-server found on PATH, no shell
            arguments,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as error:
        shutil.rmtree(workdir, ignore_errors=True)
        raise LocalRedisError(f"cannot run {executable}: {error}; {_FIX}") from error
    assert process.stdin is not None  # noqa: S101 - stdin=PIPE always gives a stream
    # A server that exits at once closes its stdin first: the wait below reports its exit.
    with contextlib.suppress(BrokenPipeError), process.stdin:
        if password:
            process.stdin.write(_config_line(password))
    server = RedisServer(process, port, workdir, password)
    try:
        server._wait_until_ready()
    except BaseException:
        server.stop()
        raise
    return server


def _log_missing_once() -> None:
    global _missing_was_logged  # noqa: PLW0603 - one warning per process, whoever asks first
    with _missing_lock:
        if _missing_was_logged:
            return
        _missing_was_logged = True
    log.warning(
        "%s is not on PATH: Redis replication groups get a made-up endpoint and the "
        "services run with their cache off (install redis-server to run a real one)",
        EXECUTABLE,
    )


def start(password: str | None) -> RedisServer | None:
    """A running Redis requiring ``password``; None when ``redis-server`` is not on PATH.

    Raises :class:`LocalRedisError` when it is installed but does not start. Tie the
    server to what it serves with :meth:`RedisServer.stop_with`.
    """
    executable = shutil.which(EXECUTABLE)
    if executable is None:
        _log_missing_once()
        return None
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            server = _launch(executable, password)
        except LocalRedisError as error:
            if attempt == START_ATTEMPTS or "Address already in use" not in str(error):
                raise
            continue
        log.info(
            "replication group's Redis: redis-server %d on %s:%d", server.pid, HOST, server.port
        )
        return server
    raise AssertionError("unreachable: the last attempt returns or raises")
