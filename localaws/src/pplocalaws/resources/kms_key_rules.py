"""KMS key rules moto leaves out: CreateKey's KeyUsage, automatic rotation, deletion window.

- CreateKey without KeyUsage leaves it empty in moto (DescribeKey answers null); AWS's
  default is ENCRYPT_DECRYPT, and a KeyUsage the KeySpec does not support is refused
  ("CreateKey", AWS KMS API Reference, KeyUsage:
  https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html).
- EnableKeyRotation is accepted on any key in moto; AWS rotates only symmetric encryption
  keys ("EnableKeyRotation": UnsupportedOperationException otherwise).
- ScheduleKeyDeletion outside 7-30 days silently does nothing in moto; AWS refuses it, and
  a key already pending deletion is in the wrong state ("ScheduleKeyDeletion",
  PendingWindowInDays; "Key states of AWS KMS keys", AWS KMS Developer Guide).

The same rules decide AWS::KMS::Key (``kms_keys``), which creates and rotates through
moto's backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.models import Key, KmsBackend
from moto.kms.responses import KmsResponse

from pplocalaws import seams
from pplocalaws.resources.kms_signing import error, validation

# CreateKey, KeyUsage: which usages each key spec supports (commercial Regions; SM2 is
# China Regions only, and ML-DSA keys and KEY_AGREEMENT are not modelled by moto).
USAGES = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "RSA_2048": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_3072": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_4096": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_NIST_P256": ("SIGN_VERIFY",),
    "ECC_NIST_P384": ("SIGN_VERIFY",),
    "ECC_NIST_P521": ("SIGN_VERIFY",),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "HMAC_224": ("GENERATE_VERIFY_MAC",),
    "HMAC_256": ("GENERATE_VERIFY_MAC",),
    "HMAC_384": ("GENERATE_VERIFY_MAC",),
    "HMAC_512": ("GENERATE_VERIFY_MAC",),
}


def schedule_key_deletion(self: KmsResponse) -> str:
    """https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html"""
    key_id = str(seams.request_param(self, "KeyId"))
    days = seams.request_param(self, "PendingWindowInDays")
    days = 30 if days is None else int(days)
    check_pending_window(days)
    key = usable_key_for_deletion(self.kms_backend, key_id)
    deletion = self.kms_backend.schedule_key_deletion(key.id, days)
    return json.dumps(
        {
            "KeyId": key.arn,
            "DeletionDate": deletion,
            "KeyState": "PendingDeletion",
            "PendingWindowInDays": days,
        }
    )


def check_pending_window(days: int) -> None:
    """PendingWindowInDays is 7 to 30 ("ScheduleKeyDeletion"; AWS::KMS::Key)."""
    if days < 7:
        raise validation(
            "pendingWindowInDays", days, "Member must have value greater than or equal to 7"
        )
    if days > 30:
        raise validation(
            "pendingWindowInDays", days, "Member must have value less than or equal to 30"
        )


def usable_key_for_deletion(backend: KmsBackend, key_id: str) -> Key:
    try:
        key: Key = backend.describe_key(key_id)
    except (KeyError, JsonRESTError):
        raise error("NotFoundException", f"Key '{key_id}' does not exist") from None
    if key.key_state == "PendingDeletion":
        raise error("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    return key


def rotation_refusal(key: Key) -> JsonRESTError | None:
    """UnsupportedOperationException unless ``key`` is a symmetric encryption key."""
    if key.key_spec == "SYMMETRIC_DEFAULT" and key.key_usage == "ENCRYPT_DECRYPT":
        return None
    return error(
        "UnsupportedOperationException",
        f"{key.arn} is a {key.key_spec} {key.key_usage} key: AWS KMS rotates only symmetric "
        "encryption keys automatically. Rotate an asymmetric key by creating a new key "
        "(and leave EnableKeyRotation out for it).",
    )


def usage_refusal(spec: str, usage: str) -> str | None:
    """Why KMS refuses a key of ``spec`` with ``usage``, or None when it makes one."""
    if spec not in USAGES:
        return f"KeySpec {spec} is not one of {sorted(USAGES)} (the local AWS models these)."
    if usage not in USAGES[spec]:
        return (
            f"KeyUsage {usage} is not compatible with KeySpec {spec}: a {spec} key supports "
            f"KeyUsage {' or '.join(USAGES[spec])}. Set KeyUsage to one of those."
        )
    return None


def _default_and_check_usage(original: Callable[..., Key]) -> Callable[..., Key]:
    def create_key(
        self: KmsBackend, policy: Any, key_usage: Any, key_spec: Any, *rest: Any, **named: Any
    ) -> Key:
        usage = key_usage or "ENCRYPT_DECRYPT"
        refusal = usage_refusal(key_spec or "SYMMETRIC_DEFAULT", usage)
        if refusal is not None:
            raise error("ValidationException", refusal)
        return original(self, policy, usage, key_spec, *rest, **named)

    return create_key


def _refuse_rotation_of_asymmetric_keys(
    original: Callable[[KmsBackend, str], None],
) -> Callable[[KmsBackend, str], None]:
    def enable_key_rotation(self: KmsBackend, key_id: str) -> None:
        refusal = rotation_refusal(self.describe_key(key_id))
        if refusal is not None:
            raise refusal
        original(self, key_id)

    return enable_key_rotation


seams.add_actions(KmsResponse, schedule_key_deletion)
seams.wrap_kms_backend_method("enable_key_rotation", _refuse_rotation_of_asymmetric_keys)
seams.wrap_kms_backend_method("create_key", _default_and_check_usage)
