"""A CodeDeploy deployment that shifts a Lambda alias to a new version, step by step.

CloudFormation's ``UpdatePolicy: CodeDeployLambdaAliasUpdate`` on an ``AWS::Lambda::Alias``
makes an update of the alias's version a CodeDeploy deployment instead of a plain
UpdateAlias ("UpdatePolicy attribute", section "CodeDeployLambdaAliasUpdate policy",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html).
CodeDeploy then moves traffic with the alias's ``RoutingConfig`` as the deployment group's
configuration says ("Deployments on an AWS Lambda compute platform", CodeDeploy User Guide,
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-lambda.html):
the new version gets a weight in ``AdditionalVersionWeights``, then all traffic
(``FunctionVersion`` = new version, no weights).

Throughout, CodeDeploy watches the group's CloudWatch alarms ("Monitoring deployments with
CloudWatch alarms in CodeDeploy",
https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html): an
alarm in ALARM stops the deployment (status ``Stopped``, ErrorInformation code
``ALARM_ACTIVE`` naming the alarms; a StopDeployment likewise, ``MANUAL_STOP``), and with
auto-rollback on ``DEPLOYMENT_STOP_ON_ALARM`` ("Redeploy and roll back a deployment with
CodeDeploy", "Automatic rollbacks") a rollback deployment (creator ``codeDeployRollback``)
returns all traffic to the previous version. An alarm that does not exist fails the
deployment (status ``Failed``, ``ALARM_CONFIG``) unless the group says
``IgnorePollAlarmFailure``. CloudFormation then fails the alias update and the stack rolls
back; the reason names the deployment and the alarm.

Waits run on the compressed clock (``local_clock``) through ``operations.pause``, so other
CloudFormation calls keep answering. Not modelled (refused by the caller): lifecycle hooks
(``BeforeAllowTrafficHook`` / ``AfterAllowTrafficHook``), custom deployment configurations.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.awslambda.models import lambda_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow

from pplocalaws.extensions.failures import LocalFailure
from pplocalaws.extensions.operations import pause
from pplocalaws.resources import alarm_evaluation, local_clock
from pplocalaws.resources.codedeploy import backend
from pplocalaws.resources.codedeploy_configs import lambda_steps

log = logging.getLogger(__name__)

ALARM_POLL_SECONDS = 0.25  # real seconds between alarm checks during a wait
_ID_ALPHABET = string.ascii_uppercase + string.digits


class DeploymentStopped(LocalFailure):
    """The CodeDeploy deployment of an alias update stopped; the text is CloudFormation's reason."""


@dataclass(frozen=True)
class AliasShift:
    """What an alias update asks CodeDeploy to do."""

    account_id: str
    region_name: str
    application: str
    group: str
    function_name: str
    alias: str
    from_version: str
    to_version: str


def _deployment_id() -> str:
    # CodeDeploy deployment IDs look like d-A1B2C3D4E ("d-" and nine letters or digits).
    return "d-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def _appspec(shift: AliasShift) -> dict[str, Any]:
    """The AppSpec CloudFormation sends ("AppSpec 'resources' section (Lambda)")."""
    content = json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    shift.function_name: {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Name": shift.function_name,
                            "Alias": shift.alias,
                            "CurrentVersion": shift.from_version,
                            "TargetVersion": shift.to_version,
                        },
                    }
                }
            ],
        }
    )
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {
            "content": content,
            "sha256": hashlib.sha256(content.encode()).hexdigest(),
        },
    }


def _record(shift: AliasShift, creator: str, description: str) -> Any:
    """A deployment in moto's backend under a CodeDeploy-shaped id; moto's object."""
    codedeploy = backend(shift.account_id, shift.region_name)
    moto_id = codedeploy.create_deployment(
        shift.application, shift.group, _appspec(shift), description=description
    )
    deployment: Any = codedeploy.deployments.pop(moto_id)  # gains our outcome attributes
    deployment.deployment_id = _deployment_id()
    deployment.creator = creator
    deployment.error_information = {}  # read by codedeploy_api's GetDeployment
    deployment.rollback_info = {}
    codedeploy.deployments[deployment.deployment_id] = deployment
    return deployment


def _route(shift: AliasShift, weight: float) -> None:
    """Give the new version ``weight`` of the alias's traffic (1.0: all of it)."""
    lambdas = lambda_backends[shift.account_id][shift.region_name]
    if weight >= 1.0:
        lambdas.update_alias(shift.alias, shift.function_name, shift.to_version, None, {})  # type: ignore[arg-type]  # moto types it str
    else:
        routing = {"AdditionalVersionWeights": {shift.to_version: round(weight, 4)}}
        lambdas.update_alias(shift.alias, shift.function_name, shift.from_version, None, routing)  # type: ignore[arg-type]  # moto types it str


def _route_back(shift: AliasShift) -> None:
    lambdas = lambda_backends[shift.account_id][shift.region_name]
    lambdas.update_alias(shift.alias, shift.function_name, shift.from_version, None, {})  # type: ignore[arg-type]  # moto types it str


def stop_problem(deployment: Any) -> tuple[str, str] | None:
    """(MANUAL_STOP, message) once StopDeployment asked to stop ``deployment``."""
    if getattr(deployment, "stop_requested", None) is None:
        return None
    return ("MANUAL_STOP", f"Deployment {deployment.deployment_id} was stopped by StopDeployment")


