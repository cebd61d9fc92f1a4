"""Date and numeric ordering, aws:CurrentTime / aws:EpochTime, aws:PrincipalArn in key
policies (the signing keys' Deny to every role but one), NotPrincipal kept strict."""

from __future__ import annotations

import datetime
from typing import Any

import boto3
import pytest

from pplocalaws.iam import authorizer, keys, policy
from pplocalaws.iam.lookups import Session
from pplocalaws.iam.policy import Decision

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACCOUNT_ROLE = f"arn:aws:iam::{ACCOUNT}:role/purposepath-account-api-dev"
COACHING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/purposepath-coaching-dev"
NOW = "2026-12-03T14:00:00Z"
NOW_EPOCH = "1796306400"  # 2026-12-03T14:00:00Z


def _decide(operator: str, key: str, value: Any, context: dict[str, str]) -> Decision:
    statements = policy.parse(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                    "Condition": {operator: {key: value}},
                }
            ]
        }
    )
    ctx = {k.lower(): (v,) for k, v in context.items()}
    return policy.evaluate([statements], "secretsmanager:GetSecretValue", "*", ctx).decision


TIME = {"aws:CurrentTime": NOW, "aws:EpochTime": NOW_EPOCH}


@pytest.mark.parametrize(
    ("operator", "value", "allowed"),
    [
        # "Date condition operators": the request's time against the policy's value.
        ("DateLessThan", "2026-12-03T14:00:01Z", True),
        ("DateLessThan", "2026-12-03T14:00:00Z", False),
        ("DateLessThanEquals", "2026-12-03T14:00:00Z", True),
        ("DateGreaterThan", "2026-12-03T13:59:59Z", True),
        ("DateGreaterThan", "2026-12-03T14:00:00Z", False),
        ("DateGreaterThanEquals", "2026-12-03T14:00:00Z", True),
        ("DateEquals", "2026-12-03T14:00:00Z", True),
        ("DateEquals", "2026-12-03T14:00:00.000+00:00", True),
        ("DateNotEquals", "2026-12-03T14:00:00Z", False),
        ("DateNotEquals", "2026-12-04", True),
        # a date alone is midnight UTC; epoch seconds are accepted as policy values
        ("DateGreaterThan", "2026-12-03", True),
        ("DateLessThan", "1796306401", True),
        ("DateLessThan", "1796306400", False),
    ],
)
def test_date_operators_on_current_time(operator: str, value: str, allowed: bool) -> None:
    decision = _decide(operator, "aws:CurrentTime", value, TIME)
    assert decision is (Decision.ALLOW if allowed else Decision.IMPLICIT_DENY)


def test_epoch_time_with_date_and_numeric_operators() -> None:
    assert _decide("DateLessThan", "aws:EpochTime", "2026-12-03T14:00:01Z", TIME).name == "ALLOW"
    assert _decide("DateGreaterThan", "aws:EpochTime", NOW, TIME) is Decision.IMPLICIT_DENY
    assert _decide("NumericLessThan", "aws:EpochTime", "1796306401", TIME) is Decision.ALLOW
    assert _decide("NumericLessThanEquals", "aws:EpochTime", NOW_EPOCH, TIME) is Decision.ALLOW
    assert _decide("NumericGreaterThan", "aws:EpochTime", NOW_EPOCH, TIME).name == "IMPLICIT_DENY"
    assert _decide("NumericGreaterThanEquals", "aws:EpochTime", NOW_EPOCH, TIME).name == "ALLOW"


def test_a_value_that_is_not_a_date_or_number_denies_as_unevaluable() -> None:
    assert _decide("DateLessThan", "aws:CurrentTime", "soon", TIME) is Decision.UNEVALUABLE
    assert _decide("NumericLessThan", "aws:EpochTime", "x", TIME) is Decision.UNEVALUABLE


def test_absent_time_key_follows_the_absent_key_rules() -> None:
    # Absent: false for DateLessThan, true for the negated DateNotEquals, true IfExists.
    assert _decide("DateLessThan", "aws:CurrentTime", NOW, {}) is Decision.IMPLICIT_DENY
    assert _decide("DateNotEquals", "aws:CurrentTime", NOW, {}) is Decision.ALLOW
    assert _decide("DateLessThanIfExists", "aws:CurrentTime", NOW, {}) is Decision.ALLOW


