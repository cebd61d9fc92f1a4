"""``invoke build``: a service's deployment artifact."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import build as builds
from ppdeploy import catalog
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter


@task(
    help={
        "service": "account, coaching or traction",
        "runtime": "python or dotnet (account only; default python)",
    }
)
@at_edge
def build(c: Context, service: str, runtime: str | None = None) -> None:
    """Build a service's deterministic artifact (reused when its sources are unchanged)."""
    reporter = Reporter()
    artifact = builds.build(catalog.service(service, runtime))
    state = "unchanged, reused" if artifact.reused else "built"
    reporter.success(
        f"{artifact.service} ({artifact.runtime}): {state} {artifact.path} "
        f"{artifact.size / 1_000_000:.2f} MB sha256 {artifact.sha256}"
    )
