"""AWS::CodeDeploy::Application and AWS::CodeDeploy::DeploymentGroup on moto's backend.

moto 5.2.5 serves CodeDeploy's API but has no CloudFormation model for either type, no
DeleteApplication/DeleteDeploymentGroup and no UpdateDeploymentGroup. These models are
what SAM's ``DeploymentPreference`` generates (an application with ``ComputePlatform:
Lambda``, a deployment group with alarms, auto-rollback and ``BLUE_GREEN`` /
``WITH_TRAFFIC_CONTROL``), checked as CodeDeploy checks them:

- Ref: the application's name / the deployment group's name (CloudFormation pages
  "AWS::CodeDeploy::Application" and "AWS::CodeDeploy::DeploymentGroup", Return values);
  without a name CloudFormation generates one;
- ``ComputePlatform`` is one of ``Server``, ``Lambda``, ``ECS`` (default ``Server``);
  ``ApplicationName``/``ComputePlatform`` and ``ApplicationName``/``DeploymentGroupName``
  replace the resource (the resource provider schemas' createOnlyProperties);
- a deployment group's ``ServiceRoleArn`` must name an existing role (CreateDeploymentGroup,
  InvalidRoleException); its ``DeploymentConfigName`` must exist for the application's
  platform (DeploymentConfigDoesNotExistException; see ``codedeploy_configs``); on the
  Lambda platform the deployment style is ``BLUE_GREEN`` with ``WITH_TRAFFIC_CONTROL``
  ("Working with deployment groups in CodeDeploy": Lambda deployments are blue/green with
  traffic shifting); at most 10 alarms (CreateDeploymentGroup, AlarmsLimitExceededException).

Deleting an application deletes its deployment groups (DeleteApplication API reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.codedeploy.models import AlarmConfiguration, CodeDeployBackend, codedeploy_backends
from moto.core.common_models import CloudFormationModel
from moto.iam.models import iam_backends

from pplocalaws.resources.codedeploy_configs import UnknownDeploymentConfig, lambda_steps
from pplocalaws.resources.common import LocalModel, Properties, as_bool, require, tag_dict

APPLICATION_TYPE = "AWS::CodeDeploy::Application"
GROUP_TYPE = "AWS::CodeDeploy::DeploymentGroup"
PLATFORMS = ("Server", "Lambda", "ECS")
MAX_ALARMS = 10
LAMBDA_STYLE = {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"}


def backend(account_id: str, region_name: str) -> CodeDeployBackend:
    return codedeploy_backends[account_id][region_name]


def _tags(properties: Properties) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tag_dict(properties.get("Tags")).items()]


class LocalCodeDeployApplication(LocalModel, CloudFormationModel):
    """A CodeDeploy application. Ref returns its name."""

    RESOURCE_TYPE = APPLICATION_TYPE
    NAME_PROPERTY = "ApplicationName"
    REF_ATTRIBUTE = "name"

    def __init__(self, name: str, properties: Properties) -> None:
        self.name = name
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalCodeDeployApplication:
        platform = str(properties.get("ComputePlatform") or "Server")
        if platform not in PLATFORMS:
            raise ValidationError(
                message=f"{APPLICATION_TYPE}: ComputePlatform {platform!r} is not one of "
                f"{', '.join(PLATFORMS)}; set ComputePlatform: Lambda for Lambda functions"
            )
        backend(account_id, region_name).create_application(
            resource_name, platform, _tags(properties)
        )
        return cls(resource_name, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        pass  # only Tags may change in place; the local AWS does not tag applications anew

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        codedeploy = backend(account_id, region_name)
        codedeploy.applications.pop(physical_id, None)
        codedeploy.deployment_groups.pop(physical_id, None)  # its groups go with it


def _alarm_configuration(properties: Properties) -> AlarmConfiguration | None:
    configured = properties.get("AlarmConfiguration")
    if not configured:
        return None
    alarms = [{"name": str(alarm["Name"])} for alarm in configured.get("Alarms") or []]
    if len(alarms) > MAX_ALARMS:
        raise ValidationError(
            message=f"{GROUP_TYPE}: {len(alarms)} alarms in AlarmConfiguration; a deployment "
            f"group takes at most {MAX_ALARMS} (AlarmsLimitExceededException)"
        )
    return AlarmConfiguration(
        alarms=alarms,
        enabled=as_bool(configured.get("Enabled"), False),
        ignore_poll_alarm_failure=as_bool(configured.get("IgnorePollAlarmFailure"), False),
    )


def _auto_rollback(properties: Properties) -> dict[str, Any]:
    configured = properties.get("AutoRollbackConfiguration") or {}
    return {
        "enabled": as_bool(configured.get("Enabled"), False),
        "events": list(configured.get("Events") or []),
    }


def _check_group(properties: Properties, account_id: str, region_name: str) -> None:
    """Refuse a group CodeDeploy refuses (see the module docstring for the sources)."""
    application = str(require(properties, "ApplicationName", GROUP_TYPE))
    role_arn = str(require(properties, "ServiceRoleArn", GROUP_TYPE))
    platform = backend(account_id, region_name).get_application(application).compute_platform
    role_name = role_arn.rsplit("/", 1)[-1]
    roles = iam_backends[account_id]["global"].roles.values()
    if not any(role.arn == role_arn for role in roles):
        raise ValidationError(
            message=f"{GROUP_TYPE}: ServiceRoleArn {role_arn} names no role of this account "
            f"(InvalidRoleException); create the role {role_name} first or fix the ARN"
        )
    if platform != "Lambda":
        return
    config = str(properties.get("DeploymentConfigName") or "CodeDeployDefault.LambdaAllAtOnce")
    try:
        lambda_steps(config)
    except UnknownDeploymentConfig as error:
        raise ValidationError(message=f"{GROUP_TYPE}: {error}") from None
    style = properties.get("DeploymentStyle")
    if style and dict(style) != LAMBDA_STYLE:
        raise ValidationError(
            message=f"{GROUP_TYPE}: DeploymentStyle {dict(style)} is not valid for the Lambda "
            "compute platform; use DeploymentType BLUE_GREEN with DeploymentOption "
            "WITH_TRAFFIC_CONTROL"
        )


class LocalDeploymentGroup(LocalModel, CloudFormationModel):
    """A CodeDeploy deployment group. Ref returns its name."""

    RESOURCE_TYPE = GROUP_TYPE
    NAME_PROPERTY = "DeploymentGroupName"
    REF_ATTRIBUTE = "name"
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}

    def __init__(self, name: str, application: str, properties: Properties) -> None:
        self.name = name
        self.application = application
        self.properties = properties

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> LocalDeploymentGroup:
        _check_group(properties, account_id, region_name)
        application = str(properties["ApplicationName"])
        codedeploy = backend(account_id, region_name)
        is_lambda = codedeploy.get_application(application).compute_platform == "Lambda"
        default_config = "CodeDeployDefault.LambdaAllAtOnce" if is_lambda else None
        codedeploy.create_deployment_group(
            application_name=application,
            deployment_group_name=resource_name,
            deployment_config_name=properties.get("DeploymentConfigName") or default_config,
            ec2_tag_filters=properties.get("Ec2TagFilters"),
            on_premises_instance_tag_filters=properties.get("OnPremisesInstanceTagFilters"),
            auto_scaling_groups=properties.get("AutoScalingGroups"),
            service_role_arn=str(properties["ServiceRoleArn"]),
            trigger_configurations=properties.get("TriggerConfigurations"),
            alarm_configuration=_alarm_configuration(properties),
            auto_rollback_configuration=_auto_rollback(properties),
            outdated_instances_strategy=properties.get("OutdatedInstancesStrategy"),
            deployment_style=dict(properties.get("DeploymentStyle") or {}) or None,
            blue_green_deployment_configuration=properties.get("BlueGreenDeploymentConfiguration"),
            load_balancer_info=properties.get("LoadBalancerInfo"),
            ec2_tag_set=properties.get("Ec2TagSet"),
            ecs_services=properties.get("ECSServices"),
            on_premises_tag_set=properties.get("OnPremisesTagSet"),
            tags=_tags(properties) or None,
            termination_hook_enabled=properties.get("TerminationHookEnabled"),
        )
        return cls(resource_name, application, properties)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        # UpdateDeploymentGroup (API reference) changes these in place; moto lacks the call,
        # so its group object takes them directly (public attributes).
        _check_group(new, account_id, region_name)
        group = backend(account_id, region_name).get_deployment_group(self.application, self.name)
        if new.get("DeploymentConfigName"):
            group.deployment_config_name = str(new["DeploymentConfigName"])
        group.service_role_arn = str(new["ServiceRoleArn"])
        group.alarm_configuration = _alarm_configuration(new)
        group.auto_rollback_configuration = _auto_rollback(new)
        group.deployment_style = dict(new.get("DeploymentStyle") or {})

    def delete(self, account_id: str, region_name: str) -> None:
        codedeploy = backend(account_id, region_name)
        codedeploy.deployment_groups.get(self.application, {}).pop(self.name, None)
