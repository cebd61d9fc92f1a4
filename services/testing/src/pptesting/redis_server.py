"""A throwaway real ``redis-server`` for tests, with the ACL users of the revocation store.

Tests of the revocation store need real Redis semantics (ACLs, ``EX``, ``MGET``) that a
fake would only imitate. The server listens on 127.0.0.1 on a free port, keeps nothing on
disk, and takes its configuration (passwords included) on standard input, never on the
command line where ``ps`` shows it. ``default`` is disabled, as on the stages.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

from ppcommon.cache import encode_command, read_reply

START_TIMEOUT = 10.0
MISSING = "redis-server is not installed (apt-get install redis-server; .ci/run installs it)"


@dataclass(frozen=True)
class RedisUser:
    username: str
    password: str


@dataclass(frozen=True)
class RedisServer:
    port: int
    admin: RedisUser
    users: dict[str, RedisUser]

    def command(self, *parts: str, user: RedisUser | None = None) -> object:
        """One command as ``user`` (the admin by default); a Redis error raises."""
        who = user or self.admin
        with (
            socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock,
            sock.makefile("rwb") as stream,
        ):
            stream.write(encode_command("AUTH", who.username, who.password))
            stream.write(encode_command(*parts))
            stream.flush()
            read_reply(stream)
            return read_reply(stream)


def available() -> bool:
    return shutil.which("redis-server") is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def running(acl: dict[str, str]) -> Iterator[RedisServer]:
    """A server with one user per ``acl`` entry (name -> rules such as ``~rev:* +get``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(MISSING)
    admin = RedisUser("pptesting-admin", secrets.token_hex(16))
    users = {name: RedisUser(name, secrets.token_hex(16)) for name in acl}
    port = _free_port()
    lines = [
        f"port {port}",
        "bind 127.0.0.1",
        'save ""',
        "appendonly no",
        "user default off",
        f"user {admin.username} on >{admin.password} ~* &* +@all",
        *(f"user {name} on >{users[name].password} {rules}" for name, rules in acl.items()),
    ]
    process = subprocess.Popen(  # noqa: S603 - a fixed binary found on PATH, no shell
        [binary, "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None  # noqa: S101 - PIPE was asked for
    process.stdin.write(("\n".join(lines) + "\n").encode())
    process.stdin.close()
    server = RedisServer(port, admin, users)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: RedisServer, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"redis-server exited during start-up (code {process.returncode}); "
                "run `redis-server --version` to check the installation"
            )
        try:
            if server.command("PING") == b"PONG":
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not answer on port {server.port} in time")
        time.sleep(0.05)
