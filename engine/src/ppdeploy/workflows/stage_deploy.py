"""``invoke deploy --all`` (and ``invoke up``): every stack of a stage, wave by wave.

The graph comes from the templates (what each imports from the others); a wave deploys in
parallel, and after a failed wave no later wave starts. Progress goes out as events: the
stage's stacks first, each wave, each stack's outcome, then the summary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from ppdeploy import catalog, naming
from ppdeploy.decide import graph, stacks
from ppdeploy.errors import PPDeployError, RefusedError
from ppdeploy.events import StackOutcome, StageFinished, StageStarted, WaveStarted
from ppdeploy.model import DeployResult
from ppdeploy.workflows import waves
from ppdeploy.workflows.service_deploy import (
    current_runtime,
    prepare_services,
    send_artifact,
    service_spec_unsent,
)
from ppdeploy.workflows.session import StageSession


def stage_graph(
    session: StageSession,
) -> tuple[graph.StackGraph, dict[str, catalog.ServiceSource]]:
    """Every stack of the stage, ordered by what each imports from the others."""
    # The exports are read while the account stack's runtime is asked and the templates
    # are read: two round trips to CloudFormation at once instead of one after the other.
    with ThreadPoolExecutor(max_workers=1) as background:
        exports = background.submit(session.exports)
        sources = {
            naming.service_stack(service, session.stage.name): catalog.service(
                service, deployed_runtime(session, service)
            )
            for service in naming.SERVICES
        }
        sketches = [stacks.shared_spec(session.stage)]
        sketches += [stacks.service_sketch(session.stage, source) for source in sources.values()]
        return graph.build(sketches, existing_exports=exports.result()), sources


def deployed_runtime(session: StageSession, service: str) -> str | None:
    """The runtime a service's stack runs now; asked of CloudFormation only for a service
    with a choice of runtimes (one call fewer per stack on every deploy and plan)."""
    if len(catalog.RUNTIMES_OF.get(service, ())) < 2:
        return None  # its only runtime, the catalog's default
    return current_runtime(session, service)


def deploy_all(
    session: StageSession, *, max_concurrency: int, skip_tests: bool
) -> list[waves.Outcome]:
    """Every stack of the stage, wave by wave; one outcome per stack (failures included)."""
    stage_stacks, sources = stage_graph(session)
    services = prepare_services(
        sources.values(), session.reporter, skip_tests=skip_tests, force=session.force
    )
    prepared = dict(zip(sources, services, strict=True))

    def deploy_one(name: str) -> DeployResult:
        if name not in prepared:
            return session.deploy(stage_stacks.specs[name])
        # Known once its wave starts (the shared stack's bucket exists by then). The quota
        # check and the upload wait for a change set: a stack skipped on its fingerprint
        # (same artifact key, so the artifact is already what the stack runs) needs neither.
        service = prepared[name]
        return session.deploy(
            service_spec_unsent(session, service),
            before_change_set=lambda _spec: send_artifact(session, service),
        )

    return deploy_graph(session, stage_stacks, deploy_one, max_concurrency=max_concurrency)


def deploy_graph(
    session: StageSession,
    stage_stacks: graph.StackGraph,
    deploy_one: Callable[[str], DeployResult] | None = None,
    *,
    max_concurrency: int = waves.DEFAULT_CONCURRENCY,
) -> list[waves.Outcome]:
    """Deploy the stacks of ``stage_stacks`` wave by wave.

    ``deploy_one`` deploys a stack by name when its spec is only known once its wave starts
    (a service's artifact key); by default the graph's own spec is deployed.
    """

    def deploy_spec(name: str) -> DeployResult:
        return session.deploy(stage_stacks.specs[name])

    def wave_started(number: int, wave: Sequence[str]) -> None:
        session.reporter.emit(WaveStarted(number, tuple(wave)))

    return waves.run_waves(
        stage_stacks.waves(),
        deploy_one or deploy_spec,
        max_concurrency=max_concurrency,
        on_wave=wave_started,
    )


def stage_stack_names(stage: str) -> tuple[str, ...]:
    return (naming.shared_stack(stage), *(naming.service_stack(s, stage) for s in naming.SERVICES))


def deploy_whole_stage(
    session: StageSession,
    *,
    max_concurrency: int = waves.DEFAULT_CONCURRENCY,
    skip_tests: bool = False,
    stage_stacks: graph.StackGraph | None = None,
) -> list[waves.Outcome]:
    """Every stack of the stage with its progress and summary as events; raise on a failure.

    ``deploy --all`` and ``up`` share it, so both show the same progress and the same report.
    ``stage_stacks`` deploys a graph made elsewhere instead of the repository's stage (the
    scale benchmark's generated stages).
    """
    stage = session.stage.name
    names = tuple(stage_stacks.specs) if stage_stacks else stage_stack_names(stage)
    session.reporter.emit(StageStarted(stage, names))
    outcomes: list[waves.Outcome] = []
    try:
        if stage_stacks is None:
            outcomes = deploy_all(session, max_concurrency=max_concurrency, skip_tests=skip_tests)
        else:
            outcomes = deploy_graph(session, stage_stacks, max_concurrency=max_concurrency)
    finally:
        # Also when the graph or a build fails before any wave: the live view must close.
        session.reporter.emit(
            StageFinished(
                stage,
                tuple(StackOutcome(o.stack, o.status, o.seconds, o.reason) for o in outcomes),
            )
        )
    failure = stage_failure(outcomes)
    if failure is not None:
        raise failure
    return outcomes


class StageFailed(PPDeployError):
    """Stacks of a stage failed; its exit code is that of the failure that decides it."""

    def __init__(self, what: str, *, cause: str, fix: str, exit_code: int) -> None:
        super().__init__(what, cause=cause, fix=fix)
        self.exit_code = exit_code


def stage_failure(outcomes: Sequence[waves.Outcome]) -> PPDeployError | None:
    """The one error a stage deploy ends with, of the kind its failures were, or None.

    The exit code follows the README's promise: 5 when every failure is a refusal (a guard
    or the person declined, nothing changed), else the code of the first failure that is not
    one (4 for a CloudFormation failure). The first failure's fix is said once, as the fix.
    """
    failed = [o for o in outcomes if o.status == "failed" and o.error is not None]
    if not failed:
        return None
    errors = [o.error for o in failed if o.error is not None]
    decisive = next((e for e in errors if not isinstance(e, RefusedError)), errors[0])
    return StageFailed(
        f"{len(failed)} stack(s) failed: {', '.join(o.stack for o in failed)}",
        cause=decisive.what + (f" ({decisive.cause})" if decisive.cause else ""),
        fix=decisive.fix or "correct the cause and run the same command again",
        exit_code=decisive.exit_code,
    )
