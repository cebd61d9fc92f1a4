"""The whole local system as a person runs it: ``invoke`` on a private state folder and ports.

Shared by the e2e test (which starts and stops the system as its subject) and the fuzz
session (which only needs it running): the handle, and the process bookkeeping that proves
``down`` leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.integration.support import LocalAws

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
    return parents


def with_descendants(roots: set[int]) -> set[int]:
    parents = _parents()
    found = {pid for pid in roots if pid in parents}
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    return found


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


class System:
    """`invoke` run as a person would, against a private state folder and ports."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.gateway_port = free_port()
        self.aws_port = free_port()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("AWS_") and k != "PPDEPLOY_LOCAL_ENDPOINT"
        }
        self.env.update(PPDEPLOY_STATE_DIR=str(state), NO_COLOR="1", COLUMNS="200")

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.aws_port}"

    def invoke(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [sys.executable, "-m", "invoke", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=600,  # a bound, not an assertion: a hung run fails instead of waiting
            check=False,
        )

    def up(self) -> subprocess.CompletedProcess[str]:
        """`invoke up` on this system's ports, the services' own tests left to their tier."""
        return self.invoke(
            "up", "--skip-tests", "--port", str(self.gateway_port), "--aws-port", str(self.aws_port)
        )

    def server_pids(self) -> set[int]:
        pids = set()
        for name in ("localaws", "gateway"):
            with contextlib.suppress(FileNotFoundError):
                pids.add(int(json.loads((self.state / f"{name}.json").read_text())["pid"]))
        return pids

    def aws(self, service: str) -> object:
        """A client of the system's local AWS (the integration tier's handle makes it)."""
        return LocalAws(self.aws_url, self.env).client(service)


@contextlib.contextmanager
def stopped_afterwards(state: Path) -> Iterator[System]:
    """A system on ``state``; whatever happens, nothing it started is left running."""
    system = System(state)
    try:
        yield system
    finally:
        pids = with_descendants(system.server_pids())
        system.invoke("down")
        for pid in with_descendants(pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
