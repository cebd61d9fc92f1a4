"""``invoke up``, ``invoke down`` and ``invoke verify``: the whole system, and its check."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import config, localstage, naming, workflows
from ppdeploy import local_aws as localaws
from ppdeploy import verify as verification
from ppdeploy.errors import InputError, TargetError
from ppdeploy.tasks.deploy import deploy_whole_stage
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter

STAGE_HELP = "stage (declared in stages.toml; default dev)"


@task(
    help={
        "stage": STAGE_HELP,
        "port": f"loopback port of the local gateway (default {localaws.GATEWAY_PORT})",
        "aws-port": f"loopback port of the local AWS (default {localaws.DEFAULT_PORT})",
        "skip-tests": "do not run the services' own tests before deploying them",
    }
)
@at_edge
def up(
    c: Context,
    stage: str = "dev",
    port: int = localaws.GATEWAY_PORT,
    aws_port: int = localaws.DEFAULT_PORT,
    skip_tests: bool = False,
) -> None:
    """Run the whole system here: local AWS, every stack, the gateway, then verify it."""
    reporter = Reporter()
    settings = config.stage(stage)
    local_aws_was_running = localaws.status().running
    current = localaws.start(aws_port)
    localstage.remember(localstage.Started(local_aws=not local_aws_was_running, gateway=False))
    reporter.info(f"local AWS: {current.url}")
    session = workflows.StageSession.open(
        settings, reporter, use_local=True, assume_yes=True, force=False
    )
    zone = localstage.ensure_zone(session.target.client("route53"), settings)
    session.stage = settings.with_overrides(hosted_zone_id=zone)
    deploy_whole_stage(session, reporter, skip_tests=skip_tests)
    assert current.url is not None  # noqa: S101 - a running local AWS has its URL
    served = localaws.start_gateway(
        current.url, port=port, region=settings.region, domain=settings.domain
    )
    localstage.remember(localstage.Started(local_aws=False, gateway=True))
    assert served.url is not None  # noqa: S101 - a running gateway has its URL
    urls = localstage.service_urls(served.url)
    verification.run(verification.Journey(urls=urls, report=reporter.info))
    reporter.table(
        f"stage {stage} on this machine",
        ("custom domain", "local URL"),
        [(f"https://{settings.domain}/{naming.MAPPING_KEYS[s]}", url) for s, url in urls.items()],
    )
    reporter.success("up: every verify step passed; `invoke down` stops it all")


@task
@at_edge
def down(c: Context) -> None:
    """Stop what `invoke up` started (the gateway and, if up started it, the local AWS)."""
    reporter = Reporter()
    stopped = localstage.stop_started()
    reporter.success(f"stopped: {', '.join(stopped)}" if stopped else "nothing to stop")


@task(
    help={
        "stage": STAGE_HELP,
        "local": "verify the system on this machine, through the local gateway",
        "runtime": "the account runtime health must report (python or dotnet)",
    }
)
@at_edge
def verify(c: Context, stage: str = "dev", local: bool = False, runtime: str | None = None) -> None:
    """Walk a real journey through every service; exits non-zero at the first failure."""
    reporter = Reporter()
    settings = config.stage(stage)
    if runtime not in (None, *naming.RUNTIMES):
        raise InputError(
            f"unknown runtime {runtime!r}", fix=f"use one of: {', '.join(naming.RUNTIMES)}"
        )
    if local:
        served = localaws.gateway_status()
        if not served.running or served.url is None:
            raise TargetError(
                "the local gateway is not running",
                fix="run `invoke up` (it deploys the stage and starts the gateway)",
            )
        urls = localstage.service_urls(served.url)
    else:
        session = workflows.StageSession.open(
            settings, reporter, use_local=False, assume_yes=False, force=False
        )
        urls = workflows.service_urls(session)
    verification.run(
        verification.Journey(urls=urls, report=reporter.info, expected_runtime=runtime)
    )
    reporter.success(f"verify: stage {stage} passed every step")
