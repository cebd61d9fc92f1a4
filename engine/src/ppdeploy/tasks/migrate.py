"""``invoke migrate``: a stage from the predecessor's legacy stack to ours, resumable."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import config, localstage, naming, workflows
from ppdeploy import local_aws as localaws
from ppdeploy import migrate as migration
from ppdeploy.errors import TargetError
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter


@task(
    help={
        "from-stack": "the legacy stack (default purposepath-api-STAGE)",
        "stage": "stage (declared in stages.toml; default dev)",
        "local": "migrate on the embedded local AWS (verify runs through the local gateway)",
        "yes": "run without asking (required when there is no terminal)",
        "delete-legacy": "after verify, delete the legacy stack (its data resources retained)",
        "skip-tests": "do not run the services' own tests before deploying them",
        "port": "--local: port of the local gateway if migrate starts it "
        f"(default {localaws.GATEWAY_PORT})",
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
    port: int = localaws.GATEWAY_PORT,
) -> None:
    """Move a stage off the legacy stack: adopt its data, deploy ours, move the mappings, verify."""
    reporter = Reporter()
    settings = config.stage(stage)
    session = workflows.StageSession.open(
        settings, reporter, use_local=local, assume_yes=yes, force=False
    )

    def service_urls() -> dict[str, str]:
        if not local:
            return workflows.service_urls(session)
        served = localaws.gateway_status()
        if not served.running:
            endpoint = localaws.endpoint()
            if endpoint is None:
                raise TargetError("the local AWS is not running", fix="run `invoke up`")
            reporter.info(f"the local gateway is not running: starting it on port {port}")
            served = localaws.start_gateway(
                endpoint, port=port, region=settings.region, domain=settings.domain
            )
            localstage.remember(localstage.Started(local_aws=False, gateway=True))
        assert served.url is not None  # noqa: S101 - a running gateway has its URL
        return localstage.service_urls(served.url)

    migration.migrate(
        session,
        migration.Options(
            legacy_stack=from_stack or naming.legacy_stack(stage),
            skip_tests=skip_tests,
            delete_legacy=delete_legacy,
            service_urls=service_urls,
        ),
    )
