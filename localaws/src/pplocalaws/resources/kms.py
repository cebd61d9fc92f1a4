"""AWS::KMS::Key: the update moto's model lacks.

moto creates the key with its policy, rotation and tags, but a modified key silently drops
out of the stack. The update here applies KeyPolicy, EnableKeyRotation, Enabled and
Description in place; a new KeySpec, KeyUsage or MultiRegion replaces the key, as
CloudFormation does. (moto's Alias model already updates and deletes.) A created key's
policy is stored as JSON text, as GetKeyPolicy returns it on AWS.
"""

from __future__ import annotations

import json

from moto.kms.models import Key, KmsBackend, kms_backends

from pplocalaws.resources.common import Properties, as_bool
from pplocalaws.resources.patching import set_update_in_place

# Changing these makes CloudFormation create a new key (AWS::KMS::Key reference page).
REPLACING_PROPERTIES = ("KeySpec", "KeyUsage", "MultiRegion", "Origin")


def _backend(account_id: str, region_name: str) -> KmsBackend:
    return kms_backends[account_id][region_name]


def _replaces_key(old: Properties, new: Properties) -> bool:
    return any(old.get(name) != new.get(name) for name in REPLACING_PROPERTIES)


def _update_key(key: Key, old: Properties, new: Properties, account_id: str, region: str) -> None:
    backend = _backend(account_id, region)
    key_id = key.id
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


def _policy_as_text(key: Key, properties: Properties, account_id: str, region: str) -> None:
    # moto keeps the template's KeyPolicy mapping as it came, and GetKeyPolicy then answers
    # an object; AWS answers the policy as a JSON string ("GetKeyPolicy", Response
    # Syntax: Policy is a String).
    if not isinstance(key.policy, str):
        _backend(account_id, region).put_key_policy(key.id, json.dumps(key.policy))


set_update_in_place(
    Key, replaces=_replaces_key, update_in_place=_update_key, after_create=_policy_as_text
)
