"""Operations tasks: status, exports, outputs, events and logs, without the `aws` CLI."""

from __future__ import annotations

import contextlib

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import config, lifecycle, naming, ops
from ppdeploy import target as targets
from ppdeploy.cloudformation import CloudFormation
from ppdeploy.errors import InputError
from ppdeploy.tasks.edge import at_edge
from ppdeploy.ui import Reporter

STAGE_HELP = "stage (declared in stages.toml; default dev)"
LOCAL_HELP = "read the embedded local AWS"


def _cfn(stage: str, local: bool) -> tuple[targets.Target, CloudFormation]:
    target = targets.for_stage(config.stage(stage), use_local=local)
    return target, CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)


@task(help={"stage": STAGE_HELP, "local": LOCAL_HELP})
@at_edge
def status(c: Context, stage: str = "dev", local: bool = False) -> None:
    """Every stack of the stage: status, last change, and the account service's runtime."""
    _, cfn = _cfn(stage, local)
    rows = [(s.stack, s.status, s.last_change, s.runtime) for s in ops.stage_status(cfn, stage)]
    Reporter().table(f"stage {stage}", ("stack", "status", "last change", "runtime"), rows)


@task(help={"stage": STAGE_HELP, "local": LOCAL_HELP})
@at_edge
def exports(c: Context, stage: str = "dev", local: bool = False) -> None:
    """Each export of the stage, its value, and the stacks importing it."""
    _, cfn = _cfn(stage, local)
    rows = [
        (name, value, ", ".join(importers) or "-")
        for name, value, importers in ops.stage_exports(cfn, stage)
    ]
    Reporter().table(f"exports of stage {stage}", ("export", "value", "imported by"), rows)


@task(help={"stack": "the stack's name", "stage": STAGE_HELP, "local": LOCAL_HELP})
@at_edge
def outputs(c: Context, stack: str, stage: str = "dev", local: bool = False) -> None:
    """The outputs of one stack."""
    _, cfn = _cfn(stage, local)
    state = cfn.describe(stack)
    if state is None:
        raise InputError(
            f"stack {stack} does not exist",
            fix=f"`invoke status --stage {stage}` lists the stage's stacks",
        )
    Reporter().table(
        f"{stack} ({state.status})", ("output", "value"), sorted(state.outputs.items())
    )


@task(
    help={
        "stack": "the stack's name",
        "limit": "how many of the latest events (default 30)",
        "stage": STAGE_HELP,
        "local": LOCAL_HELP,
    }
)
@at_edge
def events(
    c: Context, stack: str, limit: int = 30, stage: str = "dev", local: bool = False
) -> None:
    """The latest events of one stack, oldest first, with the reason of each failure."""
    _, cfn = _cfn(stage, local)
    rows = [
        (f"{e.timestamp:%Y-%m-%d %H:%M:%S}", e.logical_id, e.resource_type, e.status, e.reason)
        for e in ops.recent_events(cfn, stack, limit)
    ]
    Reporter().table(
        f"events of {stack}", ("time (UTC)", "resource", "type", "status", "reason"), rows
    )


@task(
    help={
        "service": f"the service ({', '.join(naming.SERVICES)})",
        "since": "how far back to start, e.g. 10m, 2h, 1d (default 10m)",
        "follow": "keep printing new lines until Ctrl-C",
        "stage": STAGE_HELP,
        "local": LOCAL_HELP,
    }
)
@at_edge
def logs(
    c: Context,
    service: str,
    since: str = "10m",
    follow: bool = False,
    stage: str = "dev",
    local: bool = False,
) -> None:
    """A service's CloudWatch Logs from --since ago; --follow keeps tailing."""
    if service not in naming.SERVICES:
        raise InputError(
            f"unknown service {service!r}", fix=f"use one of: {', '.join(naming.SERVICES)}"
        )
    seconds = ops.parse_since(since)
    target, _ = _cfn(stage, local)
    with contextlib.suppress(KeyboardInterrupt):
        for line in ops.log_lines(
            target.client("logs"),
            naming.log_group(service, stage),
            since_seconds=seconds,
            follow=follow,
        ):
            print(line, flush=True)


@task(
    help={
        "stack": "the stack's name",
        "stage": STAGE_HELP,
        "local": "delete it from the embedded local AWS",
        "yes": "delete without asking",
    }
)
@at_edge
def delete_stack(
    c: Context, stack: str, stage: str = "dev", local: bool = False, yes: bool = False
) -> None:
    """Delete a stack, unless another stack imports its exports (retained data stays)."""
    _, cfn = _cfn(stage, local)
    lifecycle.delete(cfn, stack, Reporter(), assume_yes=yes)


@task(
    iterable=["skip"],
    help={
        "stack": "the stack stuck in UPDATE_ROLLBACK_FAILED",
        "skip": "a resource whose rollback failed, to skip (logical id; repeatable)",
        "stage": STAGE_HELP,
        "local": LOCAL_HELP,
        "yes": "continue without asking",
    },
)
@at_edge
def recover(
    c: Context,
    stack: str,
    skip: list[str] | None = None,
    stage: str = "dev",
    local: bool = False,
    yes: bool = False,
) -> None:
    """Continue a rollback stuck in UPDATE_ROLLBACK_FAILED, after showing what failed."""
    _, cfn = _cfn(stage, local)
    lifecycle.recover(cfn, stack, skip or [], Reporter(), assume_yes=yes)
