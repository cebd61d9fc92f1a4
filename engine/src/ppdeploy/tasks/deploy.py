"""``invoke deploy`` and ``invoke plan``: service stacks and whole stages."""

from __future__ import annotations

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import config, executor, localstage, naming, switch, workflows
from ppdeploy import local_aws as localaws
from ppdeploy import plan as plans
from ppdeploy.errors import InputError, PPDeployError, TargetError
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter


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
        "max-concurrency": "with --all: stacks deployed at once "
        f"(default {executor.DEFAULT_CONCURRENCY})",
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
    max_concurrency: int = executor.DEFAULT_CONCURRENCY,
    allow_replace: list[str] | None = None,
) -> None:
    """Deploy a service (checking what it depends on) or, with --all, every stack of a stage."""
    _scope(service, all_)
    if max_concurrency < 1:
        raise InputError(
            f"--max-concurrency {max_concurrency} is below 1", fix="give 1 or more (default 4)"
        )
    reporter = Reporter()
    session = workflows.StageSession.open(
        config.stage(stage),
        reporter,
        use_local=local,
        assume_yes=yes,
        force=force,
        allow_replace=allow_replace or (),
    )
    if service:
        result = workflows.deploy_service(session, service, runtime, skip_tests=skip_tests)
        rows = [(key, value) for key, value in sorted(result.outputs.items())]
        domain = session.exports().get(naming.export("api-domain-name", stage))
        if domain:
            rows.append(("DomainUrl", f"https://{domain}/{service}"))
        reporter.table(
            f"{result.stack} ({result.outcome}, {result.seconds:.1f} s)", ("output", "value"), rows
        )
        return
    if runtime:
        raise InputError("--runtime applies to --service account only", fix="drop --runtime")
    deploy_whole_stage(session, reporter, max_concurrency=max_concurrency, skip_tests=skip_tests)


def deploy_whole_stage(
    session: workflows.StageSession,
    reporter: Reporter,
    *,
    max_concurrency: int = executor.DEFAULT_CONCURRENCY,
    skip_tests: bool = False,
) -> None:
    """Every stack of the stage in waves, with live progress and a summary; raise on failure."""
    stage = session.stage.name
    stage_stacks = [
        naming.shared_stack(stage),
        *(naming.service_stack(s, stage) for s in naming.SERVICES),
    ]
    with reporter.live_progress(stage_stacks) as progress:
        outcomes = workflows.deploy_all(
            session, max_concurrency=max_concurrency, skip_tests=skip_tests
        )
        for outcome in outcomes:
            progress.finish(outcome.stack, outcome.status, outcome.seconds)
    reporter.table(
        f"stage {stage}",
        ("stack", "result", "seconds", "reason"),
        [(o.stack, o.status, f"{o.seconds:.1f}", o.reason) for o in outcomes],
    )
    failures = [o for o in outcomes if o.status == "failed"]
    if failures:
        first = failures[0].error
        assert first is not None  # noqa: S101 - a failed outcome carries its error
        raise PPDeployError(
            f"{len(failures)} stack(s) failed: {', '.join(o.stack for o in failures)}",
            cause=str(first),
            fix=first.fix or "correct the cause and run the same command again",
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
    if service and all_:
        raise InputError("give --service NAME or --all, not both", fix="drop one of them")
    reporter = Reporter()
    session = workflows.StageSession.open(
        config.stage(stage), reporter, use_local=local, assume_yes=False, force=False
    )
    rows = []
    items = plans.plan_stage(session, service)
    for item in items:
        dangerous = {danger.logical_id: danger for danger in item.dangers}
        lines = []
        for change in item.changes:
            line = f"{change.action} {change.logical_id}"
            if change.replacement not in ("", "False"):
                line += f" (replacement {change.replacement})"
            if change.logical_id in dangerous:
                line = f"DANGEROUS {line}: {dangerous[change.logical_id].because}"
            lines.append(line)
        rows.append((str(item.wave), item.stack, item.action, "\n".join(lines)))
    reporter.table(f"plan for stage {stage}", ("wave", "stack", "action", "changes"), rows)
    for item in items:
        for danger in item.dangers:
            reporter.warn(
                f"DANGEROUS: {item.stack}: {danger.describe()}; a deploy refuses it unless "
                f"given --allow-replace {danger.logical_id}"
            )


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
    reporter = Reporter()
    session = workflows.StageSession.open(
        config.stage(stage), reporter, use_local=local, assume_yes=yes, force=False
    )

    def urls() -> dict[str, str]:
        if not local:
            return workflows.service_urls(session)
        served = localaws.gateway_status()
        if not served.running or served.url is None:
            raise TargetError(
                "the local gateway is not running, so the switch could not be verified",
                fix="run `invoke up` first; nothing was changed",
            )
        return localstage.service_urls(served.url)

    switch.switch_runtime(session, service, to, service_urls=urls)
