"""What IAM evaluation reads from moto's backends: sessions, roles, tables, secrets, keys.

Public attributes of moto's models only; the one private helper (the key id inside a
ciphertext blob) goes through ``pplocalaws.seams``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.models import dynamodb_backends
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.ssm.models import ssm_backends
from moto.sts.models import sts_backends

from pplocalaws import seams

PARTITION = "aws"
# The AWS managed keys' aliases: their key policies allow use through the service for
# every principal of the account ("AWS managed keys", AWS KMS Developer Guide), so only a
# customer managed key adds a check.
_AWS_MANAGED_ALIASES = ("alias/aws/",)


@dataclass(frozen=True)
class Session:
    access_key_id: str
    session_token: str
    expiration: Any  # datetime (naive UTC, as moto keeps it)
    role_arn: str
    session_arn: str  # arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
    account: str
    session_policy: str | None


def session(access_key_id: str) -> Session | None:
    """The role session that ``access_key_id`` belongs to, in any account."""
    for account in list(sts_backends.keys()):
        backend = sts_backends[account][PARTITION]
        for assumed in list(backend.assumed_roles):
            if assumed.access_key_id == access_key_id:
                return Session(
                    assumed.access_key_id,
                    assumed.session_token,
                    assumed.expiration,
                    assumed.role_arn,
                    assumed.arn,
                    assumed.account_id,
                    assumed.policy or None,
                )
    return None


def role_id(account: str, role_arn: str) -> str | None:
    """The role's unique id (AROA...), or None when the role is gone."""
    try:
        return str(iam_backends[account][PARTITION].get_role_by_arn(role_arn).id)
    except Exception:  # moto raises its IAMNotFoundException
        return None


def role_policy_documents(account: str, role_arn: str) -> list[str] | None:
    """The role's inline and attached managed policies (default versions), or None."""
    backend = iam_backends[account][PARTITION]
    try:
        role = backend.get_role_by_arn(role_arn)
    except Exception:  # moto raises its IAMNotFoundException
        return None
    # PutRolePolicy stores the document's text; CloudFormation's AWS::IAM::Role Policies
    # leave moto the template's mapping. AWS evaluates both alike: text for the parser.
    documents = [d if isinstance(d, str) else json.dumps(d) for d in role.policies.values()]
    for policy in list(role.managed_policies.values()):
        for version in policy.versions:
            if version.version_id == policy.default_version_id:
                documents.append(version.document)
    return documents


def _kms(account: str, region: str) -> Any:
    return kms_backends[account][region]


def key_arn(account: str, region: str, key_id: str) -> str | None:
    """The ARN of the key that an id, ARN, alias name or alias ARN names; None if none."""
    backend = _kms(account, region)
    try:
        return str(backend.describe_key(key_id).arn)
    except Exception:  # moto's NotFoundException or a KeyError
        return None


def customer_key_arn(account: str, region: str, key_id: str) -> str | None:
    """``key_arn``, but None for an AWS managed key (one with an alias/aws/... alias)."""
    try:
        key = _kms(account, region).describe_key(key_id)
    except Exception:  # moto's NotFoundException or a KeyError
        return None
    if any(name.startswith(_AWS_MANAGED_ALIASES) for name in getattr(key, "aliases", {})):
        return None
    return str(key.arn)


def key_policy(account: str, region: str, arn: str) -> str | None:
    backend = _kms(account, region)
    try:
        document = backend.describe_key(arn).policy
    except Exception:
        return None
    # CloudFormation hands moto the KeyPolicy as a mapping; the API as JSON text.
    return document if isinstance(document, str) else json.dumps(document)


def key_of_ciphertext(blob_base64: str) -> str | None:
    try:
        blob = base64.b64decode(blob_base64)
    except (binascii.Error, ValueError):
        return None
    return seams.kms_key_id_of_ciphertext(blob)


def table_key(account: str, region: str, table: str) -> str | None:
    """The customer managed key encrypting ``table`` (name or ARN), or None."""
    name = table.rsplit("/", 1)[-1] if table.startswith("arn:") else table
    found = dynamodb_backends[account][region].tables.get(name)
    sse = getattr(found, "sse_specification", None) or {}
    if not found or not sse.get("Enabled", sse.get("SSEEnabled", True)):
        return None
    key = sse.get("KMSMasterKeyId")
    return customer_key_arn(account, region, str(key)) if key else None


@dataclass(frozen=True)
class Secret:
    arn: str
    kms_key_arn: str | None
    version_id: str | None


def secret(account: str, region: str, secret_id: str) -> Secret | None:
    found = secretsmanager_backends[account][region].secrets.get(secret_id)
    if found is None:
        return None
    key = getattr(found, "kms_key_id", None)
    key_arn_ = customer_key_arn(account, region, str(key)) if key else None
    return Secret(str(found.arn), key_arn_, getattr(found, "default_version_id", None))


def resource_policy(account: str, region: str, arn: str) -> str | None:
    """The bucket policy of an S3 ARN, or the resource policy of a secret; else None."""
    if arn.startswith("arn:aws:s3:::"):
        bucket = s3_backends[account][PARTITION].buckets.get(
            arn[len("arn:aws:s3:::") :].split("/", maxsplit=1)[0]
        )
        document = getattr(bucket, "policy", None)
        return document.decode() if isinstance(document, bytes) else document
    if arn.startswith("arn:aws:secretsmanager:"):
        found = secretsmanager_backends[account][region].secrets.get(arn)
        document = getattr(found, "policy", None)
        return str(document) if document else None
    return None


def topic_key(account: str, region: str, topic_arn: str) -> str | None:
    """The customer managed key encrypting an SNS topic, or None."""
    topic = sns_backends[account][region].topics.get(topic_arn)
    key = getattr(topic, "kms_master_key_id", "") if topic else ""
    return customer_key_arn(account, region, str(key)) if key else None


@dataclass(frozen=True)
class Parameter:
    type: str  # String | StringList | SecureString
    key_id: str  # the KMS key of a SecureString (moto: alias/aws/ssm when none was given)


def parameter(account: str, region: str, name: str) -> Parameter | None:
    """A Systems Manager parameter by name, ARN or selector; None when there is none."""
    try:
        found = ssm_backends[account][region].get_parameter(name)
    except Exception:  # moto raises ParameterVersionNotFound for an unknown version
        return None
    if found is None:
        return None
    return Parameter(str(found.parameter_type), str(getattr(found, "keyid", "") or ""))
