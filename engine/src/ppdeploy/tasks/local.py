"""``invoke local.*``: the embedded local AWS on this machine."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import ui
from ppdeploy.aws import local_aws as process
from ppdeploy.events import Message
from ppdeploy.tasks.edge import at_edge


@task(help={"port": f"loopback port to serve on (default {process.DEFAULT_PORT})"})
@at_edge
def start(c: Context, port: int = process.DEFAULT_PORT) -> None:
    """Start the embedded local AWS (moto with the project's extensions) in the background."""
    reporter = ui.for_output()
    before = process.status()
    current = process.start(port)
    if before.running:
        reporter.emit(Message(f"local AWS already running at {current.url} (pid {current.pid})"))
    else:
        reporter.emit(Message(f"local AWS running at {current.url} (pid {current.pid})", "success"))
    reporter.emit(Message(f"log: {current.log}"))


@task
@at_edge
def stop(c: Context) -> None:
    """Stop the embedded local AWS; its state (every stack and resource) goes with it."""
    reporter = ui.for_output()
    if process.stop():
        reporter.emit(Message("local AWS stopped", "success"))
    else:
        reporter.emit(Message("local AWS was not running"))


@task
@at_edge
def status(c: Context) -> None:
    """Say whether the embedded local AWS runs, and print its endpoint."""
    reporter = ui.for_output()
    current = process.status()
    if current.running:
        reporter.emit(Message(f"running: {current.url}", "success"))
    else:
        reporter.emit(Message("not running (start it with `invoke local.start`)"))
