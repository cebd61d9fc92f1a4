"""``invoke deploy``, ``invoke plan`` and ``invoke switch-runtime``: flags in, workflow called.

The engine is imported inside each task body, so ``invoke --list`` and every other task
load only what they use (a no-op ``deploy --all`` off a terminal never loads rich).
"""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import naming
from ppdeploy.errors import InputError
from ppdeploy.tasks.edge import at_edge

# Repeated from workflows.waves so the flag's help needs no engine import; a unit test
# holds them equal.
DEFAULT_CONCURRENCY = 4


def _scope(service: str | None, all_: bool) -> None:
    if bool(service) == all_:
        raise InputError(
            "say what to deploy: --service NAME or --all (one of them)",
            fix=f"e.g. --service coaching (services: {', '.join(naming.SERVICES)}) or --all",
        )


@task(
    iterable=["allow_replace"],
    help={
        "service": f"the service to deploy ({', '.join(naming.SERVICES)})",
        "all": "every stack of the stage, in dependency order, in parallel waves",
        "stage": "stage (declared in stages.toml; default dev)",
        "runtime": "account only: python or dotnet (default: python)",
        "local": "deploy to the embedded local AWS",
        "yes": "deploy without asking (also deploys a missing shared stack)",
        "skip-tests": "do not run the service's own tests first",
        "force": "deploy even when nothing changed (no fingerprint skip)",
        "max-concurrency": f"with --all: stacks deployed at once (default {DEFAULT_CONCURRENCY})",
        "allow-replace": "let the deploy remove or replace this stateful resource (logical id; "
        "repeatable)",
    },
)
@at_edge
def deploy(
    c: Context,
    service: str | None = None,
    all_: bool = False,
    stage: str = "dev",
    runtime: str | None = None,
    local: bool = False,
    yes: bool = False,
    skip_tests: bool = False,
    force: bool = False,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    allow_replace: list[str] | None = None,
) -> None:
    """Deploy a service (checking what it depends on) or, with --all, every stack of a stage."""
    from ppdeploy import config, ui  # noqa: PLC0415 - see the module docstring
    from ppdeploy.workflows import service_deploy, stage_deploy  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same

    _scope(service, all_)
    if max_concurrency < 1:
        raise InputError(
            f"--max-concurrency {max_concurrency} is below 1", fix="give 1 or more (default 4)"
        )
    if all_ and runtime:
        raise InputError("--runtime applies to --service account only", fix="drop --runtime")
    view = ui.for_output()
    session = StageSession.open(
        config.stage(stage),
        view,
        use_local=local,
        assume_yes=yes,
        force=force,
        allow_replace=allow_replace or (),
        read_ahead=True,
    )
    if not service:
        stage_deploy.deploy_whole_stage(
            session, max_concurrency=max_concurrency, skip_tests=skip_tests
        )
        return
    result = service_deploy.deploy_service(session, service, runtime, skip_tests=skip_tests)
    rows = [(key, value) for key, value in sorted(result.outputs.items())]
    domain = session.exports().get(naming.export("api-domain-name", stage))
    if domain:
        rows.append(("DomainUrl", f"https://{domain}/{naming.MAPPING_KEYS[service]}"))
    view.table(
        f"{result.stack} ({result.outcome}, {result.seconds:.1f} s)", ("output", "value"), rows
    )


@task(
    help={
        "stage": "stage (declared in stages.toml; default dev)",
        "service": "plan only this service (and the shared stack)",
        "all": "plan every stack of the stage (the default)",
        "local": "plan against the embedded local AWS",
    }
)
@at_edge
def plan(
    c: Context,
    stage: str = "dev",
    service: str | None = None,
    all_: bool = False,
    local: bool = False,
) -> None:
    """Show the waves and what a deploy would do to each stack; changes nothing."""
    from ppdeploy import config, ui  # noqa: PLC0415 - see the module docstring
    from ppdeploy.ui import plan_view  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same
    from ppdeploy.workflows.stage_plan import plan_stage  # noqa: PLC0415 - same

    if service and all_:
        raise InputError("give --service NAME or --all, not both", fix="drop one of them")
    view = ui.for_output()
    session = StageSession.open(
        config.stage(stage), view, use_local=local, assume_yes=False, force=False, read_ahead=True
    )
    plan_view.show(view, stage, plan_stage(session, service))


@task(
    help={
        "service": "the service to switch (account)",
        "to": "the runtime to switch to: python or dotnet",
        "stage": "stage (declared in stages.toml; default dev)",
        "local": "switch on the embedded local AWS (the system must be up: `invoke up`)",
        "yes": "apply without asking",
    }
)
@at_edge
def switch_runtime(
    c: Context,
    to: str,
    service: str = "account",
    stage: str = "dev",
    local: bool = False,
    yes: bool = False,
) -> None:
    """Switch the account service's runtime in place (same API, same mapping), then verify."""
    from ppdeploy import config, ui  # noqa: PLC0415 - see the module docstring
    from ppdeploy.workflows import switch  # noqa: PLC0415 - same
    from ppdeploy.workflows.session import StageSession  # noqa: PLC0415 - same

    session = StageSession.open(
        config.stage(stage), ui.for_output(), use_local=local, assume_yes=yes, force=False
    )
    switch.switch_runtime(session, service, to)
