"""KMS Sign, Verify and GetPublicKey as AWS KMS answers them, on moto's asymmetric keys.

moto signs with the right key but diverges from AWS where a token issuer and its
verifiers would notice (its own ``sign``/``verify``/``get_public_key`` responses):

- ``MessageType: DIGEST`` is ignored: moto hashes the digest again, so a signature over a
  digest does not verify outside KMS. Here DIGEST signs the digest as given, whose length
  must be the algorithm's hash length ("Sign", AWS KMS API Reference, MessageType).
- No message size limit: Message is 1 to 4096 bytes ("Sign", Request Parameters).
- Sign/Verify on a key whose KeyUsage is not SIGN_VERIFY, or with an algorithm the key does
  not support, is a ValidationException in moto; AWS answers InvalidKeyUsageException
  ("Sign", Errors). An algorithm outside the API's enum stays a ValidationException.
- The key's state is not checked: a disabled key answers DisabledException and a key
  pending deletion KMSInvalidStateException ("Key states of AWS KMS keys", AWS KMS
  Developer Guide, https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
- Verify answers ``SignatureValid: false`` for a bad signature; AWS fails the call with
  KMSInvalidSignatureException ("Verify", Errors).
- GetPublicKey answers an RSA public key for a symmetric key (moto makes one for every
  key); AWS refuses with UnsupportedOperationException ("GetPublicKey", Errors). Its KeyId
  is the key ARN and it carries KeySpec ("GetPublicKey", Response Elements).

The error codes are AWS's; the messages are the local AWS's wording except
"<key ARN> is pending deletion." / "<key ARN> is disabled.", which are KMS's. CreateKey,
EnableKeyRotation and ScheduleKeyDeletion: ``kms_key_rules``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from moto.core.exceptions import JsonRESTError
from moto.kms.models import Key, KmsBackend
from moto.kms.responses import KmsResponse
from moto.kms.utils import SigningAlgorithm

from pplocalaws import seams

MAX_MESSAGE_BYTES = 4096
MESSAGE_TYPES = ("RAW", "DIGEST")
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def validation(field: str, value: object, constraint: str) -> JsonRESTError:
    # The API's shape for a parameter constraint ("Common Errors": ValidationException).
    return error(
        "ValidationException",
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
        f"constraint: {constraint}",
    )


def usable_key(backend: KmsBackend, key_id: str, operation: str) -> Key:
    """The key ``key_id`` names, refused as AWS refuses a missing, disabled or deleted key."""
    try:
        key: Key = backend.describe_key(key_id)
    except (KeyError, JsonRESTError):
        raise error("NotFoundException", f"Key '{key_id}' does not exist") from None
    if key.key_state == "PendingDeletion":
        raise error("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    if key.key_state == "Disabled" or not key.enabled:
        raise error("DisabledException", f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        raise error(
            "KMSInvalidStateException",
            f"{key.arn} is in state {key.key_state}, where {operation} is not allowed.",
        )
    return key


def _signing_key(backend: KmsBackend, key_id: str, operation: str, algorithm: str) -> Key:
    if algorithm not in SigningAlgorithm.signing_algorithms():
        raise validation(
            "signingAlgorithm",
            algorithm,
            f"Member must satisfy enum value set: {SigningAlgorithm.signing_algorithms()}",
        )
    key = usable_key(backend, key_id, operation)
    if key.key_usage != "SIGN_VERIFY":
        raise error(
            "InvalidKeyUsageException",
            f"{key.arn} has KeyUsage {key.key_usage}; {operation} needs a key whose KeyUsage "
            "is SIGN_VERIFY.",
        )
    if algorithm not in (key.signing_algorithms or []):
        raise error(
            "InvalidKeyUsageException",
            f"{key.arn} ({key.key_spec}) does not support {algorithm}; it supports "
            f"{', '.join(key.signing_algorithms or [])}.",
        )
    return key


def _message(response: KmsResponse, algorithm: str) -> tuple[bytes, hashes.HashAlgorithm, bool]:
    """(message, hash algorithm, prehashed) after the API's checks on Message/MessageType."""
    message = seams.request_param(response, "Message") or b""
    if isinstance(message, str):
        message = message.encode("utf-8")
    if not 1 <= len(message) <= MAX_MESSAGE_BYTES:
        raise validation(
            "message",
            "***",
            f"Member must have length between 1 and {MAX_MESSAGE_BYTES} bytes (got {len(message)})",
        )
    message_type = seams.request_param(response, "MessageType") or "RAW"
    if message_type not in MESSAGE_TYPES:
        # EXTERNAL_MU exists for ML-DSA keys only, which the local AWS does not model.
        raise validation(
            "messageType", message_type, f"Member must satisfy enum value set: {MESSAGE_TYPES}"
        )
    digest = _HASHES.get(algorithm.rsplit("_", 1)[-1], hashes.SHA256)()
    if message_type == "DIGEST" and len(message) != digest.digest_size:
        # "Sign", MessageType: a digest's length must match the algorithm's hash length.
        # The code AWS uses for this is not documented: ValidationException (strict).
        raise error(
            "ValidationException",
            f"Digest is invalid length for algorithm {algorithm}: {len(message)} bytes, "
            f"expected {digest.digest_size}.",
        )
    return bytes(message), digest, message_type == "DIGEST"


