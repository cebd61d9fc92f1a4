"""A request's action, resources and context, per protocol (no server, no network)."""

from __future__ import annotations

import json

from pplocalaws.iam import calls
from pplocalaws.iam.authorizer import authorize
from pplocalaws.iam.lookups import Session
from pplocalaws.iam.policy import Decision

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/"


def _json(service: str, target: str, body: dict[str, object]) -> calls.Call:
    request = calls.Request(
        "POST", "/", {}, {"x-amz-target": target}, json.dumps(body).encode(), service,
        "us-east-1", ACCOUNT,
    )  # fmt: skip
    return calls.describe(request)


def _needs(call: calls.Call) -> list[tuple[str, str]]:
    return [(need.action, need.resource) for need in call.needs]


def test_dynamodb_query_on_an_index_names_the_index() -> None:
    call = _json(
        "dynamodb", "DynamoDB_20120810.Query", {"TableName": "users", "IndexName": "by-email"}
    )
    assert _needs(call) == [("dynamodb:Query", TABLE + "users/index/by-email")]


def test_dynamodb_transact_write_needs_each_item_s_own_action() -> None:
    items = [
        {"Put": {"TableName": "users"}},
        {"ConditionCheck": {"TableName": "tenants"}},
        {"Delete": {"TableName": "tokens"}},
    ]
    call = _json("dynamodb", "DynamoDB_20120810.TransactWriteItems", {"TransactItems": items})
    assert _needs(call) == [
        ("dynamodb:PutItem", TABLE + "users"),
        ("dynamodb:ConditionCheckItem", TABLE + "tenants"),
        ("dynamodb:DeleteItem", TABLE + "tokens"),
    ]


def test_dynamodb_batch_write_names_each_table() -> None:
    body = {"RequestItems": {"a": [], "b": []}}
    call = _json("dynamodb", "DynamoDB_20120810.BatchWriteItem", body)
    assert _needs(call) == [
        ("dynamodb:BatchWriteItem", TABLE + "a"),
        ("dynamodb:BatchWriteItem", TABLE + "b"),
    ]


def test_s3_routes() -> None:
    def s3(
        method: str, path: str, query: dict[str, str] | None = None, **headers: str
    ) -> calls.Call:
        request = calls.Request(method, path, query or {}, headers, b"", "s3", "us-east-1", ACCOUNT)
        return calls.describe(request)

    assert _needs(s3("GET", "/b/k/x.txt")) == [("s3:GetObject", "arn:aws:s3:::b/k/x.txt")]
    assert _needs(s3("HEAD", "/b/k")) == [("s3:GetObject", "arn:aws:s3:::b/k")]
    assert _needs(s3("GET", "/b", {"list-type": "2", "prefix": "p"})) == [
        ("s3:ListBucket", "arn:aws:s3:::b")
    ]
    copy = s3("PUT", "/b/new", **{"x-amz-copy-source": "/src/old"})
    assert _needs(copy) == [
        ("s3:PutObject", "arn:aws:s3:::b/new"),
        ("s3:GetObject", "arn:aws:s3:::src/old"),
    ]
    assert s3("PUT", "/b", {"lifecycle": ""}).unmodelled


def test_sns_publish_batch_is_authorised_as_publish() -> None:
    body = b"Action=PublishBatch&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3At"
    request = calls.Request("POST", "/", {}, {}, body, "sns", "us-east-1", ACCOUNT)
    assert _needs(calls.describe(request)) == [
        ("sns:Publish", f"arn:aws:sns:us-east-1:{ACCOUNT}:t")
    ]


def test_an_unmodelled_operation_is_denied_never_allowed() -> None:
    call = _json("dynamodb", "DynamoDB_20120810.ExecuteStatement", {"Statement": "SELECT"})
    assert call.unmodelled
    session = Session(
        "ASIA1", "t", None, f"arn:aws:iam::{ACCOUNT}:role/r", "arn:aws:sts::x", ACCOUNT, None
    )
    denial = authorize(session, call, "us-east-1")
    assert denial is not None
    assert denial.verdict.decision is Decision.UNEVALUABLE
    assert "ExecuteStatement" in denial.message(session.session_arn)


def test_an_unknown_service_is_unmodelled() -> None:
    request = calls.Request(
        "POST", "/", {}, {"x-amz-target": "X.Y"}, b"{}", "lambda", "us-east-1", ACCOUNT
    )
    assert calls.describe(request).unmodelled
