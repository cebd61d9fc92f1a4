"""``invoke migrate``: a stage from the predecessor's legacy stack to ours, resumable."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import naming
from ppdeploy.aws import local_aws
from ppdeploy.tasks.edge import at_edge


@task(
    help={
        "from-stack": "the legacy stack (default purposepath-api-STAGE)",
        "stage": "stage (declared in stages.toml; default dev)",
        "local": "migrate on the embedded local AWS (verify runs through the local gateway)",
        "yes": "run without asking (required when there is no terminal)",
        "delete-legacy": "after verify, delete the legacy stack (its data resources retained)",
        "skip-tests": "do not run the services' own tests before deploying them",
        "port": "--local: port of the local gateway if migrate starts it "
        f"(default {local_aws.GATEWAY_PORT})",
    }
)
@at_edge
def migrate(
    c: Context,
    from_stack: str | None = None,
    stage: str = "dev",
    local: bool = False,
    yes: bool = False,
    delete_legacy: bool = False,
    skip_tests: bool = False,
    port: int = local_aws.GATEWAY_PORT,
) -> None:
    """Move a stage off the legacy stack: adopt its data, deploy ours, move the mappings, verify."""
    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.workflows import migration  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same

    session = StageSession.open(
        config.stage(stage), ui.for_output(), use_local=local, assume_yes=yes, force=False
    )
    migration.migrate(
        session,
        migration.Options(
            legacy_stack=from_stack or naming.legacy_stack(stage),
            skip_tests=skip_tests,
            delete_legacy=delete_legacy,
            gateway_port=port if local else None,
        ),
    )
