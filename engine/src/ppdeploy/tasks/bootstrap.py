"""``invoke bootstrap``: the stack a stage needs before its shared stack (bucket, CI trust)."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "stage": "stage to bootstrap (declared in stages.toml; default dev)",
        "local": "bootstrap the embedded local AWS (see `invoke local.start`)",
        "repository": "owner/name whose deploy workflow may assume the deploy role "
        "(default: github_repository in stages.toml; empty: no CI trust)",
        "yes": "apply the change set without asking",
    },
)
@at_edge
def bootstrap(
    c: Context,
    stage: str = "dev",
    local: bool = False,
    repository: str | None = None,
    yes: bool = False,
) -> None:
    """Deploy the stage's bootstrap stack: deployment bucket, GitHub OIDC trust, deploy roles."""
    from ppdeploy import config, naming, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.workflows import bootstrap_stack as bootstraps  # noqa: PLC0415 - as above
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - as above

    reporter = ui.for_output()
    settings = config.stage(stage)
    if repository:
        naming.check_repository(repository)
    session = StageSession.open(settings, reporter, use_local=local, assume_yes=yes, force=False)
    result = session.deploy_bootstrap(repository)
    reporter.table(
        f"{result.stack} ({result.outcome}, {result.seconds:.1f} s)",
        ("output", "value"),
        bootstraps.describe(result.outputs),
    )
