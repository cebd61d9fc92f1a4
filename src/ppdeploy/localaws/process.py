"""Run the embedded local AWS as a background process: start, stop, status.

The server is ``python -m ppdeploy.localaws.server`` on 127.0.0.1; its pid, port and log
path are kept in the project's state folder so any later command finds it. Setting
``PPDEPLOY_LOCAL_ENDPOINT`` points every command at a local AWS started some other way
(the test fixtures do this with a server on a free port).
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

HOST = "127.0.0.1"
DEFAULT_PORT = 4566
ENDPOINT_VARIABLE = "PPDEPLOY_LOCAL_ENDPOINT"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Status:
    running: bool
    endpoint: str | None = None
    pid: int | None = None
    log: Path | None = None


def _state_file() -> Path:
    return project.state_dir() / "localaws.json"


def _log_file() -> Path:
    return project.state_dir() / "localaws.log"


def _answers(endpoint: str, timeout: float = 1.0) -> bool:
    """True when an HTTP server answers at ``endpoint`` (any status counts as an answer)."""
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=timeout):  # noqa: S310 - loopback URL built here
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


def _read_state() -> dict[str, object] | None:
    try:
        state = json.loads(_state_file().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def status() -> Status:
    override = os.environ.get(ENDPOINT_VARIABLE)
    if override:
        return Status(running=_answers(override), endpoint=override)
    state = _read_state()
    if state is None:
        return Status(running=False)
    pid, port = int(str(state["pid"])), int(str(state["port"]))
    endpoint = f"http://{HOST}:{port}"
    running = _alive(pid) and _answers(endpoint)
    return Status(running=running, endpoint=endpoint, pid=pid, log=_log_file())


def endpoint() -> str | None:
    """The running local AWS's endpoint, or None when it is not running."""
    current = status()
    return current.endpoint if current.running else None


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


def start(port: int = DEFAULT_PORT) -> Status:
    """Start the local AWS in the background; a running one is left as it is."""
    current = status()
    if current.running:
        return current
    if not _port_free(port):
        raise TargetError(
            f"port {port} on {HOST} is already in use by another program",
            cause="the local AWS needs its own port",
            fix=f"stop that program, or use another port: `invoke local.start --port {port + 1}`",
        )
    log = _log_file()
    with log.open("wb") as log_stream:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "ppdeploy.localaws.server", "--host", HOST, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the invoke process; stopped as a group
        )
    endpoint_url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise TargetError(
                f"the local AWS exited during start-up (code {child.returncode})",
                cause=_log_tail(),
                fix=f"read {log} for the whole log",
            )
        if _answers(endpoint_url, timeout=0.5):
            _state_file().write_text(
                json.dumps({"pid": child.pid, "port": port, "started": time.time()}),
                encoding="utf-8",
            )
            return Status(running=True, endpoint=endpoint_url, pid=child.pid, log=log)
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    raise TargetError(
        f"the local AWS did not answer within {START_TIMEOUT_SECONDS:.0f} s",
        cause=_log_tail(),
        fix=f"read {log} for the whole log",
    )


def stop() -> bool:
    """Stop the local AWS this project started; True when one was running."""
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


def _reap(pid: int) -> None:
    """Collect the exit status when the server is our own child (else it stays a zombie)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
