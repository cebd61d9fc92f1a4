"""AWS::KMS::Key: the update moto's model lacks.

moto creates the key with its policy, rotation and tags, but a modified key silently drops
out of the stack. The update here applies KeyPolicy, EnableKeyRotation, Enabled and
Description in place; a new KeySpec, KeyUsage or MultiRegion replaces the key, as
CloudFormation does. (moto's Alias model already updates and deletes.)
"""

from __future__ import annotations

import json
from typing import Any

from moto.kms.models import Key, KmsBackend, kms_backends

from ppdeploy.localaws.resources.common import (
    Properties,
    as_bool,
    properties_of,
    replace_resource,
)
from ppdeploy.localaws.resources.patching import extend_create, set_update

# Changing these makes CloudFormation create a new key (AWS::KMS::Key reference page).
REPLACING_PROPERTIES = ("KeySpec", "KeyUsage", "MultiRegion", "Origin")


def _backend(account_id: str, region_name: str) -> KmsBackend:
    return kms_backends[account_id][region_name]


def _after_create(key: Key, properties: Properties, account_id: str, region: str) -> None:
    key._ppdeploy_properties = properties  # type: ignore[attr-defined]  # our note on moto's object


def _update(
    cls: type[Key],
    original_resource: Key,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Key:
    new = properties_of(cloudformation_json)
    old: Properties = getattr(original_resource, "_ppdeploy_properties", {})
    if any(old.get(name) != new.get(name) for name in REPLACING_PROPERTIES):
        return replace_resource(
            create=lambda: cls.create_from_cloudformation_json(
                new_resource_name, cloudformation_json, account_id, region_name
            ),
            delete_old=lambda: original_resource.delete(account_id, region_name),
            cloudformation_json=cloudformation_json,
        )
    backend = _backend(account_id, region_name)
    key_id = original_resource.id
    policy = new.get("KeyPolicy")
    if policy is not None:
        backend.put_key_policy(key_id, policy if isinstance(policy, str) else json.dumps(policy))
    if as_bool(new.get("EnableKeyRotation")):
        backend.enable_key_rotation(key_id)
    else:
        backend.disable_key_rotation(key_id)
    if as_bool(new.get("Enabled"), True):
        backend.enable_key(key_id)
    else:
        backend.disable_key(key_id)
    backend.update_key_description(key_id, new.get("Description", ""))
    original_resource._ppdeploy_properties = new  # type: ignore[attr-defined]  # our note on moto's object
    return original_resource


extend_create(Key, _after_create)
set_update(Key, _update)
