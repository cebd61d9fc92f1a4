"""A throwaway ``redis-server`` with the stage's ACL users, for revocation tests and benches.

The users and rules are the ones the shared stack gives ElastiCache (RBAC) and the local
AWS gives its redis-server: the account user reads and writes ``rev:*``, ``cache:*`` and
``rl:*`` (the rate limits, changed by Lua scripts: ``+evalsha +eval +script|load``);
every other service's user only reads ``rev:*``; ``default`` is off. Passwords travel on
standard input (as ``user`` config lines), never on the command line.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ACCOUNT_RULES = (
    "~rev:* ~cache:* ~rl:* +@read +@write +@connection -@dangerous +evalsha +eval +script|load"
)
READER_RULES = "~rev:* +get +mget +ping +hello +auth"
START_TIMEOUT = 10.0


def available() -> bool:
    return shutil.which("redis-server") is not None


@dataclass
class AclRedis:
    """A running server on 127.0.0.1 and its users' ``(username, password)``."""

    port: int
    process: subprocess.Popen[bytes]
    workdir: Path
    users: dict[str, tuple[str, str]] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(server: AclRedis) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {server.process.returncode}")
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", server.port), timeout=0.2) as probe,
        ):
            probe.sendall(b"*1\r\n$4\r\nPING\r\n")
            if probe.recv(64):  # -NOAUTH or +PONG: it answers
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not answer on port {server.port}")


@contextlib.contextmanager
def acl_redis(
    stage: str = "test", services: tuple[str, ...] = ("coaching", "traction")
) -> Iterator[AclRedis]:
    """A redis-server with ``purposepath-<stage>-account`` and a reader per service."""
    if not available():
        raise RuntimeError("redis-server is not on PATH")
    port = _free_port()
    workdir = Path(tempfile.mkdtemp(prefix="pptesting-redis-"))
    users = {"account": (f"purposepath-{stage}-account", secrets.token_hex(16))}
    users |= {name: (f"purposepath-{stage}-{name}", secrets.token_hex(16)) for name in services}
    lines = ["user default off"]
    for name, (username, password) in users.items():
        rules = ACCOUNT_RULES if name == "account" else READER_RULES
        lines.append(f"user {username} on >{password} {rules}")
    process = subprocess.Popen(  # noqa: S603 - redis-server from PATH, no shell
        [
            shutil.which("redis-server") or "redis-server",
            "-",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            "--logfile",
            str(workdir / "redis.log"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if process.stdin is None:
        raise RuntimeError("redis-server has no standard input")
    with process.stdin:
        process.stdin.write(("\n".join(lines) + "\n").encode())
    server = AclRedis(port, process, workdir, users)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        server.stop()
