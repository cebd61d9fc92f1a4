"""Drift readers for CodeDeploy applications and deployment groups (``codedeploy``'s models
on moto's backend), as SAM's ``DeploymentPreference`` generates them.

- AWS::CodeDeploy::Application (physical id: its name): ApplicationName, ComputePlatform
  and Tags (GetApplication, ListTagsForResource).
- AWS::CodeDeploy::DeploymentGroup (physical id: its name, found within the template's
  ApplicationName): the deployment config, service role, alarms, auto-rollback and
  deployment style GetDeploymentGroup shows. Its other settings (EC2/on-premises tag
  filters, load balancers, ECS services) are for the Server and ECS platforms the
  templates do not use, and are not compared.
"""

from __future__ import annotations

from typing import Any

from pplocalaws.resources.drift_common import Live, Reader, tag_list


def _codedeploy(account_id: str, region: str) -> Any:
    from moto.codedeploy.models import codedeploy_backends  # noqa: PLC0415 - moto loads on first use

    return codedeploy_backends[account_id][region]


def read_application(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.utilities.utils import get_partition  # noqa: PLC0415 - moto loads on first use

    backend = _codedeploy(account_id, region)
    application = backend.applications.get(physical_id)
    if application is None:
        return None
    # The application's ARN ("Actions, resources, and condition keys for AWS CodeDeploy",
    # resource type application): what TagResource and ListTagsForResource name.
    arn = f"arn:{get_partition(region)}:codedeploy:{region}:{account_id}:application:{physical_id}"
    return {
        "ApplicationName": application.application_name,
        "ComputePlatform": application.compute_platform,
        "Tags": tag_list(backend.list_tags_for_resource(arn)),
    }


def read_deployment_group(
    physical_id: str, account_id: str, region: str, expected: Live
) -> Live | None:
    backend = _codedeploy(account_id, region)
    application = str(expected.get("ApplicationName", ""))
    group = backend.deployment_groups.get(application, {}).get(physical_id)
    if group is None:
        return None
    live: Live = {
        "ApplicationName": application,
        "DeploymentGroupName": physical_id,
        "ServiceRoleArn": group.service_role_arn,
    }
    if group.deployment_config_name:
        live["DeploymentConfigName"] = group.deployment_config_name
    alarms = group.alarm_configuration
    if alarms is not None:
        live["AlarmConfiguration"] = {
            "Alarms": [{"Name": alarm.get("name", alarm.get("Name"))} for alarm in alarms.alarms],
            "Enabled": bool(alarms.enabled),
        }
        if alarms.ignore_poll_alarm_failure:
            live["AlarmConfiguration"]["IgnorePollAlarmFailure"] = True
    if group.auto_rollback_configuration:
        rollback = group.auto_rollback_configuration
        live["AutoRollbackConfiguration"] = {
            "Enabled": bool(rollback.get("enabled")),
            "Events": list(rollback.get("events") or []),
        }
    if group.deployment_style:
        live["DeploymentStyle"] = dict(group.deployment_style)
    return live


READERS: dict[str, Reader] = {
    "AWS::CodeDeploy::Application": Reader(
        read_application, frozenset({"ApplicationName", "ComputePlatform", "Tags"})
    ),
    "AWS::CodeDeploy::DeploymentGroup": Reader(
        None,
        frozenset(
            {
                "ApplicationName",
                "DeploymentGroupName",
                "ServiceRoleArn",
                "DeploymentConfigName",
                "AlarmConfiguration",
                "AutoRollbackConfiguration",
                "DeploymentStyle",
            }
        ),
        read_with_template=read_deployment_group,
    ),
}
