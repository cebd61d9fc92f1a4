"""The only module that reads CodeDeploy (and the Lambda alias it moves) for the engine.

A service stack with a DeploymentPreference gets, from SAM, a CodeDeploy application, a
deployment group per function, and ``UpdatePolicy: CodeDeployLambdaAliasUpdate`` on the
function's alias. When CloudFormation updates that alias, CodeDeploy carries the update
out: it shifts the alias's weights (``RoutingConfig.AdditionalVersionWeights``) to the new
version step by step and, when an alarm of the group goes to ALARM, moves the traffic back
and stops the deployment ("UpdatePolicy attribute", CodeDeployLambdaAliasUpdate,
CloudFormation User Guide; "Deployments on an AWS Lambda compute platform", CodeDeploy User
Guide). The engine only reads: the deployment's status and error, and the alias's weights.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from ppdeploy.errors import TargetError

FINISHED_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})
# Deployments that undo another ("DeploymentInfo", CodeDeploy API Reference: creator
# codeDeployRollback is CodeDeploy's automatic rollback, CloudFormationRollback a stack
# rollback's; rollbackInfo.rollbackTriggeringDeploymentId names the one undone).
ROLLBACK_CREATORS = frozenset({"codeDeployRollback", "CloudFormationRollback"})


@dataclass(frozen=True)
class Deployment:
    """One CodeDeploy deployment, as GetDeployment tells it."""

    deployment_id: str
    status: str
    application: str = ""
    group: str = ""
    error_code: str = ""
    error_message: str = ""
    # From the AppSpec CloudFormation gave CodeDeploy (absent: not known).
    current_version: str = ""
    target_version: str = ""
    creator: str = ""
    rolls_back: str = ""  # the deployment this one undoes, if it is a rollback

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def is_rollback(self) -> bool:
        return bool(self.rolls_back) or self.creator in ROLLBACK_CREATORS


@dataclass(frozen=True)
class AliasRouting:
    """Where an alias sends traffic: its version, plus extra versions with their weights."""

    version: str
    weights: dict[str, float] = field(default_factory=dict)

    def share_of(self, version: str) -> float:
        """The percentage of the alias's traffic ``version`` gets."""
        extra = sum(self.weights.values())
        if version == self.version:
            return round((1.0 - extra) * 100, 2)
        return round(self.weights.get(version, 0.0) * 100, 2)


def _versions_of(revision: dict[str, Any]) -> tuple[str, str]:
    """CurrentVersion and TargetVersion from a Lambda AppSpec (JSON or YAML-as-JSON)."""
    content = revision.get("appSpecContent", {}).get("content") or revision.get("string", {}).get(
        "content"
    )
    if not content:
        return "", ""
    try:
        document = json.loads(content)
    except ValueError:
        return "", ""  # a YAML AppSpec: the alias's weights still tell the versions
    for resource in document.get("Resources", []) if isinstance(document, dict) else []:
        for body in resource.values() if isinstance(resource, dict) else []:
            properties = body.get("Properties", {}) if isinstance(body, dict) else {}
            if "TargetVersion" in properties:
                return str(properties.get("CurrentVersion", "")), str(properties["TargetVersion"])
    return "", ""


@contextlib.contextmanager
def _unreachable_is_target_error() -> Iterator[None]:
    try:
        yield
    except botocore.exceptions.EndpointConnectionError as error:
        raise TargetError(
            "cannot reach CodeDeploy or Lambda",
            cause=str(error),
            fix="check the network, or for --local that `invoke local.status` says running",
        ) from error


class CodeDeploy:
    """Reads of CodeDeploy deployments and Lambda aliases for one target.

    ``client_for`` makes a client by service name (``Target.client``); a client is made
    only when first read, so a deploy that shifts no traffic (a no-op) makes none.
    """

    def __init__(self, client_for: Callable[[str], Any]) -> None:
        self._client_for = client_for

    @property
    def _codedeploy(self) -> Any:
        return self._client_for("codedeploy")

    @property
    def _lambda(self) -> Any:
        return self._client_for("lambda")

    def deployment_ids(self, application: str, group: str) -> list[str]:
        """Every deployment of the group, newest first as CodeDeploy lists them."""
        ids: list[str] = []
        with _unreachable_is_target_error():
            try:
                pages = self._codedeploy.get_paginator("list_deployments").paginate(
                    applicationName=application, deploymentGroupName=group
                )
                for page in pages:
                    ids.extend(page.get("deployments", []))
            except botocore.exceptions.ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code in (
                    "ApplicationDoesNotExistException",
                    "DeploymentGroupDoesNotExistException",
                ):
                    return []  # not created yet: the stack's first update with a preference
                raise
        return ids

    def deployment(self, deployment_id: str) -> Deployment:
        with _unreachable_is_target_error():
            info = self._codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        error = info.get("errorInformation") or {}
        current, target = _versions_of(info.get("revision") or {})
        return Deployment(
            deployment_id=deployment_id,
            status=str(info.get("status", "")),
            application=str(info.get("applicationName", "")),
            group=str(info.get("deploymentGroupName", "")),
            error_code=str(error.get("code", "")),
            error_message=str(error.get("message", "")),
            current_version=current,
            target_version=target,
            creator=str(info.get("creator", "")),
            rolls_back=str(
                (info.get("rollbackInfo") or {}).get("rollbackTriggeringDeploymentId", "")
            ),
        )

    def group_alarms(self, application: str, group: str) -> list[str]:
        """The names of the alarms that stop the group's deployments."""
        with _unreachable_is_target_error():
            info = self._codedeploy.get_deployment_group(
                applicationName=application, deploymentGroupName=group
            )["deploymentGroupInfo"]
        alarms = (info.get("alarmConfiguration") or {}).get("alarms") or []
        return [str(alarm["name"]) for alarm in alarms if alarm.get("name")]

    def alias_routing(self, function: str, alias: str) -> AliasRouting:
        with _unreachable_is_target_error():
            found = self._lambda.get_alias(FunctionName=function, Name=alias)
        weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return AliasRouting(
            version=str(found["FunctionVersion"]),
            weights={str(version): float(weight) for version, weight in weights.items()},
        )