def alarm_problem(group: Any, account_id: str, region_name: str) -> tuple[str, str] | None:
    """(ErrorInformation code, message) when the group's alarms stop a deployment."""
    configuration = group.alarm_configuration
    if configuration is None or not configuration.enabled or not configuration.alarms:
        return None
    names = [str(alarm["name"]) for alarm in configuration.alarms]
    alarm_evaluation.evaluate_named(account_id, region_name, names)
    known = cloudwatch_backends[account_id][region_name].alarms
    missing = [name for name in names if name not in known]
    if missing and not configuration.ignore_poll_alarm_failure:
        return (
            "ALARM_CONFIG",
            f"The deployment group's alarms {missing} do not exist in CloudWatch; create "
            "them or remove them from the deployment group's AlarmConfiguration",
        )
    active = [name for name in names if name in known and known[name].state_value == "ALARM"]
    if active:
        return (
            "ALARM_ACTIVE",
            "One or more alarms have been activated according to the Amazon CloudWatch "
            "metrics you selected, and the affected deployments have been stopped. "
            f"Activated alarms: <{', '.join(active)}>",
        )
    return None


def _wait_watching(
    seconds: float, check: Callable[[], tuple[str, str] | None]
) -> tuple[str, str] | None:
    """Wait ``seconds`` real seconds (giving CloudFormation's lock up), checking alarms."""
    deadline = time.monotonic() + seconds
    while True:
        problem = check()
        remaining = deadline - time.monotonic()
        if problem is not None or remaining <= 0:
            return problem
        pause(min(ALARM_POLL_SECONDS, remaining))


def run(shift: AliasShift) -> str:
    """Shift the alias to the new version as the deployment group says; the deployment id.

    Raises :class:`DeploymentStopped` (the alias back on the old version when auto-rollback
    says so) when an alarm fires or the alarm configuration is broken.
    """
    codedeploy = backend(shift.account_id, shift.region_name)
    group = codedeploy.get_deployment_group(shift.application, shift.group)
    steps = lambda_steps(str(group.deployment_config_name))
    deployment = _record(shift, "user", "Deployment created by CloudFormation")
    deployment.status = "InProgress"
    deployment.start_time = utcnow()
    log.info(
        "CodeDeploy %s: %s:%s %s -> %s by %s",
        deployment.deployment_id,
        shift.function_name,
        shift.alias,
        shift.from_version,
        shift.to_version,
        group.deployment_config_name,
    )

    def check() -> tuple[str, str] | None:
        return stop_problem(deployment) or alarm_problem(group, shift.account_id, shift.region_name)

    problem = check()
    for step in steps:
        if problem is not None:
            break
        _route(shift, step.weight)
        problem = _wait_watching(local_clock.real_seconds(step.wait), check)
    if problem is None:
        deployment.status = "Succeeded"
        deployment.complete_time = utcnow()
        return str(deployment.deployment_id)
    _stop(shift, group, deployment, problem)
    raise AssertionError("unreachable")  # pragma: no cover - _stop raises


def _rolls_back(group: Any, deployment: Any, code: str) -> bool:
    """Whether the stop returns traffic ("Automatic rollbacks"; StopDeployment's
    ``autoRollbackEnabled`` overrides the group for a manual stop)."""
    requested = (getattr(deployment, "stop_requested", None) or {}).get("autoRollbackEnabled")
    if code == "MANUAL_STOP" and requested is not None:
        return bool(requested)
    rollback = group.auto_rollback_configuration or {}
    event = {
        "MANUAL_STOP": "DEPLOYMENT_STOP_ON_REQUEST",
        "ALARM_ACTIVE": "DEPLOYMENT_STOP_ON_ALARM",
    }.get(code, "DEPLOYMENT_FAILURE")
    return bool(rollback.get("enabled")) and event in rollback.get("events", [])


def _stop(shift: AliasShift, group: Any, deployment: Any, problem: tuple[str, str]) -> None:
    code, message = problem
    # An alarm or a StopDeployment stops a deployment; anything else fails it (DeploymentInfo
    # status, "View CodeDeploy deployment details").
    deployment.status = "Stopped" if code in ("ALARM_ACTIVE", "MANUAL_STOP") else "Failed"
    deployment.complete_time = utcnow()
    deployment.error_information = {"code": code, "message": message}
    rolls_back = _rolls_back(group, deployment, code)
    outcome = "traffic stays where the deployment left it (auto-rollback is off)"
    if rolls_back:
        _route_back(shift)
        undo = _record(
            shift, "codeDeployRollback", f"Rollback of deployment {deployment.deployment_id}"
        )
        undo.status = "Succeeded"
        undo.start_time = deployment.complete_time
        undo.complete_time = utcnow()
        undo.rollback_info = {"rollbackTriggeringDeploymentId": deployment.deployment_id}
        deployment.rollback_info = {
            "rollbackDeploymentId": undo.deployment_id,
            "rollbackMessage": f"Deployment {deployment.deployment_id} was rolled back by "
            f"deployment {undo.deployment_id}",
        }
        outcome = f"all traffic is back on version {shift.from_version}"
    log.warning("CodeDeploy %s stopped (%s): %s", deployment.deployment_id, code, message)
    raise DeploymentStopped(
        f"CodeDeploy deployment {deployment.deployment_id} of {shift.function_name}:"
        f"{shift.alias} (version {shift.from_version} -> {shift.to_version}) "
        f"{deployment.status.lower()}, "
        f"{code}: {message}; {outcome}"
    )


__all__ = ["AliasShift", "DeploymentStopped", "alarm_problem", "run"]
