"""Drift readers for IAM roles and managed policies, KMS keys and aliases, and secrets.

The properties each reads are the ones moto stores; write-only properties are never
read, as CloudFormation never compares them (KMS ``PendingWindowInDays``, Secrets Manager
``SecretString`` and ``GenerateSecretString``: "write-only" in their resource schemas).
Policy documents compare as JSON data, not text.
"""

from __future__ import annotations

from pplocalaws.resources.drift_common import Live, Reader, policy_document, tag_list


# -- AWS::IAM::Role (global: IAM's backend is per partition) --------------------------------
def read_role(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.iam.exceptions import NotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.iam.models import iam_backends  # noqa: PLC0415 - moto loads on first use
    from moto.utilities.utils import get_partition  # noqa: PLC0415 - moto loads on first use

    try:
        role = iam_backends[account_id][get_partition(region)].get_role(physical_id)
    except NotFoundException:
        return None
    live: Live = {
        "RoleName": role.name,
        "Path": role.path,
        "AssumeRolePolicyDocument": policy_document(role.assume_role_policy_document),
        "ManagedPolicyArns": sorted(role.managed_policies),
        "Policies": [
            {"PolicyName": name, "PolicyDocument": policy_document(document)}
            for name, document in sorted(role.policies.items())
        ],
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description:
        live["Description"] = role.description
    return live


# -- AWS::IAM::ManagedPolicy (physical id: the policy's ARN) ----------------------------------
def read_managed_policy(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.iam.exceptions import NotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.iam.models import iam_backends  # noqa: PLC0415 - moto loads on first use
    from moto.utilities.utils import get_partition  # noqa: PLC0415 - moto loads on first use

    backend = iam_backends[account_id][get_partition(region)]
    try:
        policy = backend.get_policy(physical_id)
    except NotFoundException:
        return None
    default = next(v for v in policy.versions if v.version_id == policy.default_version_id)
    live: Live = {
        "ManagedPolicyName": policy.name,
        "Path": policy.path,
        "PolicyDocument": policy_document(default.document),
        "Roles": sorted(r.name for r in backend.get_roles() if physical_id in r.managed_policies),
    }
    if policy.description:
        live["Description"] = policy.description
    return live


# -- AWS::KMS::Key and AWS::KMS::Alias --------------------------------------------------------
def read_key(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.kms.models import kms_backends  # noqa: PLC0415 - moto loads on first use

    backend = kms_backends[account_id][region]
    key = backend.keys.get(physical_id)
    if key is None or key.key_state == "PendingDeletion":
        return None
    return {
        "Description": key.description,
        "Enabled": bool(key.enabled),
        "EnableKeyRotation": bool(key.key_rotation_status),
        "KeyPolicy": policy_document(key.policy),
        "KeySpec": key.key_spec,
        "KeyUsage": key.key_usage,
        "MultiRegion": bool(key.multi_region),
        "Tags": tag_list(backend.list_resource_tags(key.id).get("Tags", [])),
    }


def read_alias(physical_id: str, account_id: str, region: str) -> Live | None:
    """An alias's physical id is its name; its target is compared as the key id."""
    from moto.kms.models import kms_backends  # noqa: PLC0415 - moto loads on first use

    target = kms_backends[account_id][region].get_key_id_from_alias(physical_id)
    if target is None:
        return None
    return {"AliasName": physical_id, "TargetKeyId": target}


# -- AWS::SecretsManager::Secret --------------------------------------------------------------
def read_secret(physical_id: str, account_id: str, region: str) -> Live | None:
    from moto.secretsmanager.exceptions import SecretNotFoundException  # noqa: PLC0415 - moto loads on first use
    from moto.secretsmanager.models import secretsmanager_backends  # noqa: PLC0415 - moto loads on first use

    try:
        secret = secretsmanager_backends[account_id][region].describe_secret(physical_id)
    except SecretNotFoundException:
        return None
    if getattr(secret, "deleted_date", None):
        return None  # scheduled for deletion: gone for CloudFormation's purposes
    live: Live = {"Name": secret.name, "Tags": tag_list(secret.tags)}
    if secret.description:
        live["Description"] = secret.description
    kms_key_id = getattr(secret, "kms_key_id", None)  # a replica has none of its own
    if kms_key_id:
        live["KmsKeyId"] = kms_key_id
    return live


READERS: dict[str, Reader] = {
    "AWS::IAM::Role": Reader(
        read_role,
        frozenset(
            {
                "RoleName",
                "Path",
                "AssumeRolePolicyDocument",
                "ManagedPolicyArns",
                "Policies",
                "MaxSessionDuration",
                "Description",
            }
        ),
    ),
    "AWS::IAM::ManagedPolicy": Reader(
        read_managed_policy,
        frozenset({"ManagedPolicyName", "Path", "PolicyDocument", "Roles", "Description"}),
    ),
    "AWS::KMS::Key": Reader(
        read_key,
        frozenset(
            {
                "Description",
                "Enabled",
                "EnableKeyRotation",
                "KeyPolicy",
                "KeySpec",
                "KeyUsage",
                "MultiRegion",
                "Tags",
            }
        ),
    ),
    "AWS::KMS::Alias": Reader(read_alias, frozenset({"AliasName"})),
    "AWS::SecretsManager::Secret": Reader(
        read_secret, frozenset({"Name", "Description", "KmsKeyId", "Tags"})
    ),
}
