"""Run the local gateway as a background process: start, stop, status.

The gateway is ``python -m ppdeploy.localaws.gateway`` on 127.0.0.1; its pid, port, the
local AWS endpoint it serves and its log path are kept in the project's state folder
(``gateway.json``, ``gateway.log``), so any later command finds it. Its workers are its
children: stopping the gateway's process group stops them too.
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
from dataclasses import dataclass
from pathlib import Path

from ppdeploy import project
from ppdeploy.errors import TargetError
from ppdeploy.localaws.gateway.server import DEFAULT_PORT, DEFAULT_REGION, HOST, STATUS_PATH

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Status:
    running: bool
    url: str | None = None
    endpoint: str | None = None  # the local AWS it serves
    pid: int | None = None
    log: Path | None = None


def _state_file() -> Path:
    return project.state_dir() / "gateway.json"


def _log_file() -> Path:
    return project.state_dir() / "gateway.log"


def _answers(url: str, timeout: float = 1.0) -> bool:
    """True when the gateway's status page answers at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}{STATUS_PATH}", timeout=timeout):  # noqa: S310 - loopback URL built here
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap(pid: int) -> None:
    """Collect the exit status when the gateway is our own child (else it stays a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _read_state() -> dict[str, object] | None:
    try:
        state = json.loads(_state_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def status() -> Status:
    state = _read_state()
    if state is None:
        return Status(running=False)
    pid, port = int(str(state["pid"])), int(str(state["port"]))
    url = f"http://{HOST}:{port}"
    running = _alive(pid) and _answers(url)
    return Status(running, url, str(state.get("endpoint", "")), pid, _log_file())


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _log_tail(lines: int = 15) -> str:
    try:
        return "\n".join(_log_file().read_text(encoding="utf-8").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def start(endpoint: str, port: int = DEFAULT_PORT, region: str = DEFAULT_REGION) -> Status:
    """Start the gateway for the local AWS at ``endpoint``; a running one is left as it is."""
    current = status()
    if current.running:
        return current
    if not _port_free(port):
        raise TargetError(
            f"port {port} on {HOST} is already in use by another program",
            cause="the local gateway needs its own port",
            fix=f"stop that program, or start the gateway on another port (e.g. {port + 1})",
        )
    log = _log_file()
    command = [
        sys.executable, "-m", "ppdeploy.localaws.gateway",
        "--port", str(port), "--endpoint", endpoint, "--region", region,
    ]  # fmt: skip
    with log.open("wb") as log_stream:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the invoke process; stopped as a group
        )
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise TargetError(
                f"the local gateway exited during start-up (code {child.returncode})",
                cause=_log_tail(),
                fix=f"read {log} for the whole log",
            )
        if _answers(url, timeout=0.5):
            state = {"pid": child.pid, "port": port, "endpoint": endpoint, "started": time.time()}
            _state_file().write_text(json.dumps(state), encoding="utf-8")
            return Status(True, url, endpoint, child.pid, log)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    raise TargetError(
        f"the local gateway did not answer within {START_TIMEOUT_SECONDS:.0f} s",
        cause=_log_tail(),
        fix=f"read {log} for the whole log",
    )


def stop() -> bool:
    """Stop the gateway this project started, and its workers; True when one was running."""
    state = _read_state()
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
    _state_file().unlink(missing_ok=True)
    return was_running
