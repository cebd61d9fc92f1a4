"""AWS::KMS::Key: the update moto's model lacks.

moto creates the key with its policy, rotation and tags, but a modified key silently drops
out of the stack. The update here applies KeyPolicy, EnableKeyRotation, Enabled and
Description in place; a new KeySpec, KeyUsage, Origin or MultiRegion fails the update, as
the AWS::KMS::Key reference page says ("If you change the value of the KeySpec, KeyUsage,
Origin, or MultiRegion properties of an existing KMS key, the update request fails,
regardless of the value of the UpdateReplacePolicy attribute"). (moto's Alias model
already updates and deletes.) A created key's policy is stored as JSON text, as
GetKeyPolicy returns it on AWS. KeySpec/KeyUsage, rotation and deletion rules: kms_keys.
"""

from __future__ import annotations

import json

from moto.kms.models import Key, KmsBackend, kms_backends

from pplocalaws.resources.common import Properties, as_bool
from pplocalaws.resources.kms_keys import KeyRefused, check_properties, spec_and_usage
from pplocalaws.resources.patching import set_update_in_place

# Changing these fails the update (AWS::KMS::Key reference page, "Important").
IMMUTABLE_PROPERTIES = ("KeySpec", "KeyUsage", "MultiRegion", "Origin")


def _backend(account_id: str, region_name: str) -> KmsBackend:
    return kms_backends[account_id][region_name]


def _immutable_changes(old: Properties, new: Properties) -> list[str]:
    # KeySpec/KeyUsage left out mean their defaults: spelling the default out is no change.
    changed = [name for name in ("MultiRegion", "Origin") if old.get(name) != new.get(name)]
    if spec_and_usage(old)[0] != spec_and_usage(new)[0]:
        changed.append("KeySpec")
    if spec_and_usage(old)[1] != spec_and_usage(new)[1]:
        changed.append("KeyUsage")
    return changed


def _never_replaced(_old: Properties, _new: Properties) -> bool:
    return False  # an immutable change fails in _update_key instead


def _update_key(key: Key, old: Properties, new: Properties, account_id: str, region: str) -> None:
    changed = _immutable_changes(old, new)
    if changed:
        raise KeyRefused(
            f"AWS::KMS::Key {key.id}: {', '.join(changed)} cannot change on an existing key "
            "(the update fails whatever UpdateReplacePolicy says). To move to a new key, "
            "add a new AWS::KMS::Key resource and point its users at it."
        )
    check_properties(new)
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
    Key, replaces=_never_replaced, update_in_place=_update_key, after_create=_policy_as_text
)
