"""``invoke deploy --service``: one service stack, with what it depends on checked first.

The shared stack must exist and be settled (or is deployed when asked), every export the
service imports must exist, and the service's artifact is built and its own tests pass
before a change set is made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ppdeploy import build as builds
from ppdeploy import catalog, naming, servicetests
from ppdeploy.aws import artifacts
from ppdeploy.decide import graph, health, preflight, stacks
from ppdeploy.errors import DeployError, InputError, RefusedError
from ppdeploy.events import Message, Reporter, StackNote
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.workflows.session import StageSession


@dataclass(frozen=True)
class PreparedService:
    source: catalog.ServiceSource
    artifact: builds.Artifact


def _build_all(
    sources: Sequence[catalog.ServiceSource],
) -> dict[str, builds.Artifact]:
    """Every artifact, by source key; builds of different dependency sets side by side.

    A build is mostly pip (a subprocess) and zipping; two services that pin the same
    requirements share one dependency folder in the build cache, so those build one after
    the other (the second reuses the first's install) and never write that folder at once.
    """
    groups: dict[tuple[str, ...], list[catalog.ServiceSource]] = {}
    for source in sources:
        groups.setdefault(source.requirements, []).append(source)

    def build_group(group: list[catalog.ServiceSource]) -> list[builds.Artifact]:
        return [builds.build(source) for source in group]

    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        built = list(pool.map(build_group, groups.values()))
    return {
        source.key: artifact
        for group, artifacts in zip(groups.values(), built, strict=True)
        for source, artifact in zip(group, artifacts, strict=True)
    }


def prepare_services(
    sources: Iterable[catalog.ServiceSource],
    reporter: Reporter,
    *,
    skip_tests: bool,
    force: bool = False,
) -> list[PreparedService]:
    """Build every artifact, then run the services' own tests side by side, to the end.

    A suite runs only when something it reads changed since it last passed on this
    machine (or ``force``). The suites do not overlap the deploy: on a machine of two
    cores the three suites already use both, and run beside the shared stack's deploy
    they took 120 s instead of 76 s, so a cold-cache ``up`` took 150-161 s against 115 s
    (measured with bench/up.py's breakdown; the report of issue 14 has the figures).
    """
    listed = list(sources)
    artifacts = _build_all(listed)
    prepared = []
    for source in listed:
        artifact = artifacts[source.key]
        state = "reused" if artifact.reused else "built"
        size = artifact.size / 1_000_000
        reporter.emit(Message(f"{source.key}: artifact {state} ({size:.2f} MB)"))
        prepared.append(PreparedService(source, artifact))
    if skip_tests:
        for service in prepared:
            reporter.emit(Message(f"{service.source.key}: tests skipped (--skip-tests)", "warn"))
        return prepared
    for tested in servicetests.run_all(listed, force=force):
        reporter.emit(Message(f"{tested.key}: tests passed", "success"))
    return prepared


def prepare_service(
    source: catalog.ServiceSource, reporter: Reporter, *, skip_tests: bool, force: bool = False
) -> PreparedService:
    """Build the artifact and run the service's own tests (see ``prepare_services``)."""
    return prepare_services([source], reporter, skip_tests=skip_tests, force=force)[0]


def service_spec(
    session: StageSession, prepared: PreparedService, *, upload: bool = True
) -> StackSpec:
    """The service stack, its artifact uploaded to the stage's artifacts bucket."""
    spec = service_spec_unsent(session, prepared)
    send_artifact(session, prepared, upload=upload)
    return spec


def service_spec_unsent(session: StageSession, prepared: PreparedService) -> StackSpec:
    """The service stack's spec, before ``send_artifact`` (nothing checked or uploaded)."""
    exports = session.exports()
    return stacks.service_spec(
        session.stage,
        prepared.source,
        artifact_bucket=_artifacts_bucket(session.stage.name, exports),
        artifact_key=prepared.artifact.s3_key,
        domain=service_domain(session, prepared.source.service, exports),
    )


def send_artifact(session: StageSession, prepared: PreparedService, *, upload: bool = True) -> None:
    """What a change set using the artifact needs: the quota checked, the artifact uploaded.

    ``deploy --all`` runs it just before a change set is made, so a stack skipped on its
    fingerprint (its artifact key unchanged) costs neither call.
    """
    bucket = _artifacts_bucket(session.stage.name, session.exports())
    # Before the upload: a reservation the account's quota cannot give ends the deploy here
    # (the local AWS answers GetAccountSettings with its own quota).
    if prepared.source.service == "account":
        preflight.check_reserved_concurrency(session.stage, session.target.client("lambda"))
    if upload and artifacts.upload(session.target.client("s3"), bucket, prepared.artifact):
        session.reporter.emit(
            Message(f"{prepared.source.key}: uploaded s3://{bucket}/{prepared.artifact.s3_key}")
        )


def _artifacts_bucket(stage: str, exports: Mapping[str, str]) -> str:
    bucket = exports.get(naming.export("artifacts-bucket", stage))
    if bucket is None:
        raise DeployError(
            f"the shared stack of {stage} exports no artifacts bucket",
            fix=f"deploy the shared stack first: `invoke deploy-shared --stage {stage}`",
        )
    return bucket


def service_domain(session: StageSession, service: str, exports: Mapping[str, str]) -> str:
    """The custom domain a service is mapped on: the shared stack's, else the one it has.

    A stage migrated from the legacy stack keeps the legacy domain (the shared stack does
    not own it); the service stack's own DomainName parameter remembers it.
    """
    shared_domain = exports.get(naming.export("api-domain-name", session.stage.name))
    if shared_domain:
        return shared_domain
    state = session.stack_state(naming.service_stack(service, session.stage.name))
    return state.parameters.get("DomainName", "") if state else ""


def ensure_shared(session: StageSession, service: str) -> None:
    """The shared stack exists and is healthy, or (asked, or --yes) is deployed now."""
    name = naming.shared_stack(session.stage.name)
    state = session.stack_state(name)
    if state is None:
        if not session.assume_yes and not session.reporter.interactive:
            raise RefusedError(
                f"the shared stack {name} does not exist",
                cause=f"{service} imports its values (tables, secret, network)",
                fix=f"add --yes to deploy it first, or run `invoke deploy-shared --stage "
                f"{session.stage.name}`",
            )
        if not session.reporter.confirm(
            f"The shared stack {name} does not exist. Deploy it first?",
            assume_yes=session.assume_yes,
        ):
            raise RefusedError(f"the shared stack {name} does not exist; nothing was deployed")
        session.deploy(stacks.shared_spec(session.stage))
        return
    said = health.note(state.status)
    if said:
        session.reporter.emit(StackNote(name, said, "warn"))
    if not health.usable(state.status):
        raise DeployError(
            f"the shared stack {name} is {state.status}",
            cause=state.status_reason or "it is not in a completed state",
            fix=f"repair it first (`invoke deploy-shared --stage {session.stage.name}`)",
        )


def check_imports(session: StageSession, sketch: StackSpec) -> None:
    """Every export the template imports exists now; else list the missing ones."""
    live = session.exports()
    missing = sorted(name for name in graph.imports_of(sketch) if name not in live)
    if missing:
        raise InputError(
            f"{sketch.template.path} imports exports that do not exist: {', '.join(missing)}",
            cause=f"the shared stack {naming.shared_stack(session.stage.name)} does not "
            "export them",
            fix="add them to the shared template and run `invoke deploy-shared`, or correct "
            "the names in the service template",
        )


def deploy_service(
    session: StageSession, service: str, runtime: str | None, *, skip_tests: bool
) -> DeployResult:
    """``invoke deploy --service``: dependencies checked, built, tested, deployed."""
    source = catalog.service(service, runtime)
    sketch = stacks.service_sketch(session.stage, source)
    ensure_shared(session, service)
    check_imports(session, sketch)
    prepared = prepare_service(source, session.reporter, skip_tests=skip_tests, force=session.force)
    return session.deploy(service_spec(session, prepared))


def current_runtime(session: StageSession, service: str) -> str | None:
    """The runtime the service's deployed stack runs, from its tag (None when not deployed)."""
    state = session.stack_state(naming.service_stack(service, session.stage.name))
    return state.tags.get(stacks.RUNTIME_TAG) if state else None