def _rsa_padding(algorithm: str, digest: hashes.HashAlgorithm) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PSS_"):
        # "Asymmetric key specs" (AWS KMS Developer Guide): PSS with MGF1 of the same hash
        # and a salt as long as the digest.
        return padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return padding.PKCS1v15()


def _signature(
    key: Key, algorithm: str, message: bytes, digest: hashes.HashAlgorithm, prehashed: bool
) -> bytes:
    chosen = utils.Prehashed(digest) if prehashed else digest
    private = _private_key(key)
    if isinstance(private, rsa.RSAPrivateKey):
        return private.sign(message, _rsa_padding(algorithm, digest), chosen)
    signature: bytes = private.sign(message, ec.ECDSA(chosen))
    return signature


def _verifies(
    key: Key,
    algorithm: str,
    message: bytes,
    signature: bytes,
    digest: hashes.HashAlgorithm,
    prehashed: bool,
) -> bool:
    chosen = utils.Prehashed(digest) if prehashed else digest
    public = _private_key(key).public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, message, _rsa_padding(algorithm, digest), chosen)
        else:
            public.verify(signature, message, ec.ECDSA(chosen))
    except (InvalidSignature, ValueError):
        return False
    return True


def _private_key(key: Key) -> Any:
    # moto's RSA and ECDSA key wrappers keep the cryptography key as their public
    # ``private_key`` (not declared on their abstract base, hence Any).
    wrapper: Any = key.private_key
    return wrapper.private_key


def sign(self: KmsResponse) -> str:
    """https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html"""
    algorithm = str(seams.request_param(self, "SigningAlgorithm") or "")
    key = _signing_key(self.kms_backend, str(seams.request_param(self, "KeyId")), "Sign", algorithm)
    message, digest, prehashed = _message(self, algorithm)
    signature = _signature(key, algorithm, message, digest, prehashed)
    return json.dumps(
        {
            "KeyId": key.arn,
            "Signature": base64.b64encode(signature).decode(),
            "SigningAlgorithm": algorithm,
        }
    )


def verify(self: KmsResponse) -> str:
    """https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html"""
    algorithm = str(seams.request_param(self, "SigningAlgorithm") or "")
    key = _signing_key(
        self.kms_backend, str(seams.request_param(self, "KeyId")), "Verify", algorithm
    )
    message, digest, prehashed = _message(self, algorithm)
    try:
        signature = base64.b64decode(str(seams.request_param(self, "Signature") or ""))
    except ValueError:
        signature = b""
    if not signature:
        raise validation("signature", "***", "Member must have length greater than or equal to 1")
    if not _verifies(key, algorithm, message, signature, digest, prehashed):
        raise error(
            "KMSInvalidSignatureException",
            f"The signature does not verify with {key.arn} and {algorithm}.",
        )
    return json.dumps({"KeyId": key.arn, "SignatureValid": True, "SigningAlgorithm": algorithm})


def get_public_key(self: KmsResponse) -> str:
    """https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html"""
    key = usable_key(self.kms_backend, str(seams.request_param(self, "KeyId")), "GetPublicKey")
    if key.key_spec == "SYMMETRIC_DEFAULT" or key.key_spec.startswith("HMAC_"):
        raise error(
            "UnsupportedOperationException",
            f"{key.arn} is a {key.key_spec} key, which has no public key; GetPublicKey "
            "needs an asymmetric key.",
        )
    answer: dict[str, Any] = {
        "KeyId": key.arn,
        "KeySpec": key.key_spec,
        "CustomerMasterKeySpec": key.key_spec,
        "KeyUsage": key.key_usage,
        # DER-encoded X.509 SubjectPublicKeyInfo ("GetPublicKey", PublicKey).
        "PublicKey": base64.b64encode(key.private_key.public_key()).decode(),
    }
    if key.key_usage == "SIGN_VERIFY":
        answer["SigningAlgorithms"] = key.signing_algorithms
    else:
        answer["EncryptionAlgorithms"] = key.encryption_algorithms
    return json.dumps(answer)


seams.add_actions(KmsResponse, sign, verify, get_public_key)
