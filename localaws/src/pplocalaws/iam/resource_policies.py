"""Resource-based policies on the resources a call names: S3 bucket and secret policies.

"Policy evaluation logic" (IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html),
within one account: an explicit Deny in a resource-based policy denies; an Allow in one
that names the principal (the role, or the session) allows even without an identity-based
Allow; a statement naming the account (``arn:aws:iam::ACCOUNT:root`` or ``ACCOUNT``)
applies to every principal of the account for a Deny, but for an Allow only delegates to
IAM. Principals are matched by ARN, never by wildcard patterns (only ``*`` means anyone).

Only S3 bucket policies and Secrets Manager resource policies are read; SNS topic, KMS
(see ``keys``) and other resource policies are not (SNS's default topic policy conditions
on ``AWS:SourceOwner``, which the local AWS does not model).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pplocalaws.iam import policy
from pplocalaws.iam.conditions import Context
from pplocalaws.iam.policy import Decision, Statement, Verdict


def _principals(principals: Any) -> list[str]:
    if principals == "*":
        return ["*"]
    if not isinstance(principals, dict):
        return []
    values = principals.get("AWS", [])
    return [str(v) for v in (values if isinstance(values, list) else [values])]


def decide(
    statements: Sequence[Statement],
    action: str,
    resource: str,
    context: Context,
    *,
    account: str,
    role_arn: str,
    session_arn: str,
) -> Verdict | None:
    """EXPLICIT_DENY / UNEVALUABLE / ALLOW (naming the caller) from the policy, else None."""
    allowed = None
    for statement in statements:
        if statement.not_principals:
            return Verdict(Decision.UNEVALUABLE, "NotPrincipal in a resource-based policy")
        values = _principals(statement.principals)
        names_caller = "*" in values or role_arn in values or session_arn in values
        names_account = f"arn:aws:iam::{account}:root" in values or account in values
        if not (names_caller or names_account):
            continue
        verdict = policy.evaluate([[statement]], action, resource, context)
        if verdict.decision in (Decision.EXPLICIT_DENY, Decision.UNEVALUABLE):
            return verdict
        if verdict.allowed and names_caller and allowed is None:
            allowed = verdict
    return allowed
