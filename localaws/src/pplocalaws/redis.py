"""Real ``redis-server`` processes behind the local AWS's Redis replication groups.

Where ``redis-server`` is on PATH, each replication group gets its own server on
127.0.0.1: a free port, no persistence and no TLS (ElastiCache's in-transit encryption is
not emulated; the local gateway tells the workers so). The endpoint the stack exports then
reaches a real Redis. Where it is not on PATH, groups keep moto's made-up endpoint and the
services run with their cache off; that is logged once.

Who may connect is a list of ACL users (:class:`AclUser`): the ``default`` user carries
the group's AUTH token (or no password when the group has none), or, for a group with
ElastiCache RBAC users, each user of its user group becomes an ACL user with its access
string and passwords (``AUTH <username> <password>``). The server starts with them as
``user`` config lines on standard input, never on the command line, where any local user
could read them with ``ps``. Later changes (a new AUTH token, a user's new access string
or passwords, a user group's new members) are applied in place with ``ACL SETUSER`` and
``ACL DELUSER`` over a connection as a local administrator user (``pplocalaws-admin``,
with a random password that never leaves this process), so the data survives them, as on
ElastiCache, where modifying users does not restart the nodes.

A server never outlives the local AWS: it is stopped when its group is deleted, when the
object it is tied to is garbage collected (moto's reset drops every group), and when the
interpreter exits (``weakref.finalize`` runs at exit). It is also left in the local AWS's
process group, so stopping that group, as ``invoke down`` does, takes it along even when
the local AWS dies without cleaning up.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


# The local administrator: how the local AWS itself changes a running server's users.
ADMIN_USER = "pplocalaws-admin"


def _quoted(argument: str) -> str:
    # Redis parses a double-quoted config argument with backslash escapes.
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@dataclass(frozen=True)
class AclUser:
    """One Redis ACL user: its rules (an access string's words) and passwords (or none)."""

    name: str
    rules: tuple[str, ...]
    passwords: tuple[str, ...] = ()

    @classmethod
    def default_with_token(cls, token: str | None) -> AclUser:
        """The ``default`` user of a group without RBAC: everything, behind the AUTH token."""
        return cls("default", ("on", "~*", "&*", "+@all"), (token,) if token else ())

    def setuser_arguments(self) -> tuple[str, ...]:
        """``ACL SETUSER``'s arguments after the name: from scratch, so nothing is left over."""
        credentials = tuple(f">{password}" for password in self.passwords) or ("nopass",)
        return ("reset", *self.rules, *credentials)

    def config_line(self) -> bytes:
        words = (self.name, *self.setuser_arguments())
        return ("user " + " ".join(_quoted(word) for word in words) + "\n").encode()


def _admin(password: str) -> AclUser:
    return AclUser(ADMIN_USER, ("on", "~*", "&*", "+@all"), (password,))


class RedisServer:
    """One running ``redis-server`` on loopback; :meth:`stop` may be called any number of times."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        port: int,
        workdir: Path,
        admin_password: str,
        users: Iterable[AclUser],
    ) -> None:
        self.host = HOST
        self.port = port
        self._process = process
        self._workdir = workdir
        self._admin_password = admin_password
        self._user_names = frozenset(user.name for user in users)
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def call(self, *command: str) -> bytes:
        """Send one command as the local administrator; the reply's first line."""
        address = (self.host, self.port)
        with (
            socket.create_connection(address, timeout=_PROBE_TIMEOUT_SECONDS) as connection,
            connection.makefile("rwb") as stream,
        ):
            stream.write(_command("AUTH", ADMIN_USER, self._admin_password))
            stream.write(_command(*command))
            stream.flush()
            auth_reply = stream.readline()
            if not auth_reply.startswith(b"+OK"):
                # The reply names the failure only; it never echoes the password.
                raise LocalRedisError(f"redis-server on port {self.port} refused AUTH")
            return stream.readline().rstrip(b"\r\n")

    def apply_users(self, users: Sequence[AclUser]) -> None:
        """Make ``users`` the server's ACL users in place (``default`` always among them).

        Each is rebuilt from scratch (``ACL SETUSER name reset ...``); users no longer
        listed are deleted, which disconnects their clients, as Redis does.
        """
        with self._lock:
            for user in users:
                self._expect_ok(
                    f"ACL SETUSER {user.name}", "ACL", "SETUSER", user.name,
                    *user.setuser_arguments(), hidden=user.passwords,
                )  # fmt: skip
            wanted = {user.name for user in users}
            for name in sorted(self._user_names - wanted - {"default", ADMIN_USER}):
                self._expect_ok(f"ACL DELUSER {name}", "ACL", "DELUSER", name, reply=b":1")
            self._user_names = frozenset(wanted)

    def _expect_ok(
        self, what: str, *command: str, reply: bytes = b"+OK", hidden: Sequence[str] = ()
    ) -> None:
        answer = self.call(*command)
        if answer != reply:
            # Redis's error quotes the rule it refused: a password rule must not show.
            for password in hidden:
                answer = answer.replace(password.encode(), b"****")
            raise LocalRedisError(
                f"redis-server on port {self.port} refused {what} (it answered {answer[:160]!r})"
            )

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


def _launch(executable: str, users: Sequence[AclUser]) -> RedisServer:
    port = _free_port()
    # Private (0700) folder: redis-server's working directory and its log.
    workdir = Path(tempfile.mkdtemp(prefix="ppdeploy-redis-"))
    arguments = [
        executable,
        "-",  # read the config (the ACL users and their passwords) from standard input
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
    admin_password = secrets.token_hex(32)
    # A server that exits at once closes its stdin first: the wait below reports its exit.
    with contextlib.suppress(BrokenPipeError), process.stdin:
        for user in (_admin(admin_password), *users):
            process.stdin.write(user.config_line())
    server = RedisServer(process, port, workdir, admin_password, users)
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


def start(users: Sequence[AclUser]) -> RedisServer | None:
    """A running Redis with ``users`` as its ACL users; None when ``redis-server`` is not on PATH.

    ``users`` should include ``default`` (:meth:`AclUser.default_with_token` for a group
    without RBAC); where it does not, Redis's own ``default`` (no password, every command)
    stays.

    Raises :class:`LocalRedisError` when it is installed but does not start. Tie the
    server to what it serves with :meth:`RedisServer.stop_with`.
    """
    executable = shutil.which(EXECUTABLE)
    if executable is None:
        _log_missing_once()
        return None
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            server = _launch(executable, users)
        except LocalRedisError as error:
            if attempt == START_ATTEMPTS or "Address already in use" not in str(error):
                raise
            continue
        log.info(
            "replication group's Redis: redis-server %d on %s:%d", server.pid, HOST, server.port
        )
        return server
    raise AssertionError("unreachable: the last attempt returns or raises")
