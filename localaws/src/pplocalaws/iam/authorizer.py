"""Decide one call of one role session: every Need, then every KMS use via a service.

A call is allowed only when each of its needs is allowed by the role's identity policies
("Policy evaluation logic", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
and each use of a customer managed key it makes through DynamoDB or Secrets Manager is
allowed by that key's policy and the role's IAM policies with ``kms:ViaService`` set to
that service (pplocalaws.iam.keys). The first refusal is reported.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pplocalaws.iam import keys, lookups, policy, resource_policies
from pplocalaws.iam.calls import Call, KmsUse, Need, encryption_context_keys
from pplocalaws.iam.conditions import Unevaluable
from pplocalaws.iam.lookups import Session
from pplocalaws.iam.policy import Decision, Statement, Verdict


@dataclass(frozen=True)
class Denial:
    action: str
    resource: str
    verdict: Verdict
    policy_type: str  # "identity-based" | "resource-based" | "session"
    via_service: str = ""  # set when a service's use of a KMS key was refused

    def message(self, principal_arn: str) -> str:
        """AWS's wording ("Troubleshoot access denied error messages", IAM User Guide,
        https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html)."""
        head = (
            f"User: {principal_arn} is not authorized to perform: {self.action} "
            f"on resource: {self.resource}"
        )
        decision = self.verdict.decision
        if decision is Decision.EXPLICIT_DENY:
            article = "an" if self.policy_type[0] in "aeiou" else "a"
            return f"{head} with an explicit deny in {article} {self.policy_type} policy"
        if decision is Decision.UNEVALUABLE:
            return (
                f"{head} because the local AWS cannot evaluate {self.verdict.reason}; "
                "it denies rather than guess"
            )
        return f"{head} because no {self.policy_type} policy allows the {self.action} action"


@functools.lru_cache(maxsize=512)
def _parsed(document: str) -> tuple[Statement, ...]:
    # Policy documents are immutable strings in moto: parse each text once.
    return tuple(policy.parse(document))


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


# The request's time (tests replace it to stand on either side of a date condition).
clock: Callable[[], datetime.datetime] = _utc_now


def _global_context(session: Session, region: str) -> dict[str, tuple[str, ...]]:
    # "AWS global condition context keys": what every request of a role session carries.
    # aws:SourceArn / aws:SourceAccount are absent: they exist only when a service
    # principal calls on behalf of a resource, never for a function's own call.
    # aws:PrincipalArn of an assumed-role session is the role's ARN, not the session's
    # (same page, "aws:PrincipalArn"). aws:CurrentTime is ISO 8601 and aws:EpochTime epoch
    # seconds (same page), both of the request's time, on every request.
    now = clock().astimezone(datetime.UTC)
    # aws:userid of a role session is "ROLE-ID:SESSION-NAME" (same page, "aws:userid").
    # A deleted role has no id, and no policies either: its session is allowed nothing.
    role_id = lookups.role_id(session.account, session.role_arn)
    user_id = {"aws:userid": (f"{role_id}:{session.session_arn.rsplit('/', 1)[-1]}",)}
    return {
        **(user_id if role_id else {}),
        "aws:currenttime": (now.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        "aws:epochtime": (str(int(now.timestamp())),),
        "aws:principalarn": (session.role_arn,),
        "aws:principalaccount": (session.account,),
        "aws:principaltype": ("AssumedRole",),
        "aws:requestedregion": (region,),
        # On AWS the SDKs reach every endpoint over TLS; the local AWS is plain HTTP only
        # because it listens on loopback. The context says what AWS would see.
        "aws:securetransport": ("true",),
    }


def _merge(*contexts: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, tuple[str, ...]] = {}
    for context in contexts:
        merged.update(context)
    return merged


def authorize(session: Session, call: Call, region: str) -> Denial | None:
    """None when the call is allowed, else the first refusal."""
    if call.always_allowed:
        return None
    if call.unmodelled:
        unevaluable = Verdict(Decision.UNEVALUABLE, f"{call.unmodelled} (not modelled)")
        return Denial(f"{call.service}:{call.operation}", "*", unevaluable, "identity-based")
    try:
        return _authorize(session, call, region)
    except Unevaluable as problem:  # a stored policy the evaluator cannot read
        first = call.needs[0] if call.needs else Need(f"{call.service}:{call.operation}", "*")
        return Denial(
            first.action,
            first.resource,
            Verdict(Decision.UNEVALUABLE, str(problem)),
            "identity-based",
        )


def _authorize(session: Session, call: Call, region: str) -> Denial | None:
    documents = lookups.role_policy_documents(session.account, session.role_arn) or []
    identity = [_parsed(d) for d in documents]
    session_policy = _parsed(session.session_policy) if session.session_policy else None
    base = _global_context(session, region)
    for need in call.needs:
        if call.service == "kms" and need.resource != "*":
            # KMS's own API on a key: the key policy decides together with IAM.
            context = _merge(base, need.context)
            denial = _key_decision(
                session, identity, session_policy, need.action, need.resource, context, region
            )
        else:
            denial = _identity_need(session, identity, session_policy, need, base, region)
        if denial:
            return denial
    for use in call.kms:
        denial = _kms_use(session, identity, session_policy, use, base, region)
        if denial:
            return denial
    return None


def _identity_need(
    session: Session,
    identity: list[tuple[Statement, ...]],
    session_policy: tuple[Statement, ...] | None,
    need: Need,
    base: Mapping[str, tuple[str, ...]],
    region: str,
) -> Denial | None:
    context = _merge(base, need.context)
    document = lookups.resource_policy(session.account, region, need.resource)
    by_resource = None
    if document:
        by_resource = resource_policies.decide(
            _parsed(document),
            need.action,
            need.resource,
            context,
            account=session.account,
            role_arn=session.role_arn,
            session_arn=session.session_arn,
        )
        if by_resource is not None and not by_resource.allowed:
            return Denial(need.action, need.resource, by_resource, "resource-based")
    verdict = policy.evaluate(identity, need.action, need.resource, context, session_policy)
    if verdict.allowed:
        return None
    # Same account: a resource-based Allow naming the caller suffices, unless a session
    # policy limits the session ("Session policies", IAM User Guide).
    if verdict.decision is Decision.IMPLICIT_DENY and by_resource and session_policy is None:
        return None
    kind = "session" if verdict.reason == "session policy" else "identity-based"
    return Denial(need.action, need.resource, verdict, kind)


def _kms_use(
    session: Session,
    identity: list[tuple[Statement, ...]],
    session_policy: tuple[Statement, ...] | None,
    use: KmsUse,
    base: Mapping[str, tuple[str, ...]],
    region: str,
) -> Denial | None:
    context = _merge(
        base,
        {"kms:viaservice": (use.via_service,), "kms:calleraccount": (session.account,)},
        encryption_context_keys(use.encryption_context),
    )
    return _key_decision(
        session, identity, session_policy, use.action, use.key_arn, context, region, use.via_service
    )


def _key_decision(
    session: Session,
    identity: list[tuple[Statement, ...]],
    session_policy: tuple[Statement, ...] | None,
    action: str,
    key_arn: str,
    context: Mapping[str, tuple[str, ...]],
    region: str,
    via_service: str = "",
) -> Denial | None:
    document = lookups.key_policy(session.account, key_arn.split(":")[3] or region, key_arn)
    key_statements = _parsed(document) if document else ()
    verdict, kind = keys.authorize(
        key_statements,
        identity,
        action,
        key_arn,
        context,
        account=session.account,
        role_arn=session.role_arn,
        session_policy=session_policy,
        session_arn=session.session_arn,
    )
    if verdict.allowed:
        return None
    return Denial(action, key_arn, verdict, kind, via_service)
