"""Switch the account service between its Python and .NET runtimes, safely.

Both templates share the API's and the mapping's logical ids, so the same stack keeps
its API id and its domain mapping; only the function changes. The target runtime must
build and pass its own tests before anything changes, and a failed verify afterwards
switches back automatically.

The switch is atomic for callers. Runtime, handler and code cannot change together on the
function itself: CloudFormation updates its configuration and its code one after the
other, each taking effect on its own ("Lambda function states"), so for a moment the
Python handler would run on ``dotnet10``, or the reverse. The API therefore integrates the
alias ``live`` (SAM ``AutoPublishAlias`` in both templates), never ``$LATEST``: the one
stack update changes the function, publishes the new version once that change has
completed, and moves the alias to it; until then the previous version serves every request
("Lambda function aliases"). Switching back is the same update in reverse: the previous
template and artifact, published again, the alias moved back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ppdeploy import catalog, naming
from ppdeploy.decide import stacks
from ppdeploy.errors import InputError, PPDeployError
from ppdeploy.events import StackNote
from ppdeploy.model import DeployResult
from ppdeploy.workflows import mailbox, urls, verify
from ppdeploy.workflows.service_deploy import current_runtime, prepare_service, service_spec
from ppdeploy.workflows.session import StageSession
from ppdeploy.workflows.verify import VerifyFailed

SWITCHABLE = "account"


class SwitchedBack(PPDeployError):
    """The new runtime failed verify; the previous runtime was restored."""

    exit_code = 6


def switch_runtime(
    session: StageSession,
    service: str,
    to: str,
    *,
    service_urls: Callable[[], Mapping[str, str]] | None = None,
    walk: Callable[[verify.Journey], None] = verify.run,
) -> DeployResult:
    """Deploy ``service`` on runtime ``to``, verify, and switch back if verify fails.

    ``service_urls`` (default: ``urls.service_urls``) says where the services answer;
    ``walk`` walks the verify journey (default: the real one, over HTTP).
    """
    read_urls = service_urls or (lambda: urls.service_urls(session))
    if service != SWITCHABLE:
        raise InputError(
            f"service {service!r} has one runtime only",
            cause=f"only {SWITCHABLE} runs on both python and dotnet",
            fix=f"use --service {SWITCHABLE}",
        )
    target = catalog.service(service, to)  # refuses an unknown runtime by name
    stack = naming.service_stack(service, session.stage.name)
    current = current_runtime(session, service)
    if current is None:
        raise InputError(
            f"{stack} is not deployed, so there is no runtime to switch from",
            fix=f"deploy it first: `invoke deploy --service {service} --runtime {to}`",
        )
    if current == to:
        session.reporter.emit(StackNote(stack, f"already runs {to}; nothing to switch", "success"))
        state = session.cfn.describe(stack)
        return DeployResult(stack, "unchanged", 0.0, state.outputs if state else {})
    journey_urls = {service: read_urls()[service]}  # the route must exist before any change
    mail = mailbox.for_session(session)  # locally: the outbox, the local SES made to send
    state = session.cfn.describe(stack)
    assert state is not None  # noqa: S101 - current_runtime found the stack
    # Switching back redeploys exactly what runs now: its template and its artifact.
    previous = stacks.service_spec(
        session.stage,
        catalog.service(service, current),
        artifact_bucket=state.parameters["ArtifactBucket"],
        artifact_key=state.parameters["ArtifactKey"],
        domain=state.parameters.get("DomainName", ""),
    )
    prepared = prepare_service(target, session.reporter, skip_tests=False)
    session.reporter.emit(StackNote(stack, f"switching {current} -> {to}"))
    result = session.deploy(service_spec(session, prepared))
    journey = verify.Journey(
        urls=journey_urls, report=session.say, expected_runtime=to, mailbox=mail
    )
    try:
        walk(journey)
    except VerifyFailed as failure:
        session.reporter.emit(
            StackNote(stack, f"verify failed on {to}; switching back to {current}", "warn")
        )
        session.deploy(previous)
        raise SwitchedBack(
            f"{stack} failed verify on {to} and was switched back to {current}",
            cause=str(failure),
            fix=f"fix the {to} runtime (its logs: `invoke logs --service {service}`) and "
            "switch again",
        ) from failure
    if result.outputs.get("LiveAlias"):
        alias = result.outputs["LiveAlias"]
        session.reporter.emit(StackNote(stack, f"the API invokes {alias}, moved in one update"))
    skipped = journey.outcome().skipped
    if skipped:
        # On AWS the journey has no mailbox: what it could not prove is said, not hidden.
        session.reporter.emit(
            StackNote(
                stack,
                f"verify passed what it could run on {to} but skipped {len(skipped)} signed-in "
                f"steps ({skipped[0].reason})",
                "warn",
            )
        )
        return result
    session.reporter.emit(StackNote(stack, f"now runs {to}; verify passed", "success"))
    return result
