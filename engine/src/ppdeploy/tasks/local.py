"""``invoke local.*``: the embedded local AWS on this machine."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import local_aws as process
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter


@task(help={"port": f"loopback port to serve on (default {process.DEFAULT_PORT})"})
@at_edge
def start(c: Context, port: int = process.DEFAULT_PORT) -> None:
    """Start the embedded local AWS (moto with the project's extensions) in the background."""
    reporter = Reporter()
    before = process.status()
    current = process.start(port)
    if before.running:
        reporter.info(f"local AWS already running at {current.url} (pid {current.pid})")
    else:
        reporter.success(f"local AWS running at {current.url} (pid {current.pid})")
    reporter.info(f"log: {current.log}")


@task
@at_edge
def stop(c: Context) -> None:
    """Stop the embedded local AWS; its state (every stack and resource) goes with it."""
    reporter = Reporter()
    if process.stop():
        reporter.success("local AWS stopped")
    else:
        reporter.info("local AWS was not running")


@task
@at_edge
def status(c: Context) -> None:
    """Say whether the embedded local AWS runs, and print its endpoint."""
    reporter = Reporter()
    current = process.status()
    if current.running:
        reporter.success(f"running: {current.url}")
    else:
        reporter.info("not running (start it with `invoke local.start`)")
