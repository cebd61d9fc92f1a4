"""``invoke build``: a service's deployment artifact."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import ui
from ppdeploy.events import Message
from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "service": "account, coaching or traction",
        "runtime": "python or dotnet (account only; default python)",
    }
)
@at_edge
def build(c: Context, service: str, runtime: str | None = None) -> None:
    """Build a service's deterministic artifact (reused when its sources are unchanged)."""
    from ppdeploy import build as builds  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy import catalog  # noqa: PLC0415 - tasks load the engine when they run

    reporter = ui.for_output()
    artifact = builds.build(catalog.service(service, runtime))
    state = "unchanged, reused" if artifact.reused else "built"
    reporter.emit(
        Message(
            f"{artifact.service} ({artifact.runtime}): {state} {artifact.path} "
            f"{artifact.size / 1_000_000:.2f} MB sha256 {artifact.sha256}",
            "success",
        )
    )
