"""Run the embedded local AWS as a background process: start, stop, status.

The server is ``python -m ppdeploy.localaws.server`` on 127.0.0.1 (``localaws.json``,
``localaws.log`` in the state folder). Setting ``PPDEPLOY_LOCAL_ENDPOINT`` points every
command at a local AWS started some other way.
"""

from __future__ import annotations

import os

from ppdeploy.localaws.background import HOST, BackgroundServer, Status, answers

DEFAULT_PORT = 4566
ENDPOINT_VARIABLE = "PPDEPLOY_LOCAL_ENDPOINT"
SERVER = BackgroundServer(
    name="localaws", title="local AWS", module="ppdeploy.localaws.server", probe_path="/moto-api/"
)

__all__ = ["DEFAULT_PORT", "HOST", "Status", "endpoint", "start", "status", "stop"]


def status() -> Status:
    override = os.environ.get(ENDPOINT_VARIABLE)
    if override:
        return Status(running=answers(f"{override}/moto-api/"), url=override)
    return SERVER.status()


def endpoint() -> str | None:
    """The running local AWS's endpoint, or None when it is not running."""
    current = status()
    return current.url if current.running else None


def start(port: int = DEFAULT_PORT) -> Status:
    """Start the local AWS in the background; a running one is left as it is."""
    return SERVER.start(port, ["--host", HOST, "--port", str(port)])


def stop() -> bool:
    """Stop the local AWS this project started; True when one was running."""
    return SERVER.stop()
