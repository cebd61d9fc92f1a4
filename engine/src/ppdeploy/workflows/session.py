"""One stage on one target: the session every workflow works in.

It opens the target (AWS or the local AWS), holds the CloudFormation adapter and the
Reporter, resolves the stage's parameters on that target (the one place every task gets
them, so ``up``, ``plan``, ``deploy`` and the rest see the same stage), asks for approval,
reads the exports once for many stacks, and deploys one stack with the stage's lint as its
precheck.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from ppdeploy.aws import target as targets
from ppdeploy.aws.cloudformation import CloudFormation
from ppdeploy.config import Stage
from ppdeploy.decide import preflight
from ppdeploy.events import Message, Reporter, StackNote
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.workflows import local_system
from ppdeploy.workflows.stack_deploy import deploy_stack


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
        stage = resolve_stage(stage, target)
        cfn = CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)
        return cls(stage, target, cfn, reporter, assume_yes, force, frozenset(allow_replace))

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
            self.reporter.emit(StackNote(spec.name, f"cfn-lint: {warning}", "warn"))
