"""Identity-based policy evaluation for one principal: action, resource, condition.

Decides as "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
does for a request within one account with identity-based policies and, when present, a
session policy: an explicit Deny in any of them wins; otherwise the identity policies
must Allow (and the session policy too, when the session has one); otherwise the request
is implicitly denied.

Matching follows "IAM JSON policy elements: Action / NotAction / Resource / NotResource"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
.../reference_policies_elements_notaction.html, .../reference_policies_elements_resource.html,
.../reference_policies_elements_notresource.html): action names are case-insensitive and
may hold * and ?; resource ARNs are case-sensitive, wildcards stay within an ARN segment
(the last, resource, segment may itself hold colons).

Strict where unsure: a statement with a policy variable (``${...}``) in its Resource, or a
condition the local AWS cannot evaluate, makes the request denied (and logged), whatever
its Effect: the local AWS cannot tell what AWS would decide.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from pplocalaws.iam import conditions
from pplocalaws.iam.conditions import Context, Unevaluable

log = logging.getLogger(__name__)


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"
    UNEVALUABLE = "unevaluable"  # denied: a key or element the local AWS does not model


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: str = ""  # for UNEVALUABLE: which key/operator/element; else the deciding Sid

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...]
    not_actions: bool
    resources: tuple[str, ...]
    not_resources: bool
    condition: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sid: str = ""
    principals: Any = None  # resource policies only (key policies)
    not_principals: bool = False


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def parse(document: str | Mapping[str, Any]) -> list[Statement]:
    """The statements of a policy document (JSON text, as moto stores it, or a dict)."""
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except ValueError as error:
        raise Unevaluable(f"a policy document that is not JSON ({error})") from error
    if not isinstance(parsed, Mapping):
        raise Unevaluable("a policy document that is not a JSON object")
    raw = parsed.get("Statement", [])
    statements = []
    for item in raw if isinstance(raw, list) else [raw]:
        not_actions = "NotAction" in item
        not_resources = "NotResource" in item
        not_principals = "NotPrincipal" in item
        statements.append(
            Statement(
                effect=str(item.get("Effect", "")),
                actions=_strings(item.get("NotAction" if not_actions else "Action")),
                not_actions=not_actions,
                resources=_strings(item.get("NotResource" if not_resources else "Resource")),
                not_resources=not_resources,
                condition=item.get("Condition") or {},
                sid=str(item.get("Sid", "")),
                principals=item.get("NotPrincipal" if not_principals else "Principal"),
                not_principals=not_principals,
            )
        )
    return statements


def _wildcard(pattern: str, value: str) -> bool:
    return conditions.glob_match(pattern, value)


def action_matches(pattern: str, action: str) -> bool:
    """``dynamodb:Get*`` against ``dynamodb:GetItem``, case-insensitively."""
    return conditions.glob_match(pattern, action, ignore_case=True)


def resource_matches(pattern: str, arn: str) -> bool:
    """A Resource entry against an ARN: ``*``, or segment by segment with wildcards."""
    if pattern == "*":
        return True
    if "${" in pattern:
        raise Unevaluable(f"policy variable in Resource {pattern!r} is not modelled")
    pattern_parts = pattern.split(":", 5)
    arn_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return pattern == arn
    return all(_wildcard(p, v) for p, v in zip(pattern_parts, arn_parts, strict=True))


def statement_applies(statement: Statement, action: str, resource: str, context: Context) -> bool:
    """Action, resource and condition all match (Unevaluable when it cannot tell)."""
    action_hit = any(action_matches(p, action) for p in statement.actions)
    if action_hit == statement.not_actions:
        return False
    resource_hit = any(resource_matches(p, resource) for p in statement.resources)
    if resource_hit == statement.not_resources:
        return False
    return conditions.evaluate(statement.condition, context)


def _decide(
    statements: Iterable[Statement], action: str, resource: str, context: Context
) -> Verdict:
    allowed_by = None
    for statement in statements:
        try:
            applies = statement_applies(statement, action, resource, context)
        except Unevaluable as problem:
            log.warning("IAM: denying %s on %s: %s", action, resource, problem)
            return Verdict(Decision.UNEVALUABLE, str(problem))
        if not applies:
            continue
        if statement.effect == "Deny":
            return Verdict(Decision.EXPLICIT_DENY, statement.sid)
        if statement.effect == "Allow" and allowed_by is None:
            allowed_by = statement.sid
    if allowed_by is not None:
        return Verdict(Decision.ALLOW, allowed_by)
    return Verdict(Decision.IMPLICIT_DENY)


def evaluate(
    identity_policies: Sequence[Sequence[Statement]],
    action: str,
    resource: str,
    context: Context,
    session_policy: Sequence[Statement] | None = None,
) -> Verdict:
    """The identity-based decision for one action on one resource."""
    identity = _decide(
        [s for policy in identity_policies for s in policy], action, resource, context
    )
    if identity.decision in (Decision.EXPLICIT_DENY, Decision.UNEVALUABLE):
        return identity
    if session_policy is not None:
        session = _decide(session_policy, action, resource, context)
        if session.decision in (Decision.EXPLICIT_DENY, Decision.UNEVALUABLE):
            return session
        if not session.allowed:
            # "Session policies": the permissions are the intersection of both.
            return Verdict(Decision.IMPLICIT_DENY, "session policy")
    return identity
