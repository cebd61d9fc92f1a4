"""``invoke deploy-shared``: the shared infrastructure stack of a stage."""

from __future__ import annotations

from pathlib import Path

from invoke.context import Context
from invoke.tasks import task

from ppdeploy.tasks.edge import at_edge


@task(
    iterable=["allow_replace"],
    help={
        "stage": "stage to deploy (declared in stages.toml; default dev)",
        "local": "deploy to the embedded local AWS (see `invoke local.start`)",
        "hosted-zone-id": "Route53 zone: creates the certificate, custom domain and alias",
        "jwt-secret-arn": "use this existing JWT secret instead of creating one",
        "redis-node-type": "ElastiCache node type (one the template allows)",
        "email-from": "sender address for the platform's email",
        "alarm-email": "address subscribed to the alarm topic",
        "yes": "apply the change set without asking",
        "template": "deploy this template file instead of shared-infrastructure/template.yaml",
        "allow-replace": "let the deploy remove or replace this stateful resource (logical id; "
        "repeatable)",
        "force": "deploy even when nothing changed (no fingerprint skip)",
    },
)
@at_edge
def deploy_shared(
    c: Context,
    stage: str = "dev",
    local: bool = False,
    hosted_zone_id: str | None = None,
    jwt_secret_arn: str | None = None,
    redis_node_type: str | None = None,
    email_from: str | None = None,
    alarm_email: str | None = None,
    yes: bool = False,
    template: str | None = None,
    allow_replace: list[str] | None = None,
    force: bool = False,
) -> None:
    """Deploy the shared infrastructure stack (VPC, tables, cache, secret, domain, alarms)."""
    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.workflows import shared_deploy  # noqa: PLC0415 - tasks load the engine when they run

    reporter = ui.for_output()
    settings = config.stage(stage).with_overrides(
        hosted_zone_id=hosted_zone_id,
        jwt_secret_arn=jwt_secret_arn,
        redis_node_type=redis_node_type,
        email_from=email_from,
        alarm_email=alarm_email,
    )
    result = shared_deploy.deploy_shared(
        settings,
        reporter,
        use_local=local,
        assume_yes=yes,
        force=force,
        allow_replace=allow_replace or (),
        template_path=Path(template) if template else None,
    )
    reporter.table(
        f"{result.stack} ({result.outcome}, {result.seconds:.1f} s)",
        ("output", "value"),
        sorted(result.outputs.items()),
    )
