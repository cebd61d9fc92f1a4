"""Who may use a KMS key: its key policy together with the caller's IAM policies.

"Key policies in AWS KMS" and "Determining access to a KMS key"
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html,
https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html): every KMS
key has a key policy and no principal uses the key unless it allows so. A statement whose
principal is the account (``arn:aws:iam::ACCOUNT:root`` or ``ACCOUNT``) delegates to IAM:
the caller's IAM policies must then allow the use too. A statement naming the caller's
role (or ``*``) allows by itself. An explicit Deny in either denies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pplocalaws.iam import policy
from pplocalaws.iam.conditions import Context
from pplocalaws.iam.policy import Decision, Statement, Verdict


def _principal_values(principals: Any) -> list[str]:
    if principals == "*":
        return ["*"]
    if not isinstance(principals, dict):
        return []
    values = principals.get("AWS", [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def _names(statement: Statement, account: str, role_arn: str) -> str | None:
    """ "account" when the statement's principal is the account, "caller" when the caller."""
    values = _principal_values(statement.principals)
    if statement.not_principals:
        return None  # NotPrincipal with Allow is not used in our key policies: strict
    if f"arn:aws:iam::{account}:root" in values or account in values:
        return "account"
    if role_arn in values or "*" in values:
        return "caller"
    return None


def authorize(
    key_policy: Sequence[Statement],
    identity_policies: Sequence[Sequence[Statement]],
    action: str,
    key_arn: str,
    context: Context,
    *,
    account: str,
    role_arn: str,
    session_policy: Sequence[Statement] | None = None,
) -> tuple[Verdict, str]:
    """The verdict, and which policy decided it: "identity-based" or "resource-based"."""
    account_delegates = False
    caller_allowed = False
    for statement in key_policy:
        named = _names(statement, account, role_arn)
        if named is None:
            continue
        verdict = policy.evaluate([[statement]], action, key_arn, context)
        if verdict.decision is Decision.UNEVALUABLE:
            return verdict, "resource-based"
        if verdict.decision is Decision.EXPLICIT_DENY:
            return verdict, "resource-based"
        if verdict.allowed:
            account_delegates |= named == "account"
            caller_allowed |= named == "caller"
    identity = policy.evaluate(identity_policies, action, key_arn, context, session_policy)
    if identity.decision in (Decision.EXPLICIT_DENY, Decision.UNEVALUABLE):
        return identity, "identity-based"
    if caller_allowed:
        return Verdict(Decision.ALLOW, "key policy"), "resource-based"
    if not account_delegates:
        return Verdict(Decision.IMPLICIT_DENY), "resource-based"
    return identity, "identity-based"
