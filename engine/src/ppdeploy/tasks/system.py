"""``invoke up``, ``invoke down`` and ``invoke verify``: the whole system, and its check."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import naming
from ppdeploy.aws import local_aws
from ppdeploy.errors import InputError
from ppdeploy.tasks.edge import at_edge

STAGE_HELP = "stage (declared in stages.toml; default dev)"


@task(
    help={
        "stage": STAGE_HELP,
        "port": f"loopback port of the local gateway (default {local_aws.GATEWAY_PORT})",
        "aws-port": f"loopback port of the local AWS (default {local_aws.DEFAULT_PORT})",
        "skip-tests": "do not run the services' own tests before deploying them",
    }
)
@at_edge
def up(
    c: Context,
    stage: str = "dev",
    port: int = local_aws.GATEWAY_PORT,
    aws_port: int = local_aws.DEFAULT_PORT,
    skip_tests: bool = False,
) -> None:
    """Run the whole system here: local AWS, every stack, the gateway, then verify it."""
    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.events import Message  # noqa: PLC0415 - same
    from ppdeploy.workflows.system_up import bring_up  # noqa: PLC0415 - same

    view = ui.for_output()
    settings = config.stage(stage)
    urls = bring_up(settings, view, port=port, aws_port=aws_port, skip_tests=skip_tests)
    view.table(
        f"stage {stage} on this machine",
        ("custom domain", "local URL"),
        [(f"https://{settings.domain}/{naming.MAPPING_KEYS[s]}", url) for s, url in urls.items()],
    )
    view.emit(Message("up: every verify step passed; `invoke down` stops it all", "success"))


@task
@at_edge
def down(c: Context) -> None:
    """Stop what `invoke up` started (the gateway and, if up started it, the local AWS)."""
    from ppdeploy import ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.events import Message  # noqa: PLC0415 - same
    from ppdeploy.workflows import local_system  # noqa: PLC0415 - same

    stopped = local_system.stop_started()
    said = f"stopped: {', '.join(stopped)}" if stopped else "nothing to stop"
    ui.for_output().emit(Message(said, "success"))


@task(
    help={
        "stage": STAGE_HELP,
        "local": "verify the system on this machine, through the local gateway",
        "runtime": "the account runtime health must report (python or dotnet)",
    }
)
@at_edge
def verify(c: Context, stage: str = "dev", local: bool = False, runtime: str | None = None) -> None:
    """Walk a real journey through every service; exit 6 at a failure, 7 if steps were skipped."""
    from ppdeploy import config, ui  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws import target as targets  # noqa: PLC0415 - same
    from ppdeploy.events import Message  # noqa: PLC0415 - same
    from ppdeploy.workflows import mailbox, urls, verify  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same

    if runtime not in (None, *naming.RUNTIMES):
        raise InputError(
            f"unknown runtime {runtime!r}", fix=f"use one of: {', '.join(naming.RUNTIMES)}"
        )
    view = ui.for_output()
    settings = config.stage(stage)
    if local:
        found = urls.local_urls(settings, view)
        dynamodb = targets.for_stage(settings, use_local=True).client("dynamodb")
    else:
        session = StageSession.open(settings, view, use_local=False, assume_yes=False, force=False)
        found = urls.aws_urls(session)
        dynamodb = session.target.client("dynamodb")
    journey = verify.Journey(
        urls=found,
        report=lambda text: view.emit(Message(text)),
        expected_runtime=runtime,
        purge_probe=verify.TableProbe.for_stage(dynamodb, settings.name),
        mailbox=mailbox.for_journey(local=local),
    )
    verify.run(journey)
    # Skipped steps are not a pass: exit 7 says which, why, and where they do run.
    incomplete = journey.outcome().incomplete(stage)
    if incomplete is not None:
        raise incomplete
    view.emit(Message(f"verify: stage {stage} passed every step", "success"))
