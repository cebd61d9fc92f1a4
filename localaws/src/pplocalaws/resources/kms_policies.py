"""KMS key policies are checked when they are set: JSON, a principal per statement, and
every IAM principal they name must exist.

moto stores any text as a key policy. KMS refuses, with MalformedPolicyDocumentException,
a policy whose principals do not exist ("CreateKey" and "PutKeyPolicy", AWS KMS API
Reference, Policy: "The principals in the key policy must exist and be visible to AWS
KMS"; "Each statement in the key policy must contain one or more principals"). That is
why a key policy cannot name a role that a later stack creates (issue 12's signing keys
match the account function's role by ``aws:PrincipalArn`` in a condition instead, which
KMS does not check). KMS's message for a missing principal is "Policy contains a
statement with one or more invalid principals."; the local AWS adds which one.

Checked: ``arn:aws:iam::ACCOUNT:role/...`` and ``:user/...`` (roles and users must exist
in that account's IAM), ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` (the role must
exist); the account (``ACCOUNT`` or ``arn:aws:iam::ACCOUNT:root``) and ``*`` are always
valid; ``Service`` and ``Federated`` principals are not checked. A wildcard inside an ARN
is refused (only ``*`` alone means everyone). The policy lockout safety check
(BypassPolicyLockoutSafetyCheck) is not modelled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.iam.models import iam_backends
from moto.kms.models import Key, KmsBackend

from pplocalaws import seams

INVALID_PRINCIPALS = "Policy contains a statement with one or more invalid principals."
_ACCOUNT = re.compile(r"^\d{12}$")
_IAM_ARN = re.compile(r"^arn:aws[\w-]*:(iam|sts)::(\d{12}):(root|role/.+|user/.+|assumed-role/.+)$")


def _malformed(message: str) -> JsonRESTError:
    return JsonRESTError("MalformedPolicyDocumentException", message)


def _principal_exists(arn: str) -> bool:
    found = _IAM_ARN.match(arn)
    if not found or "*" in arn or "?" in arn:
        return False
    service, account, resource = found.groups()
    if resource == "root":
        return service == "iam"
    backend = iam_backends[account]["aws"]
    try:
        if resource.startswith("role/") and service == "iam":
            backend.get_role_by_arn(arn)
        elif resource.startswith("user/") and service == "iam":
            backend.get_user(resource.rsplit("/", 1)[-1])
        elif resource.startswith("assumed-role/") and service == "sts":
            role_name = resource.split("/")[1]
            backend.get_role(role_name)
        else:
            return False
    except Exception:  # moto's NoSuchEntity
        return False
    return True


def _aws_principals(principal: Any) -> list[str]:
    if principal == "*":
        return []
    if not isinstance(principal, dict):
        raise _malformed(f"{INVALID_PRINCIPALS} ({principal!r} is not a principal)")
    values = principal.get("AWS", [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def check_key_policy(policy: Any) -> None:
    """MalformedPolicyDocumentException unless KMS would accept ``policy`` (text or dict)."""
    if not policy:
        # None, or the "" moto's own services pass for AWS managed keys: the default policy.
        return
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        raise _malformed("The key policy is not valid JSON.") from None
    if not isinstance(document, dict):
        raise _malformed("The key policy is not a JSON object.")
    # An empty Statement list passes here: KMS refuses it through its policy lockout
    # safety check (the caller could never change the policy again), not modelled.
    statements = document.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", statement.get("NotPrincipal"))
        if principal is None:
            raise _malformed(
                f"{INVALID_PRINCIPALS} (statement {statement.get('Sid', '')!r} has no "
                "Principal: every key policy statement names one)"
            )
        for value in _aws_principals(principal):
            if value == "*" or _ACCOUNT.match(value):
                continue
            if not _principal_exists(value):
                raise _malformed(
                    f"{INVALID_PRINCIPALS} ({value} does not exist in IAM, or is not a "
                    "principal KMS accepts: create it before the key policy names it, or "
                    "match it with a condition such as ArnLike aws:PrincipalArn)"
                )


def _checking_create(original: Callable[..., Key]) -> Callable[..., Key]:
    def create_key(self: KmsBackend, policy: Any, *rest: Any, **named: Any) -> Key:
        check_key_policy(policy)
        return original(self, policy, *rest, **named)

    return create_key


def _checking_put(original: Callable[[KmsBackend, str, str], None]) -> Callable[..., None]:
    def put_key_policy(self: KmsBackend, key_id: str, policy: str) -> None:
        check_key_policy(policy)
        original(self, key_id, policy)

    return put_key_policy


seams.wrap_kms_backend_method("create_key", _checking_create)
seams.wrap_kms_backend_method("put_key_policy", _checking_put)
