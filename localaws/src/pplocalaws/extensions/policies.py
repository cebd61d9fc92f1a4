"""Resource policies (S3 bucket policies) evaluated as AWS evaluates them.

moto 5.2.5 gets three things wrong, and together they make every bucket with a TLS-only
policy refuse every request:

- it knows one condition operator (StringEquals) and treats every other one (Bool,
  StringLike, ArnLike, ...) as always true;
- a statement whose Condition does not hold counts as an explicit Deny, whatever its
  Effect; in AWS such a statement simply does not apply (neutral);
- no request carries condition values, so no Condition can ever be evaluated.

The local AWS serves plain HTTP on loopback only: nothing crosses a network, so it
presents its requests as secure transport (``aws:SecureTransport`` true), which is what
the same request over HTTPS to AWS would carry.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from typing import Any

from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
from moto.s3.models import FakeBucket

from pplocalaws.seams import (
    set_bucket_permission,
    set_statement_condition_check,
    statement_document,
    wrap_statement_permission,
)

LOCAL_REQUEST_CONTEXT = {"aws:SecureTransport": "true"}


def _values(expected: Any) -> list[str]:
    return [str(item) for item in (expected if isinstance(expected, list) else [expected])]


def _like(actual: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(actual, pattern) for pattern in patterns)


OPERATORS: Mapping[str, Callable[[str, list[str]], bool]] = {
    "StringEquals": lambda actual, expected: actual in expected,
    "StringNotEquals": lambda actual, expected: actual not in expected,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() in [x.lower() for x in e],
    "StringLike": _like,
    "StringNotLike": lambda actual, expected: not _like(actual, expected),
    "ArnEquals": lambda actual, expected: actual in expected,
    "ArnLike": _like,
    "ArnNotLike": lambda actual, expected: not _like(actual, expected),
    "Bool": lambda actual, expected: actual.lower() in [x.lower() for x in expected],
}


def condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    """Whether every operator and key of ``condition`` holds for the request ``context``.

    As in AWS, a key missing from the request fails its test, unless the operator ends
    in IfExists; an operator the local AWS does not know makes the condition not hold.
    """
    for operator, tests in condition.items():
        base = operator.removesuffix("IfExists")
        compare = OPERATORS.get(base)
        for key, expected in tests.items():
            if key not in context:
                if operator.endswith("IfExists"):
                    continue
                return False
            if compare is None or not compare(context[key], _values(expected)):
                return False
    return True


def _check_conditions(self: IAMPolicyStatement, incoming: dict[str, str] | None) -> bool:
    condition = statement_document(self).get("Condition")
    return not condition or condition_holds(condition, incoming or {})


def _statement_applies_only_when_its_condition_holds(
    moto_check: Callable[..., PermissionResult],
) -> Callable[..., PermissionResult]:
    def is_action_permitted(
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> PermissionResult:
        if not _check_conditions(self, incoming_condition_values):
            return PermissionResult.NEUTRAL
        return moto_check(self, action, resource, principal, incoming_condition_values)

    return is_action_permitted


def _bucket_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    policy = IAMPolicy(self.policy.decode())
    return policy.is_action_permitted(
        action, resource, incoming_condition_values=dict(LOCAL_REQUEST_CONTEXT)
    )


def apply() -> None:
    set_statement_condition_check(_check_conditions)
    wrap_statement_permission(_statement_applies_only_when_its_condition_holds)
    set_bucket_permission(_bucket_permission)
