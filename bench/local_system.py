"""The system the benchmarks measure: a private ``invoke up``, or one already running.

``private_system()`` runs ``invoke up --skip-tests`` with its own state folder and free
loopback ports (never 4566/4567, never someone else's system) and ``invoke down`` after,
whatever happens in between. Shared by ``gateway_latency.py`` and ``gateway_load.py``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAPPINGS = ("account", "coaching", "traction")
DEFAULT_AWS_URL = "http://127.0.0.1:4566"  # the local AWS of a system `invoke up` started

# (method, path, JSON body) -> (status, parsed body): how a bench talks to the gateway.
Call = Callable[[str, str, Any], tuple[int, Any]]


def register_verified(system: System, call: Call, email: str, password: str, name: str) -> None:
    """Register ``email`` and follow the verification link the local SES kept, as a person
    would: an unverified account cannot sign in (the account service answers 403)."""
    from ppdeploy.aws.outbox import LocalOutbox  # noqa: PLC0415 - the engine, when used
    from ppdeploy.workflows.mailbox import link_path  # noqa: PLC0415 - same

    body = {"email": email, "password": password, "name": name, "tenantName": f"{name} Co"}
    status, answer = call("POST", "/account/auth/register", body)
    if status != 202:
        raise SystemExit(f"register answered {status}: {answer!r}")
    outbox = LocalOutbox(system.aws_url or DEFAULT_AWS_URL)
    for _ in range(100):
        links = [link for mail in outbox.messages(to=email, limit=5) for link in mail.links]
        if links:
            status, answer = call("GET", f"/account{link_path(links[0])}", None)
            if status != 200:
                raise SystemExit(f"the verification link answered {status}: {answer!r}")
            return
        time.sleep(0.1)
    raise SystemExit(f"no verification mail for {email} in the local outbox after 10 s")


@dataclass(frozen=True)
class System:
    gateway_url: str  # e.g. http://127.0.0.1:40123
    aws_url: str | None  # the local AWS, when this process started the system
    state_dir: Path | None

    @property
    def gateway_port(self) -> int:
        return int(self.gateway_url.rsplit(":", 1)[1])

    def worker_pool_sizes(self) -> dict[str, int]:
        """Warm workers per function, as the gateway reports them."""
        status_url = f"{self.gateway_url}/_gateway/status"
        with urllib.request.urlopen(status_url, timeout=5) as response:  # noqa: S310 - loopback URL built here
            status = json.load(response)
        return {str(name): int(size) for name, size in status["workers"].items()}

    def restart_gateway(self) -> None:
        """A fresh gateway on the same port: no warm worker, no unpacked code (a cold start)."""
        if self.state_dir is None or self.aws_url is None:
            raise RuntimeError("only a system this process started can be restarted")
        from ppdeploy import config  # noqa: PLC0415 - needs PPDEPLOY_STATE_DIR set first
        from ppdeploy.aws import local_aws  # noqa: PLC0415 - same

        previous = os.environ.get("PPDEPLOY_STATE_DIR")
        os.environ["PPDEPLOY_STATE_DIR"] = str(self.state_dir)
        try:
            stage = config.stage("dev")
            local_aws.stop_gateway()
            local_aws.start_gateway(
                self.aws_url, port=self.gateway_port, region=stage.region, domain=stage.domain
            )
        finally:
            if previous is None:
                os.environ.pop("PPDEPLOY_STATE_DIR", None)
            else:
                os.environ["PPDEPLOY_STATE_DIR"] = previous


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _invoke(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PPDEPLOY_LOCAL_ENDPOINT", None)
    env.update(PPDEPLOY_STATE_DIR=str(state), NO_COLOR="1")
    return subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
        [sys.executable, "-m", "invoke", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )


@contextlib.contextmanager
def private_system() -> Iterator[System]:
    """``invoke up`` on private ports and state; ``invoke down`` on the way out."""
    with tempfile.TemporaryDirectory(prefix="ppdeploy-bench-") as folder:
        state = Path(folder) / "state"
        gateway_port, aws_port = _free_port(), _free_port()
        print(f"starting a private system (gateway :{gateway_port}, local AWS :{aws_port})...")
        try:
            up = _invoke(
                state,
                "up",
                "--skip-tests",
                "--port",
                str(gateway_port),
                "--aws-port",
                str(aws_port),
            )
            if up.returncode != 0:
                raise SystemExit(
                    f"invoke up failed (exit {up.returncode}):\n{up.stdout}\n{up.stderr}"
                )
            yield System(f"http://127.0.0.1:{gateway_port}", f"http://127.0.0.1:{aws_port}", state)
        finally:
            down = _invoke(state, "down")
            if down.returncode != 0:
                print(
                    f"warning: invoke down failed:\n{down.stdout}\n{down.stderr}", file=sys.stderr
                )


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]
