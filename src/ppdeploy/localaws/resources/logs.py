"""AWS::Logs::LogGroup: the KMS key moto's model drops, and the update it lacks.

moto hands the CloudFormation properties to its LogGroup, which reads ``kmsKeyId`` (the
API's spelling), so ``KmsKeyId`` is lost; and a modified log group silently drops out of
the stack. Patched: the key is applied on create, and an update changes retention, key
and tags in place (a new LogGroupName replaces the group).
"""

from __future__ import annotations

from typing import Any

from moto.logs.models import LogGroup, LogsBackend, logs_backends

from ppdeploy.localaws.resources.common import (
    Properties,
    properties_of,
    replace_resource,
    requires_replacement,
    tag_dict,
)
from ppdeploy.localaws.resources.patching import extend_create, set_update

RESOURCE_TYPE = "AWS::Logs::LogGroup"


def _backend(account_id: str, region_name: str) -> LogsBackend:
    return logs_backends[account_id][region_name]


def _after_create(group: LogGroup, properties: Properties, account_id: str, region: str) -> None:
    group.kms_key_id = properties.get("KmsKeyId")
    group._ppdeploy_properties = properties  # type: ignore[attr-defined]  # our note on moto's object


def _update(
    cls: type[LogGroup],
    original_resource: LogGroup,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> LogGroup:
    new = properties_of(cloudformation_json)
    old: Properties = getattr(original_resource, "_ppdeploy_properties", {})
    if requires_replacement(RESOURCE_TYPE, old, new):
        return replace_resource(
            create=lambda: cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            ),
            delete_old=lambda: original_resource.delete(account_id, region_name),
            cloudformation_json=cloudformation_json,
        )
    backend = _backend(account_id, region_name)
    name = original_resource.name
    if new.get("RetentionInDays") is None:
        backend.delete_retention_policy(name)
    else:
        backend.put_retention_policy(name, new["RetentionInDays"])
    original_resource.kms_key_id = new.get("KmsKeyId")
    old_tags, new_tags = tag_dict(old.get("Tags")), tag_dict(new.get("Tags"))
    if old_tags != new_tags:
        backend.untag_log_group(name, sorted(old_tags.keys() - new_tags.keys()))
        backend.tag_log_group(name, new_tags)
    original_resource._ppdeploy_properties = new  # type: ignore[attr-defined]  # our note on moto's object
    return original_resource


extend_create(LogGroup, _after_create)
set_update(LogGroup, _update)
