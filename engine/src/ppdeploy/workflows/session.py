"""One stage on one target: the session every workflow works in.

It opens the target (AWS or the local AWS), holds the CloudFormation adapter and the
Reporter, resolves the stage's parameters on that target (the one place every task gets
them, so ``up``, ``plan``, ``deploy`` and the rest see the same stage), asks for approval,
reads the exports and the stacks' states once for many stacks, and deploys one stack with
the stage's lint as its precheck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ppdeploy import naming
from ppdeploy.aws import target as targets
from ppdeploy.aws.cloudformation import CloudFormation, StackState
from ppdeploy.aws.codedeploy import CodeDeploy
from ppdeploy.config import Stage
from ppdeploy.decide import signing_keys, stacks
from ppdeploy.events import Message, Reporter, StackNote
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.workflows import local_system
from ppdeploy.workflows.stack_deploy import deploy_stack

if TYPE_CHECKING:
    from ppdeploy.aws.template_store import TemplateStore
    from ppdeploy.workflows import bootstrap_stack as bootstraps


def resolve_stage(stage: Stage, target: targets.Target) -> Stage:
    """The stage's parameters on ``target``: every task's session gets them here.

    On AWS they are ``stages.toml``'s (and the flags given). On the local AWS a stage that
    names no hosted zone uses the zone ``invoke up`` made for its domain, when there is one:
    ``up`` deploys the shared stack with it, so every later task must pass the same
    ``HostedZoneId`` or it would plan and deploy the removal of the custom domain.
    """
    if stage.hosted_zone_id or not target.is_local:
        return stage
    zone = local_system.find_zone(target.client("route53"), stage)
    return stage.with_overrides(hosted_zone_id=zone) if zone else stage


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
    # Lists every stack at once (one paginated DescribeStacks); None: one call per stack.
    list_stacks: Callable[[], list[StackState]] | None = field(default=None, repr=False)
    # One reading of the exports serves every stack until a deploy changes something.
    _exports: dict[str, str] | None = field(default=None, init=False, repr=False)
    _exports_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # So does one reading of the stacks' states (see ``stack_state``).
    _states: StackStates = field(init=False, repr=False)
    # The stage's bootstrap stack, looked up once, when a change set is first made.
    _bootstrap: bootstraps.Bootstrap | None = field(default=None, init=False, repr=False)
    _bootstrap_known: bool = field(default=False, init=False, repr=False)
    _bootstrap_lock: threading.RLock = field(
        default_factory=threading.RLock, init=False, repr=False
    )

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
        read_ahead: bool = False,
    ) -> StageSession:
        """The session of ``stage`` on its target (``use_local``: the local AWS).

        ``read_ahead`` (deploy and plan, which read them first) asks for the exports and,
        on the local AWS, the stacks' states as soon as the CloudFormation client exists,
        so the endpoint answers them while the Route 53 client is made and the stage's
        zone asked.
        """
        target = targets.for_stage(stage, use_local=use_local)
        exports: Future[dict[str, str]] | None = None
        listing: Future[list[StackState]] | None = None
        with ThreadPoolExecutor(max_workers=2) as background:
            if read_ahead:
                cfn = CloudFormation(
                    target.client("cloudformation"), poll_seconds=target.poll_seconds
                )
                exports = background.submit(cfn.exports)
                if target.is_local:
                    listing = background.submit(cfn.stacks)
                stage = resolve_stage(stage, target)
            else:
                # The stage's zone is asked of Route 53 while the CloudFormation client is
                # made: a round trip that every task would otherwise wait for first.
                resolved = background.submit(resolve_stage, stage, target)
                cfn = CloudFormation(
                    target.client("cloudformation"), poll_seconds=target.poll_seconds
                )
                stage = resolved.result()
            session = cls(stage, target, cfn, reporter, assume_yes, force, frozenset(allow_replace))
            if exports is not None:
                session._exports = exports.result()
            if listing is not None:
                session._states.seed(listing.result())
        if target.is_local:
            # The local AWS holds only this checkout's stacks, so listing them all is one
            # round trip for the whole stage. On AWS the account's listing may hold every
            # team's stacks, page after page: there each stack is described by name.
            session.list_stacks = cfn.stacks
        cfn.uploads = session.template_store
        cfn.role_for = session.execution_role
        # Any change made through the adapter (a deploy, a delete, a recovery, an import)
        # makes the session read the exports and the stacks again.
        cfn.on_change = session.forget_readings
        return session

    def __post_init__(self) -> None:
        self._states = StackStates(self.cfn.describe, lambda: self.list_stacks)

    def stack_state(self, name: str) -> StackState | None:
        """The live stack ``name`` (None: there is none), from one reading shared by the
        session's stacks until a deploy changes something (``StackStates``)."""
        return self._states.get(name)

    def say(self, text: str) -> None:
        """A line of progress (verify's journey reports its steps through it)."""
        self.reporter.emit(Message(text))

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

    def deploy(
        self,
        spec: StackSpec,
        *,
        also_allow: Iterable[str] = (),
        before_change_set: Callable[[StackSpec], None] | None = None,
    ) -> DeployResult:
        """Lint, then deploy ``spec`` (skipped when its fingerprint matches, unless forced).

        Operated parameters (the signing key slots, the legacy window) that ``spec`` leaves
        out keep their deployed values. ``also_allow`` lets the stateful guard pass these
        logical ids too (a workflow that removes exactly one resource on purpose).
        ``before_change_set`` runs after the lint, only when a change set is to be made
        (what a skipped stack does not need: an artifact's upload).
        """
        spec = self.with_operated_parameters(spec)

        def precheck(checked: StackSpec) -> None:
            self.lint(checked)
            if before_change_set is not None:
                before_change_set(checked)

        changed = True  # until the deploy says otherwise: a failure may have changed it
        try:
            result = deploy_stack(
                self.cfn,
                spec,
                self.reporter,
                approve=self.approve,
                force=self.force,
                allow_replace=self.allow_replace | frozenset(also_allow),
                precheck=precheck,
                exports_now=self.exports,
                state_now=self.stack_state,
                # Follows an update's CodeDeploy traffic shifts; makes no client until one runs.
                traffic=CodeDeploy(self.target.client),
            )
            changed = result.outcome != "unchanged"
            return result
        finally:
            if changed:
                self.forget_readings()

    def forget_readings(self) -> None:
        """Read the exports and the stacks' states again when next asked."""
        with self._exports_lock:
            self._exports = None
        self._states.forget()

    def with_operated_parameters(self, spec: StackSpec) -> StackSpec:
        """``spec`` with the deployed values of the operated parameters it leaves out."""
        declared = spec.template.parameters
        if not any(
            name in declared and name not in spec.parameters
            for name in signing_keys.OPERATED_PARAMETERS
        ):
            return spec
        state = self.stack_state(spec.name)
        deployed = state.parameters if state is not None else {}
        return replace(spec, parameters=signing_keys.carried(declared, spec.parameters, deployed))

    def lint(self, spec: StackSpec) -> None:
        # Loaded only when a change set is to be made: never on a no-op deploy's path.
        from ppdeploy.decide import preflight  # noqa: PLC0415

        for warning in preflight.lint(spec.template, self.stage.region):
            self.reporter.emit(StackNote(spec.name, f"cfn-lint: {warning}", "warn"))

    # -- the bootstrap stack -----------------------------------------------------------

    def bootstrap(self) -> bootstraps.Bootstrap | None:
        """The stage's bootstrap stack when it exists (one lookup per session)."""
        from ppdeploy.workflows import bootstrap_stack as bootstraps  # noqa: PLC0415 - first need

        with self._bootstrap_lock:
            if not self._bootstrap_known:
                self._bootstrap = bootstraps.found(self.cfn, self.stage)
                self._bootstrap_known = True
            return self._bootstrap

    def deploy_bootstrap(self, repository: str | None = None) -> DeployResult:
        """Deploy the stage's bootstrap stack (``invoke bootstrap``, or on first need)."""
        from ppdeploy.workflows import bootstrap_stack as bootstraps  # noqa: PLC0415 - first need

        with self._bootstrap_lock:
            spec = bootstraps.spec(
                self.stage,
                repository=self.stage.github_repository if repository is None else repository,
                provider_arn=bootstraps.github_provider_arn(
                    self.target.client("iam"), self.cfn, self.stage
                ),
                tags=stacks.tags(self.stage, "bootstrap"),
            )
            result = self.deploy(spec)
            self._bootstrap = bootstraps.Bootstrap.from_outputs(result.outputs)
            self._bootstrap_known = True
            return result

    def template_store(self) -> TemplateStore:
        """The deployment bucket, for a template over the TemplateBody limit.

        Made on first need, as ``sam deploy --resolve-s3`` makes its bucket.
        """
        from ppdeploy.templates import MAX_BODY_BYTES  # noqa: PLC0415 - only for the message

        with self._bootstrap_lock:
            found = self.bootstrap()
            if found is None:
                self.say(
                    f"a template is over CloudFormation's {MAX_BODY_BYTES}-byte TemplateBody "
                    f"limit: deploying {naming.bootstrap_stack(self.stage.name)} first, for "
                    "its deployment bucket"
                )
                self.deploy_bootstrap()
                found = self.bootstrap()
            assert found is not None  # noqa: S101 - deploy_bootstrap set it or raised
            return found.store(
                self.target.client("s3"), self.target.region, self.target.endpoint_url
            )

    def execution_role(self, stack: str) -> str | None:
        """The role CloudFormation deploys ``stack`` as: the bootstrap's, once it exists.

        The bootstrap stack itself is deployed with the caller's own credentials: it makes
        the execution role and the OIDC trust, which that role may not touch.
        """
        if stack == naming.bootstrap_stack(self.stage.name):
            return None
        found = self.bootstrap()
        return found.execution_role_arn if found else None


