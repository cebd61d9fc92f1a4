"""AWS::KMS::Key: the key spec and usage, and the update, moto's model lacks.

moto creates every template key as SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT whatever KeySpec
and KeyUsage say (an ECC_NIST_P256 SIGN_VERIFY key then refuses ``Sign``); the created key
is given the template's spec, usage and a key pair of that spec here. A modified key
silently drops out of moto's stack. The update here applies KeyPolicy, EnableKeyRotation,
Enabled and Description in place; a new KeySpec, KeyUsage or MultiRegion replaces the key, as
CloudFormation does. (moto's Alias model already updates and deletes.) A created key's
policy is stored as JSON text, as GetKeyPolicy returns it on AWS.
"""

from __future__ import annotations

import json

from moto.cloudformation.exceptions import ValidationError
from moto.kms.models import Key, KmsBackend, kms_backends
from moto.kms.utils import generate_private_key

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


# Key usages each key spec allows (AWS KMS Developer Guide, "Key spec reference", and the
# CreateKey API Reference, KeyUsage: "For asymmetric KMS keys with ECC key pairs (not SM2),
# specify SIGN_VERIFY or KEY_AGREEMENT"; RSA: ENCRYPT_DECRYPT or SIGN_VERIFY; HMAC:
# GENERATE_VERIFY_MAC; symmetric: ENCRYPT_DECRYPT). Other specs are not modelled: refused.
_USAGES_BY_SPEC_PREFIX = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "RSA_": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_NIST_": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_SECG_P256K1": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "HMAC_": ("GENERATE_VERIFY_MAC",),
}
_DEFAULT_USAGE = "ENCRYPT_DECRYPT"  # AWS::KMS::Key KeyUsage default


def _allowed_usages(spec: str) -> tuple[str, ...]:
    for prefix, usages in _USAGES_BY_SPEC_PREFIX.items():
        if spec.startswith(prefix):
            return usages
    return ()


def _apply_spec(key: Key, properties: Properties) -> None:
    spec = str(properties.get("KeySpec") or "SYMMETRIC_DEFAULT")
    usage = str(properties.get("KeyUsage") or _DEFAULT_USAGE)
    if usage not in _allowed_usages(spec):
        raise ValidationError(
            message=f"AWS::KMS::Key KeySpec {spec} with KeyUsage {usage} is not a key AWS KMS "
            f"creates (allowed for {spec}: {', '.join(_allowed_usages(spec)) or 'none modelled'}); "
            "fix the template's KeySpec/KeyUsage pair"
        )
    if (spec, usage) != (key.key_spec, key.key_usage):
        key.key_spec, key.key_usage = spec, usage
        key.private_key = generate_private_key(spec)


def _after_create(key: Key, properties: Properties, account_id: str, region: str) -> None:
    _apply_spec(key, properties)
    _policy_as_text(key, properties, account_id, region)


def _policy_as_text(key: Key, properties: Properties, account_id: str, region: str) -> None:
    # moto keeps the template's KeyPolicy mapping as it came, and GetKeyPolicy then answers
    # an object; AWS answers the policy as a JSON string ("GetKeyPolicy", Response
    # Syntax: Policy is a String).
    if not isinstance(key.policy, str):
        _backend(account_id, region).put_key_policy(key.id, json.dumps(key.policy))


set_update_in_place(
    Key, replaces=_replaces_key, update_in_place=_update_key, after_create=_after_create
)
