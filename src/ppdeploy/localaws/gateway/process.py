"""Run the local gateway as a background process: start, stop, status.

The gateway is ``python -m ppdeploy.localaws.gateway`` on 127.0.0.1; the local AWS
endpoint it serves is kept with its state (``gateway.json``, ``gateway.log``). Its
workers are its children: stopping the gateway's process group stops them too.
"""

from __future__ import annotations

from ppdeploy.localaws.background import BackgroundServer, Status
from ppdeploy.localaws.gateway.settings import DEFAULT_PORT, DEFAULT_REGION, STATUS_PATH

SERVER = BackgroundServer(
    name="gateway",
    title="local gateway",
    module="ppdeploy.localaws.gateway",
    probe_path=STATUS_PATH,
    start_timeout=30.0,
)

__all__ = ["Status", "start", "status", "stop"]


def status() -> Status:
    return SERVER.status()


def start(
    endpoint: str,
    port: int = DEFAULT_PORT,
    region: str = DEFAULT_REGION,
    domain: str | None = None,
) -> Status:
    """Start the gateway for the local AWS at ``endpoint``; a running one is left as it is.

    ``domain`` is the custom domain served when a request's Host header names none.
    """
    arguments = ["--port", str(port), "--endpoint", endpoint, "--region", region]
    if domain:
        arguments += ["--domain", domain]
    return SERVER.start(port, arguments, {"endpoint": endpoint, "region": region})


def stop() -> bool:
    """Stop the gateway and its workers; True when one was running."""
    return SERVER.stop()
