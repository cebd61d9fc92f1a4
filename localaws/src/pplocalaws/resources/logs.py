"""AWS::Logs::LogGroup: the KMS key moto's model drops, and the update it lacks.

moto hands the CloudFormation properties to its LogGroup, which reads ``kmsKeyId`` (the
API's spelling), so ``KmsKeyId`` is lost; and a modified log group silently drops out of
the stack. Patched: the key is applied on create, and an update changes retention, key
and tags in place (a new LogGroupName replaces the group).
"""

from __future__ import annotations

import functools

from moto.logs.models import LogGroup, LogsBackend, logs_backends

from pplocalaws.resources.common import Properties, requires_replacement, tag_dict
from pplocalaws.resources.patching import set_update_in_place

RESOURCE_TYPE = "AWS::Logs::LogGroup"


def _backend(account_id: str, region_name: str) -> LogsBackend:
    return logs_backends[account_id][region_name]


def _apply_key(group: LogGroup, properties: Properties, account_id: str, region: str) -> None:
    group.kms_key_id = properties.get("KmsKeyId")


def _update_group(
    group: LogGroup, old: Properties, new: Properties, account_id: str, region: str
) -> None:
    backend = _backend(account_id, region)
    name = group.name
    if new.get("RetentionInDays") is None:
        backend.delete_retention_policy(name)
    else:
        backend.put_retention_policy(name, new["RetentionInDays"])
    group.kms_key_id = new.get("KmsKeyId")
    old_tags, new_tags = tag_dict(old.get("Tags")), tag_dict(new.get("Tags"))
    if old_tags != new_tags:
        backend.untag_log_group(name, sorted(old_tags.keys() - new_tags.keys()))
        backend.tag_log_group(name, new_tags)


set_update_in_place(
    LogGroup,
    replaces=functools.partial(requires_replacement, RESOURCE_TYPE),
    update_in_place=_update_group,
    after_create=_apply_key,
)
