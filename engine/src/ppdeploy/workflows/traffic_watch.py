"""Watch a stack update's CodeDeploy traffic shifts and say them as ``TrafficShift`` events.

While CloudFormation updates a service stack, the alias update of a function with a
DeploymentPreference is a CodeDeploy deployment that can take minutes (a canary) and says
nothing in the stack's events until it ends. This watcher polls, on a thread of its own
beside the stack wait, the stack's deployment groups for deployments that were not there
when the update began, and emits an event whenever a deployment's share or status changes.
Reading is best effort: a failed read is said once as a warning and never fails the deploy
(the stack's own outcome decides that).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ppdeploy.aws.cloudformation import StackResource
from ppdeploy.aws.codedeploy import AliasRouting, Deployment
from ppdeploy.events import Reporter, StackNote, TrafficShift

GROUP_TYPE = "AWS::CodeDeploy::DeploymentGroup"
APPLICATION_TYPE = "AWS::CodeDeploy::Application"
ALIAS_TYPE = "AWS::Lambda::Alias"
# A local poll every 50 ms would be three API calls per stack per 50 ms for nothing: the
# shift moves in steps of seconds even with the local AWS's time compression.
MIN_POLL_SECONDS = 0.5


class ShiftReader(Protocol):
    """What the watcher reads (``aws.codedeploy.CodeDeploy``, or a test's fake)."""

    def deployment_ids(self, application: str, group: str) -> list[str]: ...
    def deployment(self, deployment_id: str) -> Deployment: ...
    def group_alarms(self, application: str, group: str) -> list[str]: ...
    def alias_routing(self, function: str, alias: str) -> AliasRouting: ...


class StackResources(Protocol):
    def resources(self, name: str) -> list[StackResource]: ...


@dataclass(frozen=True)
class ShiftedAlias:
    """A deployment group of the stack and the alias its deployments move."""

    application: str
    group: str
    function: str
    alias: str

    @property
    def label(self) -> str:
        return f"{self.function}:{self.alias}"


def uses_codedeploy(template_document: dict[str, Any]) -> bool:
    """True when a function of the template has a DeploymentPreference (SAM source)."""
    resources = template_document.get("Resources") or {}
    return any(
        isinstance(body, dict)
        and body.get("Type") == "AWS::Serverless::Function"
        and "DeploymentPreference" in (body.get("Properties") or {})
        for body in resources.values()
    )


def shifted_aliases(resources: list[StackResource]) -> list[ShiftedAlias]:
    """Pair each deployment group with its function's alias by SAM's logical ids.

    SAM names them ``<Function>DeploymentGroup`` and ``<Function>Alias<name>``, and the
    one application ``ServerlessDeploymentApplication`` (AWS SAM Developer Guide,
    "Generated AWS CloudFormation resources for AWS SAM", AutoPublishAlias and
    DeploymentPreference). An alias's physical id is its ARN, ending ``:function:<name>:<alias>``.
    """
    applications = [r for r in resources if r.resource_type == APPLICATION_TYPE and r.physical_id]
    if not applications:
        return []
    found = []
    for group in resources:
        if group.resource_type != GROUP_TYPE or not group.physical_id:
            continue
        function_id = group.logical_id.removesuffix("DeploymentGroup")
        for alias in resources:
            if (
                alias.resource_type == ALIAS_TYPE
                and alias.logical_id.startswith(f"{function_id}Alias")
                and alias.physical_id.count(":")
                >= 7  # arn:aws:lambda:region:account:function:name:alias
            ):
                function, alias_name = alias.physical_id.split(":")[-2:]
                found.append(
                    ShiftedAlias(
                        applications[0].physical_id, group.physical_id, function, alias_name
                    )
                )
    return found


class TrafficWatch:
    """Polls while a stack update runs; ``stop`` ends it and returns each deployment's last word."""

    def __init__(
        self,
        reader: ShiftReader,
        cfn: StackResources,
        stack: str,
        reporter: Reporter,
        *,
        poll_seconds: float,
        wait: Callable[[threading.Event, float], bool] | None = None,
    ) -> None:
        self._reader = reader
        self._cfn = cfn
        self._stack = stack
        self._reporter = reporter
        self._poll_seconds = max(poll_seconds, MIN_POLL_SECONDS)
        self._wait = wait or (lambda event, seconds: event.wait(seconds))
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._before: set[str] = set()
        self._last: dict[str, TrafficShift] = {}
        self._versions: dict[str, tuple[str, str]] = {}
        self._warned = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Note the deployments already there (they are not this update's), then poll."""
        try:
            for shifted in shifted_aliases(self._cfn.resources(self._stack)):
                self._before.update(self._reader.deployment_ids(shifted.application, shifted.group))
        except Exception as error:  # best effort: see the module docstring
            self._warn(error)
        self._thread = threading.Thread(
            target=self._run, name=f"traffic-{self._stack}", daemon=True
        )
        self._thread.start()

    def stop(self) -> list[TrafficShift]:
        """Stop polling, read once more (the final status), return each deployment's last event."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.poll()
        with self._lock:
            return list(self._last.values())

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.poll()
            if self._wait(self._stopped, self._poll_seconds):
                return

    def poll(self) -> None:
        """One reading of every deployment of this update; emits what changed."""
        try:
            for shifted in shifted_aliases(self._cfn.resources(self._stack)):
                ids = self._reader.deployment_ids(shifted.application, shifted.group)
                for deployment_id in ids:
                    if deployment_id in self._before:
                        continue
                    deployment = self._reader.deployment(deployment_id)
                    if deployment.is_rollback:
                        # Its AppSpec repeats the undone one's; that one's Failed or Stopped
                        # (traffic back: 0%) already says what happened.
                        self._before.add(deployment_id)
                        continue
                    self._observe(shifted, deployment)
        except Exception as error:  # best effort: see the module docstring
            self._warn(error)

    def _observe(self, shifted: ShiftedAlias, deployment: Deployment) -> None:
        routing = self._reader.alias_routing(shifted.function, shifted.alias)
        from_version, to_version = self._versions_for(deployment, routing)
        if deployment.status == "Succeeded":
            percent = 100.0
        elif deployment.finished:
            percent = 0.0  # Failed or Stopped: CodeDeploy moved the traffic back
        else:
            percent = routing.share_of(to_version) if to_version else 0.0
        reason = (
            self._rollback_reason(shifted, deployment)
            if deployment.status in ("Failed", "Stopped")
            else ""
        )
        shift = TrafficShift(
            stack=self._stack,
            deployment_id=deployment.deployment_id,
            alias=shifted.label,
            from_version=from_version,
            to_version=to_version,
            percent=percent,
            status=deployment.status,
            reason=reason,
        )
        with self._lock:
            previous = self._last.get(deployment.deployment_id)
            if previous == shift:
                return
            if previous is not None and previous.finished:
                return  # its last word is said
            self._last[deployment.deployment_id] = shift
        self._reporter.emit(shift)

    def _versions_for(self, deployment: Deployment, routing: AliasRouting) -> tuple[str, str]:
        """The deployment's versions: from its AppSpec, else from the alias mid-shift."""
        known = self._versions.get(deployment.deployment_id, ("", ""))
        if deployment.target_version:
            known = (deployment.current_version, deployment.target_version)
        elif routing.weights and not deployment.finished:
            known = (routing.version, next(iter(routing.weights)))
        elif not known[1] and deployment.status == "Succeeded":
            known = ("", routing.version)  # the alias is on the new version now
        elif not known[0] and deployment.finished:
            known = (routing.version, known[1])  # rolled back: the alias is on the old one
        self._versions[deployment.deployment_id] = known
        return known

    def _rollback_reason(self, shifted: ShiftedAlias, deployment: Deployment) -> str:
        """CodeDeploy's error, with the group's alarms it names (all of them if it names none)."""
        message = deployment.error_message or deployment.error_code or deployment.status
        try:
            alarms = self._reader.group_alarms(shifted.application, shifted.group)
        except Exception as error:  # best effort: see the module docstring
            self._warn(error)
            return message
        named = [alarm for alarm in alarms if alarm in message]
        if named or not alarms:
            return message
        return f"{message} (rollback alarms: {', '.join(alarms)})"

    def _warn(self, error: Exception) -> None:
        if self._warned:
            return
        self._warned = True
        self._reporter.emit(
            StackNote(
                self._stack,
                f"cannot follow the CodeDeploy traffic shift ({type(error).__name__}: {error}); "
                "the stack's outcome still decides the deploy",
                "warn",
            )
        )
