"""The evaluator's decision table: allow, explicit deny, no match, wildcards, NotAction,
NotResource, condition operators and keys, unknown keys deny, KMS key policies."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pplocalaws.iam import conditions, keys, policy, resource_policies
from pplocalaws.iam.policy import Decision

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/coaching-dev"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::123456789012:role/fn-role"


def _policy(*statements: dict[str, Any]) -> list[policy.Statement]:
    return policy.parse({"Version": "2012-10-17", "Statement": list(statements)})


def _decide(
    statements: list[policy.Statement], action: str, resource: str, **context: str
) -> Decision:
    ctx = {k.replace("__", ":").lower(): (v,) for k, v in context.items()}
    return policy.evaluate([statements], action, resource, ctx).decision


ALLOW_TABLE = {
    "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
    "Resource": TABLE,
}


@pytest.mark.parametrize(
    ("statements", "action", "resource", "expected"),
    [
        ([ALLOW_TABLE], "dynamodb:PutItem", TABLE, Decision.ALLOW),
        ([ALLOW_TABLE], "dynamodb:DeleteItem", TABLE, Decision.IMPLICIT_DENY),
        ([ALLOW_TABLE], "dynamodb:PutItem", TABLE + "-other", Decision.IMPLICIT_DENY),
        ([], "dynamodb:PutItem", TABLE, Decision.IMPLICIT_DENY),
        (
            [ALLOW_TABLE, {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}],
            "dynamodb:PutItem",
            TABLE,
            Decision.EXPLICIT_DENY,
        ),
        # action names are case-insensitive, wildcards * and ?
        (
            [{"Effect": "Allow", "Action": "DynamoDB:get*", "Resource": TABLE}],
            "dynamodb:GetItem",
            TABLE,
            Decision.ALLOW,
        ),
        (
            [{"Effect": "Allow", "Action": "dynamodb:?etItem", "Resource": TABLE}],
            "dynamodb:GetItem",
            TABLE,
            Decision.ALLOW,
        ),
        # resource wildcards stay within a segment; the last segment may hold / and :
        (
            [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE + "/index/*"}],
            "dynamodb:Query",
            TABLE + "/index/by-user",
            Decision.ALLOW,
        ),
        (
            [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": TABLE + "/index/*"}],
            "dynamodb:Query",
            TABLE,
            Decision.IMPLICIT_DENY,
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:Query",
                    "Resource": "arn:aws:dynamodb:*:*:table/coaching-*",
                }
            ],
            "dynamodb:Query",
            TABLE,
            Decision.ALLOW,
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "dynamodb:Query",
                    "Resource": "arn:aws:dynamodb:us-east-1*",
                }
            ],
            "dynamodb:Query",
            TABLE,
            Decision.IMPLICIT_DENY,
        ),
        # resource ARNs are case-sensitive
        (
            [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": TABLE.upper()}],
            "dynamodb:GetItem",
            TABLE,
            Decision.IMPLICIT_DENY,
        ),
        # NotAction / NotResource
        (
            [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": "*"}],
            "dynamodb:GetItem",
            TABLE,
            Decision.ALLOW,
        ),
        (
            [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": "*"}],
            "dynamodb:DeleteItem",
            TABLE,
            Decision.IMPLICIT_DENY,
        ),
        (
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "NotResource": TABLE},
            ],
            "dynamodb:GetItem",
            TABLE + "-other",
            Decision.EXPLICIT_DENY,
        ),
        (
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "NotResource": TABLE},
            ],
            "dynamodb:GetItem",
            TABLE,
            Decision.ALLOW,
        ),
    ],
)
def test_decision_table(
    statements: list[dict[str, Any]], action: str, resource: str, expected: Decision
) -> None:
    assert _decide(_policy(*statements), action, resource) is expected


VIA = {
    "Effect": "Allow",
    "Action": "kms:Decrypt",
    "Resource": KEY,
    "Condition": {
        "StringEquals": {
            "kms:ViaService": [
                "dynamodb.us-east-1.amazonaws.com",
                "secretsmanager.us-east-1.amazonaws.com",
            ]
        }
    },
}


def test_via_service_matches_one_of_its_values() -> None:
    assert (
        _decide(
            _policy(VIA), "kms:Decrypt", KEY, kms__ViaService="dynamodb.us-east-1.amazonaws.com"
        )
        is Decision.ALLOW
    )


def test_via_service_absent_on_a_direct_call_denies() -> None:
    assert _decide(_policy(VIA), "kms:Decrypt", KEY) is Decision.IMPLICIT_DENY


def test_via_service_other_service_denies() -> None:
    assert (
        _decide(_policy(VIA), "kms:Decrypt", KEY, kms__ViaService="s3.us-east-1.amazonaws.com")
        is Decision.IMPLICIT_DENY
    )


def test_encryption_context_arnlike() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": (
                    "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/purposepath-*-dev"
                )
            }
        },
    }
    context = {
        "kms:encryptioncontext:aws:logs:arn": (
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/purposepath-coaching-api-dev",
        )
    }
    assert policy.evaluate([_policy(statement)], "kms:Decrypt", KEY, context).allowed
    other = {
        "kms:encryptioncontext:aws:logs:arn": (
            "arn:aws:logs:us-east-1:123456789012:log-group:/other",
        )
    }
    assert not policy.evaluate([_policy(statement)], "kms:Decrypt", KEY, other).allowed


def test_source_account_and_source_arn() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "sns:Publish",
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"},
        },
    }
    allowed = _decide(
        _policy(statement), "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t",
        aws__SourceAccount="123456789012",
        aws__SourceArn="arn:aws:cloudwatch:us-east-1:123456789012:alarm:high",
    )  # fmt: skip
    assert allowed is Decision.ALLOW
    # absent keys (a function's own call carries neither): the condition is false
    assert (
        _decide(_policy(statement), "sns:Publish", "arn:aws:sns:us-east-1:123456789012:t")
        is Decision.IMPLICIT_DENY
    )


def test_ses_from_address_string_like() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "ses:SendEmail",
        "Resource": "*",
        "Condition": {"StringLike": {"ses:FromAddress": "*@purposepath.app"}},
    }
    assert (
        _decide(
            _policy(statement), "ses:SendEmail", "*", ses__FromAddress="noreply@purposepath.app"
        )
        is Decision.ALLOW
    )
    assert (
        _decide(_policy(statement), "ses:SendEmail", "*", ses__FromAddress="x@evil.example")
        is Decision.IMPLICIT_DENY
    )


def test_negated_operator_with_absent_key_is_true_and_if_exists() -> None:
    deny_other = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:SourceAccount": "123456789012"}},
    }
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert _decide(_policy(allow_all, deny_other), "sns:Publish", "*") is Decision.EXPLICIT_DENY
    assert (
        _decide(
            _policy(allow_all, deny_other), "sns:Publish", "*", aws__SourceAccount="123456789012"
        )
        is Decision.ALLOW
    )
    # ...IfExists: an absent key makes the condition true; a present one is compared
    allow_if = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}},
    }
    allow_plain = {**allow_if, "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}
    assert _decide(_policy(allow_if), "sns:Publish", "*") is Decision.ALLOW
    assert _decide(_policy(allow_plain), "sns:Publish", "*") is Decision.IMPLICIT_DENY
    assert (
        _decide(_policy(allow_if), "sns:Publish", "*", aws__SourceAccount="999999999999")
        is Decision.IMPLICIT_DENY
    )


def test_bool_and_null() -> None:
    deny_plain_http = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    allow_all = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    assert (
        _decide(
            _policy(allow_all, deny_plain_http), "s3:GetObject", "*", aws__SecureTransport="false"
        )
        is Decision.EXPLICIT_DENY
    )
    needs_source = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"Null": {"aws:SourceArn": "false"}},
    }
    assert _decide(_policy(needs_source), "s3:GetObject", "*") is Decision.IMPLICIT_DENY
    assert (
        _decide(_policy(needs_source), "s3:GetObject", "*", aws__SourceArn="arn:aws:s3:::b")
        is Decision.ALLOW
    )


def test_for_any_and_for_all_values() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {
            "ForAllValues:StringEquals": {
                "kms:EncryptionContextKeys": ["SecretARN", "SecretVersionId"]
            }
        },
    }
    ok = {"kms:encryptioncontextkeys": ("SecretARN", "SecretVersionId")}
    extra = {"kms:encryptioncontextkeys": ("SecretARN", "Other")}
    assert policy.evaluate([_policy(statement)], "kms:Decrypt", KEY, ok).allowed
    assert not policy.evaluate([_policy(statement)], "kms:Decrypt", KEY, extra).allowed
    any_of = {
        **statement,
        "Condition": {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "Other"}},
    }
    assert policy.evaluate([_policy(any_of)], "kms:Decrypt", KEY, extra).allowed
    assert not policy.evaluate([_policy(any_of)], "kms:Decrypt", KEY, ok).allowed


def test_unknown_condition_key_denies_and_logs_the_key(caplog: pytest.LogCaptureFixture) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "dynamodb:GetItem",
        "Resource": TABLE,
        "Condition": {"StringEquals": {"dynamodb:LeadingKeys": "u1"}},
    }
    with caplog.at_level(logging.WARNING):
        verdict = policy.evaluate([_policy(statement)], "dynamodb:GetItem", TABLE, {})
    assert verdict.decision is Decision.UNEVALUABLE
    assert "dynamodb:LeadingKeys" in verdict.reason
    assert "dynamodb:LeadingKeys" in caplog.text


def test_unknown_key_in_a_deny_also_denies() -> None:
    statements = _policy(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}},
        },
    )
    assert _decide(statements, "s3:GetObject", "*") is Decision.UNEVALUABLE


def test_unknown_operator_and_policy_variable_deny() -> None:
    unmodelled = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    }
    assert _decide(_policy(unmodelled), "s3:GetObject", "*") is Decision.UNEVALUABLE
    variable = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/${aws:username}/*",
    }
    assert _decide(_policy(variable), "s3:GetObject", "arn:aws:s3:::b/u/k") is Decision.UNEVALUABLE


def test_session_policy_intersects() -> None:
    identity = _policy({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
    session = _policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"})
    assert (
        policy.evaluate([identity], "dynamodb:PutItem", TABLE, {}, session).decision
        is Decision.IMPLICIT_DENY
    )
    assert policy.evaluate([identity], "dynamodb:GetItem", TABLE, {}, session).allowed


def test_known_keys_are_known() -> None:
    for key in (
        "kms:ViaService",
        "kms:EncryptionContext:SecretARN",
        "aws:SourceAccount",
        "aws:SourceArn",
        "ses:FromAddress",
    ):
        assert conditions.is_known_key(key)


# ---- KMS: key policy together with IAM --------------------------------------------------
ROOT_DELEGATES = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": "kms:*",
    "Resource": "*",
}
VIA_DDB = {"kms:viaservice": ("dynamodb.us-east-1.amazonaws.com",)}


def _key(
    key_policy: list[dict[str, Any]],
    identity: list[dict[str, Any]],
    context: dict[str, tuple[str, ...]],
) -> tuple[Decision, str]:
    verdict, kind = keys.authorize(
        _policy(*key_policy),
        [_policy(*identity)],
        "kms:Decrypt",
        KEY,
        context,
        account="123456789012",
        role_arn=ROLE,
    )
    return verdict.decision, kind


def test_root_principal_delegates_to_iam_via_service_chain() -> None:
    assert _key([ROOT_DELEGATES], [VIA], VIA_DDB) == (Decision.ALLOW, "identity-based")
    # the same key, called directly (no kms:ViaService): the IAM condition fails
    assert _key([ROOT_DELEGATES], [VIA], {}) == (Decision.IMPLICIT_DENY, "identity-based")
    # IAM has nothing for the key
    assert _key([ROOT_DELEGATES], [], VIA_DDB) == (Decision.IMPLICIT_DENY, "identity-based")


def test_key_policy_without_the_account_refuses_even_with_iam() -> None:
    only_logs = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert _key([only_logs], [VIA], VIA_DDB) == (Decision.IMPLICIT_DENY, "resource-based")


def test_key_policy_naming_the_role_allows_alone_and_its_deny_wins() -> None:
    names_role = {
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    assert _key([names_role], [], VIA_DDB)[0] is Decision.ALLOW
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
    assert _key([ROOT_DELEGATES, deny], [VIA], VIA_DDB) == (
        Decision.EXPLICIT_DENY,
        "resource-based",
    )


# ---- resource-based policies (same account) ---------------------------------------------
SESSION = "arn:aws:sts::123456789012:assumed-role/fn-role/fn"


def _resource(*statements: dict[str, Any]) -> Decision | None:
    verdict = resource_policies.decide(
        _policy(*statements), "s3:GetObject", "arn:aws:s3:::b/k", {},
        account="123456789012", role_arn=ROLE, session_arn=SESSION,
    )  # fmt: skip
    return None if verdict is None else verdict.decision


def test_a_resource_policy_allows_the_principal_it_names() -> None:
    base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    assert _resource({**base, "Principal": {"AWS": ROLE}}) is Decision.ALLOW
    assert _resource({**base, "Principal": {"AWS": SESSION}}) is Decision.ALLOW
    assert _resource({**base, "Principal": "*"}) is Decision.ALLOW
    # the account as principal only delegates to IAM; another role is someone else
    assert _resource({**base, "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}) is None
    assert _resource({**base, "Principal": {"AWS": "arn:aws:iam::123456789012:role/x"}}) is None


def test_a_resource_policy_deny_for_the_account_covers_the_role() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "123456789012"},
        "Action": "s3:*",
        "Resource": "*",
    }
    assert _resource(deny) is Decision.EXPLICIT_DENY
