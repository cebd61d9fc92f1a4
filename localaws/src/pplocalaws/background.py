"""A loopback server run as a background process: started, found again, stopped.

The local AWS and the local gateway are both one of these. Each keeps its pid, port and
details in ``<state dir>/<name>.json`` and its output in ``<name>.log`` (the caller names
the state folder), so any later command finds it; it runs in its own session (it outlives
the command that started it) and is stopped as a process group, so its children go with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pplocalaws.problems import Unavailable

HOST = "127.0.0.1"
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Status:
    running: bool
    url: str | None = None
    pid: int | None = None
    log: Path | None = None
    details: Mapping[str, str] = field(default_factory=dict)


def answers(url: str, timeout: float = 1.0) -> bool:
    """True when an HTTP server answers at ``url`` (any status counts as an answer)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - loopback URLs built here
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (else it stays a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@dataclass(frozen=True)
class BackgroundServer:
    """One kind of background server: its name, its module, and the path that proves it up."""

    name: str  # state and log file stem
    title: str  # how messages call it
    module: str  # run as `python -m MODULE ...`
    probe_path: str  # GET this; any HTTP answer means the server is up
    start_timeout: float = 60.0

    def state_file(self, state_dir: Path) -> Path:
        state_dir.mkdir(parents=True, exist_ok=True)
        return state_dir / f"{self.name}.json"

    def log_file(self, state_dir: Path) -> Path:
        state_dir.mkdir(parents=True, exist_ok=True)
        return state_dir / f"{self.name}.log"

    def _read_state(self, state_dir: Path) -> dict[str, object] | None:
        try:
            state = json.loads(self.state_file(state_dir).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return state if isinstance(state, dict) else None

    def status(self, state_dir: Path) -> Status:
        state = self._read_state(state_dir)
        if state is None:
            return Status(running=False)
        pid, port = int(str(state["pid"])), int(str(state["port"]))
        url = f"http://{HOST}:{port}"
        details = {str(k): str(v) for k, v in dict(state.get("details") or {}).items()}  # type: ignore[call-overload]
        running = _alive(pid) and answers(f"{url}{self.probe_path}")
        return Status(running, url, pid, self.log_file(state_dir), details)

    def _log_tail(self, state_dir: Path, lines: int = 15) -> str:
        try:
            return "\n".join(
                self.log_file(state_dir).read_text(encoding="utf-8").splitlines()[-lines:]
            )
        except FileNotFoundError:
            return "(no log)"

    def start(
        self,
        state_dir: Path,
        port: int,
        arguments: Sequence[str],
        details: Mapping[str, str] | None = None,
    ) -> Status:
        """Start the server on ``port``; a running one is left as it is."""
        current = self.status(state_dir)
        if current.running:
            return current
        if not port_free(port):
            raise Unavailable(
                f"port {port} on {HOST} is already in use by another program",
                cause=f"the {self.title} needs its own port",
                fix=f"stop that program, or use another port (--port {port + 1})",
            )
        with self.log_file(state_dir).open("wb") as log_stream:
            child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", self.module, *arguments],
                stdin=subprocess.DEVNULL,
                stdout=log_stream,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the invoke process; stopped as a group
            )
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise Unavailable(
                    f"the {self.title} exited during start-up (code {child.returncode})",
                    cause=self._log_tail(state_dir),
                    fix=f"read {self.log_file(state_dir)} for the whole log",
                )
            if answers(f"{url}{self.probe_path}", timeout=0.5):
                state = {
                    "pid": child.pid,
                    "port": port,
                    "started": time.time(),
                    "details": dict(details or {}),
                }
                self.state_file(state_dir).write_text(json.dumps(state), encoding="utf-8")
                return Status(True, url, child.pid, self.log_file(state_dir), dict(details or {}))
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        raise Unavailable(
            f"the {self.title} did not answer within {self.start_timeout:.0f} s",
            cause=self._log_tail(state_dir),
            fix=f"read {self.log_file(state_dir)} for the whole log",
        )

    def stop(self, state_dir: Path) -> bool:
        """Stop the server and its children; True when one was running."""
        state = self._read_state(state_dir)
        if state is None:
            return False
        pid = int(str(state["pid"]))
        was_running = _alive(pid)
        if was_running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            while _alive(pid) and time.monotonic() < deadline:
                _reap(pid)
                time.sleep(0.05)
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                _reap(pid)
        self.state_file(state_dir).unlink(missing_ok=True)
        return was_running
