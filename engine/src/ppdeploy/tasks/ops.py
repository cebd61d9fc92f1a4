"""Operations tasks: status, exports, outputs, events and logs, without the `aws` CLI.

As in every task module, the engine loads inside the task bodies: loading ``tasks.py``
for one command must not load what another command needs.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from invoke.context import Context
from invoke.tasks import task

from ppdeploy import naming, ui
from ppdeploy.errors import InputError
from ppdeploy.tasks.edge import at_edge

if TYPE_CHECKING:
    from ppdeploy.aws.cloudformation import CloudFormation

STAGE_HELP = "stage (declared in stages.toml; default dev)"
LOCAL_HELP = "read the embedded local AWS"


def _cfn(stage: str, local: bool) -> tuple[Any, CloudFormation]:
    """The stage's target and its CloudFormation adapter (botocore loads here, not on import)."""
    from ppdeploy import config  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws import target as targets  # noqa: PLC0415 - tasks load the engine when they run
    from ppdeploy.aws.cloudformation import CloudFormation  # noqa: PLC0415 - tasks load the engine when they run

    target = targets.for_stage(config.stage(stage), use_local=local)
    return target, CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)


@task(help={"stage": STAGE_HELP, "local": LOCAL_HELP})
@at_edge
def status(c: Context, stage: str = "dev", local: bool = False) -> None:
    """Every stack of the stage: status, last change, and the account service's runtime."""
    from ppdeploy.workflows import inspect  # noqa: PLC0415 - tasks load the engine when they run

    _, cfn = _cfn(stage, local)
    rows = [(s.stack, s.status, s.last_change, s.runtime) for s in inspect.stage_status(cfn, stage)]
    ui.for_output().table(f"stage {stage}", ("stack", "status", "last change", "runtime"), rows)


@task(help={"stage": STAGE_HELP, "local": LOCAL_HELP})
@at_edge
def exports(c: Context, stage: str = "dev", local: bool = False) -> None:
    """Each export of the stage, its value, and the stacks importing it."""
    from ppdeploy.workflows import inspect  # noqa: PLC0415 - tasks load the engine when they run

    _, cfn = _cfn(stage, local)
    rows = [
        (name, value, ", ".join(importers) or "-")
        for name, value, importers in inspect.stage_exports(cfn, stage)
    ]
    ui.for_output().table(f"exports of stage {stage}", ("export", "value", "imported by"), rows)


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
    ui.for_output().table(
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
    from ppdeploy.workflows import inspect  # noqa: PLC0415 - tasks load the engine when they run

    _, cfn = _cfn(stage, local)
    rows = [
        (f"{e.timestamp:%Y-%m-%d %H:%M:%S}", e.logical_id, e.resource_type, e.status, e.reason)
        for e in inspect.recent_events(cfn, stack, limit)
    ]
    ui.for_output().table(
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
    """A service's CloudWatch Logs from --since ago; --follow keeps tailing.

    With no event in the window it says so ("no log events in GROUP since TIME") and exits
    0; with --follow it then waits for new lines.
    """
    from ppdeploy.workflows import inspect  # noqa: PLC0415 - tasks load the engine when they run

    if service not in naming.SERVICES:
        raise InputError(
            f"unknown service {service!r}", fix=f"use one of: {', '.join(naming.SERVICES)}"
        )
    seconds = inspect.parse_since(since)
    target, _ = _cfn(stage, local)
    group = naming.log_group(service, stage)
    printed = False
    with contextlib.suppress(KeyboardInterrupt):
        for batch in inspect.log_batches(
            target.client("logs"), group, since_seconds=seconds, follow=follow
        ):
            if not printed and not batch:
                printed = True  # said once; --follow goes on waiting
                message = inspect.no_events_line(group, seconds)
                print(message + ("; waiting for new ones (Ctrl-C stops)" if follow else ""))
            for line in batch:
                printed = True
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
    from ppdeploy.workflows import lifecycle  # noqa: PLC0415 - tasks load the engine when they run

    _, cfn = _cfn(stage, local)
    lifecycle.delete(cfn, stack, ui.for_output(), assume_yes=yes)


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
    from ppdeploy.workflows import lifecycle  # noqa: PLC0415 - tasks load the engine when they run

    _, cfn = _cfn(stage, local)
    lifecycle.recover(cfn, stack, skip or [], ui.for_output(), assume_yes=yes)