def test_every_role_session_request_carries_the_time_and_the_role_as_principal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixed = datetime.datetime(2026, 12, 3, 14, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(authorizer, "clock", lambda: fixed)
    session = Session(
        "ASIA", "t", None, COACHING_ROLE,
        f"arn:aws:sts::{ACCOUNT}:assumed-role/purposepath-coaching-dev/fn", ACCOUNT, None,
    )  # fmt: skip
    context = authorizer._global_context(session, "us-east-1")
    assert context["aws:currenttime"] == (NOW,)
    assert context["aws:epochtime"] == (NOW_EPOCH,)
    # "aws:PrincipalArn": for an assumed-role session, the role's ARN (not the session's).
    assert context["aws:principalarn"] == (COACHING_ROLE,)


# ---- the signing key's policy -----------------------------------------------------------
SIGNING_KEY_POLICY = [
    {
        "Sid": "AccountDelegatesToIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    },
    {
        "Sid": "OnlyTheAccountRoleSigns",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Sign",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": ACCOUNT_ROLE}},
    },
]
MAY_SIGN = {"Effect": "Allow", "Action": ["kms:Sign", "kms:GetPublicKey"], "Resource": KEY}


def _key(role: str, action: str, identity: list[dict[str, Any]], **extra: Any) -> Decision:
    verdict, _ = keys.authorize(
        policy.parse({"Statement": extra.get("key_policy", SIGNING_KEY_POLICY)}),
        [policy.parse({"Statement": identity})],
        action,
        KEY,
        {"aws:principalarn": (role,)},
        account=ACCOUNT,
        role_arn=role,
        session_arn=extra.get("session_arn", ""),
    )
    return verdict.decision


def test_the_named_role_signs_and_every_other_role_is_denied_by_the_key_policy() -> None:
    assert _key(ACCOUNT_ROLE, "kms:Sign", [MAY_SIGN]) is Decision.ALLOW
    # Even with an IAM Allow, the key policy's Deny refuses another role.
    assert _key(COACHING_ROLE, "kms:Sign", [MAY_SIGN]) is Decision.EXPLICIT_DENY
    # The Deny covers kms:Sign only: reading the public key follows IAM.
    assert _key(COACHING_ROLE, "kms:GetPublicKey", [MAY_SIGN]) is Decision.ALLOW
    assert _key(COACHING_ROLE, "kms:GetPublicKey", []) is Decision.IMPLICIT_DENY
    # Through the account statement the role's own policy must allow too.
    assert _key(ACCOUNT_ROLE, "kms:Sign", []) is Decision.IMPLICIT_DENY


def test_a_deny_naming_the_session_covers_it() -> None:
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/purposepath-account-api-dev/fn"
    deny = {"Effect": "Deny", "Principal": {"AWS": session}, "Action": "kms:*", "Resource": "*"}
    key_policy = [SIGNING_KEY_POLICY[0], deny]
    decision = _key(
        ACCOUNT_ROLE, "kms:Sign", [MAY_SIGN], key_policy=key_policy, session_arn=session
    )
    assert decision is Decision.EXPLICIT_DENY


def test_not_principal_in_a_key_policy_denies_as_unevaluable() -> None:
    deny_others = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": ACCOUNT_ROLE},
        "Action": "kms:Sign",
        "Resource": "*",
    }
    key_policy = [SIGNING_KEY_POLICY[0], deny_others]
    assert _key(ACCOUNT_ROLE, "kms:Sign", [MAY_SIGN], key_policy=key_policy) is Decision.UNEVALUABLE


def test_a_role_session_carries_its_user_id() -> None:
    # "aws:userid" for an assumed role: "role-id:caller-specified-role-name". A key the
    # local AWS knows but never filled would let a Deny conditioned on it never apply.
    from moto import mock_aws  # noqa: PLC0415 - only this test needs moto's IAM

    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="purposepath-coaching-dev", AssumeRolePolicyDocument="{}")
        session = Session(
            "ASIA", "t", None, role["Role"]["Arn"],
            f"arn:aws:sts::{ACCOUNT}:assumed-role/purposepath-coaching-dev/fn", ACCOUNT, None,
        )  # fmt: skip
        context = authorizer._global_context(session, "us-east-1")
    assert context["aws:userid"] == (f"{role['Role']['RoleId']}:fn",)
