"""What GetDeployment / BatchGetDeployments / GetDeploymentGroup answer beyond moto.

moto answers ``errorInformation``, ``rollbackInfo`` and a group's ``alarmConfiguration`` as
empty objects. CodeDeploy fills them ("GetDeployment" and "GetDeploymentGroup", CodeDeploy
API Reference: DeploymentInfo.errorInformation {code, message}, DeploymentInfo.rollbackInfo
{rollbackDeploymentId, rollbackTriggeringDeploymentId, rollbackMessage},
DeploymentGroupInfo.alarmConfiguration {enabled, ignorePollAlarmFailure, alarms[{name}]}),
and the deploy engine reads the alarm's name from the first. ``codedeploy_shift`` keeps
them on moto's deployment objects as ``error_information`` and ``rollback_info``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pplocalaws import seams

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


seams.wrap_codedeploy_description("_deployment_info", _with_outcome)
seams.wrap_codedeploy_description("_deployment_group_info", _with_alarms)
