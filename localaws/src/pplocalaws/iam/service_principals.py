"""Resource policies as an AWS service principal meets them (CloudWatch publishing an alarm
to SNS, SNS invoking a Lambda function): which statements apply, and why one refuses.

Only statements whose principal names the service (``{"Service": ...}``) or everyone
(``*``, ``{"AWS": "*"}``) apply; an explicit Deny wins, otherwise an Allow is needed
("Policy evaluation logic", IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

from typing import Any

from pplocalaws.iam import policy
from pplocalaws.iam.conditions import Context, Unevaluable


def names_service(principals: Any, service: str) -> bool:
    """Whether a statement's ``Principal`` covers the service principal ``service``."""
    if principals == "*":
        return True
    if not isinstance(principals, dict):
        return False
    for kind in ("Service", "AWS"):
        values = principals.get(kind, [])
        values = values if isinstance(values, list) else [values]
        if "*" in values or (kind == "Service" and service in values):
            return True
    return False


def refusal(document: str, service: str, action: str, resource: str, context: Context) -> str:
    """Why ``document`` refuses ``service`` the ``action`` on ``resource``; "" if it allows."""
    try:
        statements = policy.parse(document)
    except Unevaluable as problem:
        return str(problem)
    applicable = [
        s for s in statements if not s.not_principals and names_service(s.principals, service)
    ]
    verdict = policy.evaluate([applicable], action, resource, context)
    if verdict.allowed:
        return ""
    return f"{verdict.decision.value}{f' ({verdict.reason})' if verdict.reason else ''}"
