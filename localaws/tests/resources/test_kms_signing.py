"""KMS Sign, Verify, GetPublicKey, EnableKeyRotation, ScheduleKeyDeletion as AWS answers."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.serialization import load_der_public_key

MESSAGE = b"header.payload"


@pytest.fixture
def kms(aws: boto3.Session) -> Any:
    return aws.client("kms")


def _key(kms: Any, spec: str = "ECC_NIST_P256", usage: str = "SIGN_VERIFY") -> str:
    return str(kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]["KeyId"])


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


def test_raw_signature_verifies_outside_kms_with_the_public_key(kms: Any) -> None:
    key_id = _key(kms)
    signed = kms.sign(
        KeyId=key_id, Message=MESSAGE, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )
    answer = kms.get_public_key(KeyId=key_id)
    # GetPublicKey: KeyId is the key ARN; PublicKey a DER SubjectPublicKeyInfo.
    assert (
        answer["KeyId"] == signed["KeyId"] == kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
    )
    assert (answer["KeySpec"], answer["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert answer["SigningAlgorithms"] == ["ECDSA_SHA_256"]
    public = load_der_public_key(answer["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert public.curve.name == "secp256r1"
    public.verify(signed["Signature"], MESSAGE, ec.ECDSA(hashes.SHA256()))  # raises if not
    verified = kms.verify(
        KeyId=key_id,
        Message=MESSAGE,
        Signature=signed["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert verified["SignatureValid"] is True


def test_digest_is_signed_as_given_not_hashed_again(kms: Any) -> None:
    key_id = _key(kms)
    digest = hashlib.sha256(MESSAGE).digest()
    signed = kms.sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256"
    )
    public = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signed["Signature"], MESSAGE, ec.ECDSA(hashes.SHA256()))
    # Verify RAW over the message accepts the signature over its digest.
    kms.verify(
        KeyId=key_id,
        Message=MESSAGE,
        Signature=signed["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert (
        _code(
            kms.sign,
            KeyId=key_id,
            Message=digest[:31],
            MessageType="DIGEST",
            SigningAlgorithm="ECDSA_SHA_256",
        )
        == "ValidationException"
    )


def test_rsa_pss_digest_verifies_outside_kms(kms: Any) -> None:
    key_id = _key(kms, "RSA_2048")
    digest = hashlib.sha256(MESSAGE).digest()
    signed = kms.sign(
        KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm="RSASSA_PSS_SHA_256"
    )
    public: Any = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    public.verify(
        signed["Signature"],
        MESSAGE,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_message_is_one_to_4096_bytes(kms: Any) -> None:
    key_id = _key(kms)
    kms.sign(KeyId=key_id, Message=b"x" * 4096, SigningAlgorithm="ECDSA_SHA_256")
    code = _code(kms.sign, KeyId=key_id, Message=b"x" * 4097, SigningAlgorithm="ECDSA_SHA_256")
    assert code == "ValidationException"


def test_algorithm_and_usage_refusals(kms: Any) -> None:
    key_id = _key(kms)
    # a real algorithm the key does not support: InvalidKeyUsageException ("Sign", Errors)
    assert (
        _code(kms.sign, KeyId=key_id, Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_384")
        == "InvalidKeyUsageException"
    )
    # an encryption key cannot sign
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    assert (
        _code(kms.sign, KeyId=symmetric, Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
        == "InvalidKeyUsageException"
    )


def test_a_bad_signature_fails_verify(kms: Any) -> None:
    key_id = _key(kms)
    other = kms.sign(KeyId=_key(kms), Message=MESSAGE, SigningAlgorithm="ECDSA_SHA_256")
    code = _code(
        kms.verify,
        KeyId=key_id,
        Message=MESSAGE,
        Signature=other["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert code == "KMSInvalidSignatureException"


def test_symmetric_keys_have_no_public_key(kms: Any) -> None:
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    assert _code(kms.get_public_key, KeyId=symmetric) == "UnsupportedOperationException"


def test_disabled_and_pending_deletion_keys_refuse(kms: Any) -> None:
    key_id = _key(kms)
    kms.disable_key(KeyId=key_id)
    sign = {"KeyId": key_id, "Message": MESSAGE, "SigningAlgorithm": "ECDSA_SHA_256"}
    assert _code(kms.sign, **sign) == "DisabledException"
    assert _code(kms.get_public_key, KeyId=key_id) == "DisabledException"
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    assert _code(kms.sign, **sign) == "KMSInvalidStateException"
    assert _code(kms.get_public_key, KeyId=key_id) == "KMSInvalidStateException"


def test_schedule_key_deletion_window_is_7_to_30_days(kms: Any) -> None:
    key_id = _key(kms)
    for days in (6, 31):
        code = _code(kms.schedule_key_deletion, KeyId=key_id, PendingWindowInDays=days)
        assert code == "ValidationException"
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    answer = kms.schedule_key_deletion(KeyId=key_id)
    assert (answer["KeyState"], answer["PendingWindowInDays"]) == ("PendingDeletion", 30)


def test_automatic_rotation_only_for_symmetric_encryption_keys(kms: Any) -> None:
    assert _code(kms.enable_key_rotation, KeyId=_key(kms)) == "UnsupportedOperationException"
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=symmetric)
    assert kms.get_key_rotation_status(KeyId=symmetric)["KeyRotationEnabled"] is True


def test_create_key_defaults_usage_and_refuses_an_incompatible_one(kms: Any) -> None:
    # "CreateKey", KeyUsage: default ENCRYPT_DECRYPT; an ECC key cannot encrypt.
    assert kms.create_key()["KeyMetadata"]["KeyUsage"] == "ENCRYPT_DECRYPT"
    code = _code(kms.create_key, KeySpec="ECC_NIST_P256", KeyUsage="ENCRYPT_DECRYPT")
    assert code == "ValidationException"
    assert _code(kms.create_key, KeySpec="ECC_NIST_P256") == "ValidationException"


def test_a_key_policy_naming_a_role_that_does_not_exist_is_malformed(
    aws: boto3.Session, kms: Any
) -> None:
    # "CreateKey"/"PutKeyPolicy", Policy: the principals must exist.
    role = "arn:aws:iam::123456789012:role/purposepath-account-api-dev"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    create = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "Policy": json.dumps(policy)}
    assert _code(kms.create_key, **create) == "MalformedPolicyDocumentException"
    key_id = _key(kms)
    put = {"KeyId": key_id, "PolicyName": "default", "Policy": json.dumps(policy)}
    assert _code(kms.put_key_policy, **put) == "MalformedPolicyDocumentException"
    aws.client("iam").create_role(
        RoleName="purposepath-account-api-dev", AssumeRolePolicyDocument="{}"
    )
    kms.put_key_policy(**put)
    kms.create_key(**create)
    # a condition on aws:PrincipalArn is not a principal: never checked
    conditional = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Sign",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": role.replace("dev", "nowhere")}},
    }
    policy["Statement"].append(conditional)
    kms.put_key_policy(**{**put, "Policy": json.dumps(policy)})
    no_principal = {"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}
    bad = {**put, "Policy": json.dumps(no_principal)}
    assert _code(kms.put_key_policy, **bad) == "MalformedPolicyDocumentException"
    wildcard = json.dumps(policy).replace("purposepath-account-api-dev", "purposepath-*")
    assert (
        _code(kms.put_key_policy, **{**put, "Policy": wildcard})
        == "MalformedPolicyDocumentException"
    )
