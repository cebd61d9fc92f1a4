"""Switch the account service between its Python and .NET runtimes, safely.

Both templates share the API's and the mapping's logical ids, so the same stack keeps
its API id and its domain mapping; only the function changes. The target runtime must
build and pass its own tests before anything changes, and a failed verify afterwards
switches back automatically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ppdeploy import catalog, naming, stacks, verify, workflows
from ppdeploy.errors import InputError, PPDeployError
from ppdeploy.model import DeployResult
from ppdeploy.verify import VerifyFailed

SWITCHABLE = "account"


class SwitchedBack(PPDeployError):
    """The new runtime failed verify; the previous runtime was restored."""

    exit_code = 6


def switch_runtime(
    session: workflows.StageSession,
    service: str,
    to: str,
    *,
    service_urls: Callable[[], Mapping[str, str]],
) -> DeployResult:
    """Deploy ``service`` on runtime ``to``, verify, and switch back if verify fails."""
    if service != SWITCHABLE:
        raise InputError(
            f"service {service!r} has one runtime only",
            cause=f"only {SWITCHABLE} runs on both python and dotnet",
            fix=f"use --service {SWITCHABLE}",
        )
    target = catalog.service(service, to)  # refuses an unknown runtime by name
    stack = naming.service_stack(service, session.stage.name)
    current = workflows.current_runtime(session, service)
    if current is None:
        raise InputError(
            f"{stack} is not deployed, so there is no runtime to switch from",
            fix=f"deploy it first: `invoke deploy --service {service} --runtime {to}`",
        )
    if current == to:
        session.reporter.success(f"{stack} already runs {to}; nothing to switch")
        state = session.cfn.describe(stack)
        return DeployResult(stack, "unchanged", 0.0, state.outputs if state else {})
    urls = {service: service_urls()[service]}  # the route must exist before any change
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
    prepared = workflows.prepare_service(target, session.reporter, skip_tests=False)
    session.reporter.info(f"{stack}: switching {current} -> {to}")
    result = session.deploy(workflows.service_spec(session, prepared))
    try:
        verify.run(verify.Journey(urls=urls, report=session.reporter.info, expected_runtime=to))
    except VerifyFailed as failure:
        session.reporter.warn(f"{stack}: verify failed on {to}; switching back to {current}")
        session.deploy(previous)
        raise SwitchedBack(
            f"{stack} failed verify on {to} and was switched back to {current}",
            cause=str(failure),
            fix=f"fix the {to} runtime (its logs: `invoke logs --service {service}`) and "
            "switch again",
        ) from failure
    session.reporter.success(f"{stack}: now runs {to}; verify passed")
    return result
