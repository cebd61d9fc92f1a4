"""The deploy workflows: one service with its dependencies checked, or the whole stage in waves."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ppdeploy import artifacts, catalog, executor, graph, naming, preflight, servicetests, stacks
from ppdeploy import build as builds
from ppdeploy import target as targets
from ppdeploy.cloudformation import CloudFormation
from ppdeploy.config import Stage
from ppdeploy.deploy import deploy_stack
from ppdeploy.errors import DeployError, InputError, RefusedError
from ppdeploy.fingerprint import SETTLED
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.ui import Reporter


@dataclass
class StageSession:
    """One stage on one target, with what every workflow needs to reach it."""

    stage: Stage
    target: targets.Target
    cfn: CloudFormation
    reporter: Reporter
    assume_yes: bool
    force: bool = False
    allow_replace: frozenset[str] = frozenset()
    # One reading of the exports serves every stack until a deploy changes something.
    _exports: dict[str, str] | None = field(default=None, init=False, repr=False)
    _exports_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def open(
        cls,
        stage: Stage,
        reporter: Reporter,
        *,
        use_local: bool,
        assume_yes: bool,
        force: bool,
        allow_replace: Iterable[str] = (),
    ) -> StageSession:
        target = targets.for_stage(stage, use_local=use_local)
        cfn = CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)
        return cls(stage, target, cfn, reporter, assume_yes, force, frozenset(allow_replace))

    def approve(self, spec: StackSpec, _change_set: object) -> bool:
        return self.reporter.confirm(
            f"Apply these changes to {spec.name} on {self.target.description}?",
            assume_yes=self.assume_yes,
        )

    def exports(self) -> dict[str, str]:
        """The account's exports, read once and reused until a deploy changes something."""
        with self._exports_lock:
            if self._exports is None:
                self._exports = self.cfn.exports()
            return dict(self._exports)

    def deploy(self, spec: StackSpec) -> DeployResult:
        """Lint, then deploy ``spec`` (skipped when its fingerprint matches, unless forced)."""
        result = deploy_stack(
            self.cfn,
            spec,
            self.reporter,
            approve=self.approve,
            force=self.force,
            allow_replace=self.allow_replace,
            precheck=self.lint,
            exports_now=self.exports,
        )
        if result.outcome != "unchanged":
            with self._exports_lock:
                self._exports = None
        return result

    def lint(self, spec: StackSpec) -> None:
        for warning in preflight.lint(spec.template, self.stage.region):
            self.reporter.warn(f"{spec.name}: cfn-lint: {warning}")


@dataclass(frozen=True)
class PreparedService:
    source: catalog.ServiceSource
    artifact: builds.Artifact


def prepare_services(
    sources: Iterable[catalog.ServiceSource],
    reporter: Reporter,
    *,
    skip_tests: bool,
    force: bool = False,
) -> list[PreparedService]:
    """Build each artifact, then run the services' own tests side by side.

    A suite runs only when something it reads changed since it last passed (or ``force``).
    """
    prepared = []
    for source in sources:
        artifact = builds.build(source)
        state = "reused" if artifact.reused else "built"
        reporter.info(f"{source.key}: artifact {state} ({artifact.size / 1_000_000:.2f} MB)")
        prepared.append(PreparedService(source, artifact))
    if skip_tests:
        for service in prepared:
            reporter.warn(f"{service.source.key}: tests skipped (--skip-tests)")
        return prepared
    for tested in servicetests.run_all([service.source for service in prepared], force=force):
        reporter.success(f"{tested.key}: tests passed")
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
    exports = session.exports()
    stage = session.stage.name
    bucket = exports.get(naming.export("artifacts-bucket", stage))
    if bucket is None:
        raise DeployError(
            f"the shared stack of {stage} exports no artifacts bucket",
            fix=f"deploy the shared stack first: `invoke deploy-shared --stage {stage}`",
        )
    if upload and artifacts.upload(session.target.client("s3"), bucket, prepared.artifact):
        session.reporter.info(
            f"{prepared.source.key}: uploaded s3://{bucket}/{prepared.artifact.s3_key}"
        )
    return stacks.service_spec(
        session.stage,
        prepared.source,
        artifact_bucket=bucket,
        artifact_key=prepared.artifact.s3_key,
        domain=service_domain(session, prepared.source.service, exports),
    )


def service_domain(session: StageSession, service: str, exports: Mapping[str, str]) -> str:
    """The custom domain a service is mapped on: the shared stack's, else the one it has.

    A stage migrated from the legacy stack keeps the legacy domain (the shared stack does
    not own it); the service stack's own DomainName parameter remembers it.
    """
    shared_domain = exports.get(naming.export("api-domain-name", session.stage.name))
    if shared_domain:
        return shared_domain
    state = session.cfn.describe(naming.service_stack(service, session.stage.name))
    return state.parameters.get("DomainName", "") if state else ""


def ensure_shared(session: StageSession, service: str) -> None:
    """The shared stack exists and is healthy, or (asked, or --yes) is deployed now."""
    name = naming.shared_stack(session.stage.name)
    state = session.cfn.describe(name)
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
    if state.status not in SETTLED:
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
    state = session.cfn.describe(naming.service_stack(service, session.stage.name))
    return state.tags.get(stacks.RUNTIME_TAG) if state else None


def stage_graph(
    session: StageSession,
) -> tuple[graph.StackGraph, dict[str, catalog.ServiceSource]]:
    """Every stack of the stage, ordered by what each imports from the others."""
    sources = {
        naming.service_stack(service, session.stage.name): catalog.service(
            service, current_runtime(session, service)
        )
        for service in naming.SERVICES
    }
    sketches = [stacks.shared_spec(session.stage)]
    sketches += [stacks.service_sketch(session.stage, source) for source in sources.values()]
    return graph.build(sketches, existing_exports=session.exports()), sources


def deploy_all(
    session: StageSession, *, max_concurrency: int, skip_tests: bool
) -> list[executor.Outcome]:
    """``invoke deploy --all``: every stack of the stage, wave by wave."""
    stage_stacks, sources = stage_graph(session)
    waves = stage_stacks.waves()
    services = prepare_services(
        sources.values(), session.reporter, skip_tests=skip_tests, force=session.force
    )
    prepared = dict(zip(sources, services, strict=True))
    for number, wave in enumerate(waves, start=1):
        session.reporter.info(f"wave {number}: {', '.join(wave)}")

    def deploy_one(name: str) -> DeployResult:
        if name in prepared:
            return session.deploy(service_spec(session, prepared[name]))
        return session.deploy(stage_stacks.specs[name])

    return executor.run_waves(waves, deploy_one, max_concurrency=max_concurrency)


def service_urls(session: StageSession) -> dict[str, str]:
    """Each service's base URL: through its custom domain, or the API's own URL."""
    exports = session.exports()
    urls = {}
    for service in naming.SERVICES:
        domain = service_domain(session, service, exports)
        if domain:
            urls[service] = f"https://{domain}/{naming.MAPPING_KEYS[service]}"
            continue
        state = session.cfn.describe(naming.service_stack(service, session.stage.name))
        if state is None or "ApiUrl" not in state.outputs:
            raise DeployError(
                f"{service} is not deployed on stage {session.stage.name}",
                fix=f"deploy it: `invoke deploy --service {service} --stage {session.stage.name}`",
            )
        urls[service] = state.outputs["ApiUrl"].rstrip("/")
    return urls
