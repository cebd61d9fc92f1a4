"""What GetDeployment / BatchGetDeployments / GetDeploymentGroup answer beyond moto, and
StopDeployment, which moto lacks.

moto answers ``errorInformation``, ``rollbackInfo`` and a group's ``alarmConfiguration`` as
empty objects. CodeDeploy fills them ("GetDeployment" and "GetDeploymentGroup", CodeDeploy
API Reference: DeploymentInfo.errorInformation {code, message}, DeploymentInfo.rollbackInfo
{rollbackDeploymentId, rollbackTriggeringDeploymentId, rollbackMessage},
DeploymentGroupInfo.alarmConfiguration {enabled, ignorePollAlarmFailure, alarms[{name}]}),
and the deploy engine reads the alarm's name from the first. ``codedeploy_shift`` keeps
them on moto's deployment objects as ``error_information`` and ``rollback_info``.

StopDeployment ("StopDeployment", CodeDeploy API Reference): a deployment that is not
running any more is refused (DeploymentAlreadyCompletedException); otherwise the stop is
recorded and the running deployment stops at its next check (status ``Stopped``,
ErrorInformation ``MANUAL_STOP``), rolling traffic back when ``autoRollbackEnabled`` says
so or, when it is not given, when the group rolls back on ``DEPLOYMENT_STOP_ON_REQUEST``.
The answer is ``{status: Pending}``: the stop happens after the call returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.codedeploy.exceptions import CodeDeployException
from moto.codedeploy.responses import CodeDeployResponse
from moto.core.responses import ActionResult

from pplocalaws import seams

RUNNING = ("Created", "Queued", "InProgress", "Baking", "Ready")

Describe = Callable[[Any], dict[str, Any]]


def _with_outcome(original: Describe) -> Describe:
    def deployment_info(deployment: Any) -> dict[str, Any]:
        described = original(deployment)
        described["errorInformation"] = dict(getattr(deployment, "error_information", {}) or {})
        described["rollbackInfo"] = dict(getattr(deployment, "rollback_info", {}) or {})
        return described

    return deployment_info


def _with_alarms(original: Describe) -> Describe:
    def deployment_group_info(group: Any) -> dict[str, Any]:
        described = original(group)
        configuration = group.alarm_configuration
        if configuration is not None:
            described["alarmConfiguration"] = {
                "enabled": bool(configuration.enabled),
                "ignorePollAlarmFailure": bool(configuration.ignore_poll_alarm_failure),
                "alarms": [{"name": alarm["name"]} for alarm in configuration.alarms],
            }
        return described

    return deployment_group_info


def stop_deployment(self: CodeDeployResponse) -> ActionResult:
    deployment: Any = self.codedeploy_backend.get_deployment(str(self._get_param("deploymentId")))
    if deployment.status not in RUNNING:
        raise CodeDeployException(
            "DeploymentAlreadyCompletedException",
            f"The deployment {deployment.deployment_id} has already completed "
            f"({deployment.status}); only a running deployment can be stopped",
        )
    rollback = self._get_param("autoRollbackEnabled")
    deployment.stop_requested = {"autoRollbackEnabled": rollback}  # read by codedeploy_shift
    return ActionResult(
        {"status": "Pending", "statusMessage": f"Stopping deployment {deployment.deployment_id}"}
    )


seams.add_actions(CodeDeployResponse, stop_deployment)
seams.wrap_codedeploy_description("_deployment_info", _with_outcome)
seams.wrap_codedeploy_description("_deployment_group_info", _with_alarms)
