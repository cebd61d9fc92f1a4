"""Who may use a KMS key: its key policy together with the caller's IAM policies.

"Key policies in AWS KMS" and "Determining access to a KMS key"
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html,
https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html): every KMS
key has a key policy and no principal uses the key unless it allows so. A statement whose
principal is the account (``arn:aws:iam::ACCOUNT:root`` or ``ACCOUNT``) delegates to IAM:
the caller's IAM policies must then allow the use too. A statement naming the caller's
role or its session (or ``*``) allows by itself. An explicit Deny in either denies.

A key policy's statements decide with the same condition keys as IAM's, among them
``aws:PrincipalArn``, which for a role session is the role's ARN ("AWS global condition
context keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn):
a ``Deny`` to ``*`` with ``ArnNotLike aws:PrincipalArn ROLE`` denies every caller but that
role. ``NotPrincipal`` is not modelled: such a statement makes the call denied (strict).
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


def _names(statement: Statement, account: str, role_arn: str, session_arn: str) -> str | None:
    """ "account" when the statement's principal is the account, "caller" when the caller."""
    values = _principal_values(statement.principals)
    if f"arn:aws:iam::{account}:root" in values or account in values:
        return "account"
    if role_arn in values or "*" in values or (session_arn and session_arn in values):
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
    session_arn: str = "",
) -> tuple[Verdict, str]:
    """The verdict, and which policy decided it: "identity-based" or "resource-based"."""
    if any(statement.not_principals for statement in key_policy):
        # Skipping such a statement could drop a Deny ("AWS JSON policy elements:
        # NotPrincipal", IAM User Guide: with Deny it denies everyone it does not list).
        return Verdict(Decision.UNEVALUABLE, "NotPrincipal in a key policy"), "resource-based"
    account_delegates = False
    caller_allowed = False
    for statement in key_policy:
        named = _names(statement, account, role_arn, session_arn)
        if named is None:
            continue
        verdict = policy.evaluate([[statement]], action, key_arn, context)
        if verdict.decision in (Decision.EXPLICIT_DENY, Decision.UNEVALUABLE):
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
