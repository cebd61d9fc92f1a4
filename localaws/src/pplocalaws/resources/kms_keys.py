"""AWS::KMS::Key: KeySpec and KeyUsage, their refusals, and deletion by a waiting period.

moto's model creates every key as a symmetric encryption key (it ignores KeySpec and
KeyUsage), keeps ``Enabled: false`` without the Disabled state, accepts
``EnableKeyRotation`` on any key and deletes the key at once when the stack removes it.
The AWS::KMS::Key reference page
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html)
and the CreateKey API reference
(https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html) decide instead:

- KeySpec (default SYMMETRIC_DEFAULT) and KeyUsage (default ENCRYPT_DECRYPT) make the key;
  a KeyUsage the KeySpec does not support is refused (CreateKey, KeyUsage).
- ``EnableKeyRotation: true`` only on symmetric encryption keys ("AWS KMS supports
  automatic rotation only for symmetric encryption KMS keys").
- PendingWindowInDays 7 to 30 (default 30); removing the key from the stack schedules its
  deletion after that window (key state PendingDeletion), it is not deleted at once.
- ``Enabled: false`` creates the key Disabled.

On update (``resources.kms``) the same checks apply, and a change to KeySpec, KeyUsage,
Origin or MultiRegion fails the update (the reference page's "Important" note: "the
update request fails, regardless of the value of the UpdateReplacePolicy attribute").
CreateKey/EnableKeyRotation/ScheduleKeyDeletion rules: ``kms_key_rules``; Sign, Verify,
GetPublicKey: ``kms_signing``; key policy principals: ``kms_policies``.
"""

from __future__ import annotations

from typing import Any

from moto.kms.models import Key, kms_backends
from moto.kms.utils import generate_private_key

from pplocalaws.extensions.failures import LocalFailure
from pplocalaws.resources.common import Properties, as_bool, properties_of
from pplocalaws.resources.kms_key_rules import usage_refusal
from pplocalaws.resources.patching import check_before_create, recorded_properties, set_delete
from pplocalaws.seams import set_model_create

DEFAULT_PENDING_WINDOW_DAYS = 30
# Documented by AWS, but the local AWS cannot make such a key: refused, saying so.
NOT_MODELLED = {
    "key specs": ("SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"),
    "key usages": ("KEY_AGREEMENT",),
}


class KeyRefused(LocalFailure):
    """A key create or update refused as KMS or CloudFormation refuses it."""


def _refusal(code: str, message: str, handler_code: str = "InvalidRequest") -> KeyRefused:
    # How CloudFormation reports a failed resource handler (as resources.names does).
    return KeyRefused(
        f'Resource handler returned message: "{code}: {message} (Service: Kms)" '
        f"(HandlerErrorCode: {handler_code})"
    )


def spec_and_usage(properties: Properties) -> tuple[str, str]:
    return (
        str(properties.get("KeySpec") or "SYMMETRIC_DEFAULT"),
        str(properties.get("KeyUsage") or "ENCRYPT_DECRYPT"),
    )


def check_properties(properties: Properties) -> None:
    """Refuse what KMS or the AWS::KMS::Key schema refuses; on create and on update."""
    spec, usage = spec_and_usage(properties)
    if spec in NOT_MODELLED["key specs"] or usage in NOT_MODELLED["key usages"]:
        raise KeyRefused(
            f"AWS::KMS::Key with KeySpec {spec} and KeyUsage {usage} is not modelled by the "
            "local AWS (AWS may create it): use an RSA, ECC_NIST or HMAC key spec locally, "
            "or deploy this stack to AWS."
        )
    refusal = usage_refusal(spec, usage)
    if refusal is not None:
        raise _refusal("ValidationException", refusal)
    if as_bool(properties.get("EnableKeyRotation")) and (spec, usage) != (
        "SYMMETRIC_DEFAULT",
        "ENCRYPT_DECRYPT",
    ):
        raise _refusal(
            "UnsupportedOperationException",
            f"EnableKeyRotation is true on a {spec} {usage} key: AWS KMS rotates only "
            "symmetric encryption keys automatically. Remove EnableKeyRotation (rotate by "
            "creating a new key).",
        )
    window = properties.get("PendingWindowInDays")
    if window is not None and not (str(window).isdigit() and 7 <= int(window) <= 30):
        # The resource schema: an integer, minimum 7, maximum 30.
        raise KeyRefused(
            f"Properties validation failed for AWS::KMS::Key: PendingWindowInDays is "
            f"{window!r}, and must be a whole number of days from 7 to 30."
        )


def _check(_name: str, properties: Properties, _account_id: str, _region: str) -> None:
    check_properties(properties)


def _make_asymmetric(key: Key, properties: Properties, account_id: str, region: str) -> None:
    spec, usage = spec_and_usage(properties)
    if (spec, usage) != ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"):
        # The key was made a moment ago as moto's symmetric key and used by nobody: give it
        # the key material and usage the template asks for.
        key.key_spec = spec
        key.key_usage = usage
        key.private_key = generate_private_key(spec)
    if not as_bool(properties.get("Enabled"), True):
        kms_backends[account_id][region].disable_key(key.id)


def _schedule_deletion(key: Key, account_id: str, region: str) -> None:
    # "PendingWindowInDays" (AWS::KMS::Key): removing the key from the stack schedules its
    # deletion after the window; the key is PendingDeletion meanwhile.
    backend = kms_backends[account_id][region]
    if key.id not in backend.keys or key.key_state == "PendingDeletion":
        return
    window = recorded_properties(key).get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS)
    backend.schedule_key_deletion(key.id, int(window))


_EXTENDED = "_pplocalaws_key_spec_and_usage"


def _extend_create() -> None:
    # Wraps whichever create is in place (moto's, or resources.kms's recording one), so
    # the order the modules are imported in does not matter.
    current = Key.create_from_cloudformation_json
    if getattr(current, _EXTENDED, False):
        return

    def create(
        cls: type,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Key:
        key: Key = current(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        _make_asymmetric(key, properties_of(cloudformation_json), account_id, region_name)
        return key

    setattr(create, _EXTENDED, True)
    set_model_create(Key, create)


check_before_create(Key, _check)
_extend_create()
set_delete(Key, _schedule_deletion)