# A reading of the stacks is reused for this long at most: a no-op stage reads and decides
# well within it, while a deploy that waited on tests or on another stack's change reads
# again, so a stack another person changed meanwhile is seen as it is now.
STATES_FRESH_SECONDS = 5.0


class StackStates:
    """The stacks' states as last read, reused while fresh and until forgotten.

    ``describe`` reads one stack; ``lister()`` gives a function listing every stack at
    once (or None), used for the first stack asked after each forgetting. A stack in
    progress is never kept: whoever asks next sees it move on.
    """

    def __init__(
        self,
        describe: Callable[[str], StackState | None],
        lister: Callable[[], Callable[[], list[StackState]] | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._describe = describe
        self._lister = lister
        self._clock = clock
        self._lock = threading.Lock()
        self._known: dict[str, tuple[float, StackState | None]] = {}
        self._listed_at: float | None = None  # when every stack was listed, if it was
        self._moving: set[str] = set()  # stacks that listing found in progress
        self._generation = 0  # counts the forgettings: a read from before one is not kept

    def get(self, name: str) -> StackState | None:
        with self._lock:
            now = self._clock()
            if self._listed_at is not None and now - self._listed_at > STATES_FRESH_SECONDS:
                self._forget_locked()
            kept = self._known.get(name)
            if kept is not None and now - kept[0] <= STATES_FRESH_SECONDS:
                return kept[1]
            if self._listed_at is None and (list_all := self._lister()) is not None:
                return self._list(list_all, name)
            if self._listed_at is not None and name not in self._moving:
                return None  # listed a moment ago, and not among the stacks: there is none
            generation = self._generation
        state = self._describe(name)  # outside the lock: stacks of a wave read at once
        with self._lock:
            if generation == self._generation and (state is None or not state.in_progress):
                self._known[name] = (self._clock(), state)
        return state

    def _list(self, list_all: Callable[[], list[StackState]], name: str) -> StackState | None:
        """Every stack listed at once (under the lock: one listing serves all who wait)."""
        at = self._clock()
        listed = list_all()
        self._keep_listing(listed, at)
        return next((state for state in listed if state.name == name), None)

    def seed(self, listed: list[StackState]) -> None:
        """Keep ``listed``, every stack there is, as read just now."""
        with self._lock:
            self._keep_listing(listed, self._clock())

    def _keep_listing(self, listed: list[StackState], at: float) -> None:
        self._known = {s.name: (at, s) for s in listed if not s.in_progress}
        self._moving = {s.name for s in listed if s.in_progress}
        self._listed_at = at

    def forget(self) -> None:
        with self._lock:
            self._forget_locked()

    def _forget_locked(self) -> None:
        self._generation += 1
        self._known.clear()
        self._moving.clear()
        self._listed_at = None
