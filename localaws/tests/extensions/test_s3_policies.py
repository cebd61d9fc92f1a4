"""Bucket policies: conditions decide whether a statement applies; loopback is secure."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import pytest

from pplocalaws.extensions.policies import condition_holds

BUCKET = "policy-test"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _deny(condition: dict[str, Any] | None = None, action: str = "s3:*") -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_a_tls_only_policy_lets_local_requests_through(s3: Any) -> None:
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=_policy(_deny({"Bool": {"aws:SecureTransport": "false"}}))
    )
    s3.put_object(Bucket=BUCKET, Key="artifact.zip", Body=b"zip")
    assert s3.get_object(Bucket=BUCKET, Key="artifact.zip")["Body"].read() == b"zip"


def test_a_condition_that_holds_still_denies(s3: Any) -> None:
    s3.put_bucket_policy(
        Bucket=BUCKET, Policy=_policy(_deny({"Bool": {"aws:SecureTransport": "true"}}))
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key="artifact.zip", Body=b"zip")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_unconditional_deny_denies(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="artifact.zip", Body=b"zip")
    s3.put_bucket_policy(Bucket=BUCKET, Policy=_policy(_deny(action="s3:GetObject")))
    with pytest.raises(botocore.exceptions.ClientError):
        s3.get_object(Bucket=BUCKET, Key="artifact.zip")


@pytest.mark.parametrize(
    ("condition", "context", "holds"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"}, False),
        ({"Bool": {"aws:SecureTransport": False}}, {"aws:SecureTransport": "false"}, True),
        ({"StringEquals": {"aws:SourceAccount": ["1", "2"]}}, {"aws:SourceAccount": "2"}, True),
        ({"StringEquals": {"aws:SourceAccount": "1"}}, {}, False),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "1"}}, {}, True),
        (
            {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::p-*"}},
            {"aws:SourceArn": "arn:aws:s3:::p-1"},
            True,
        ),
        ({"NumericLessThan": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}, False),
    ],
)
def test_condition_operators(
    condition: dict[str, Any], context: dict[str, str], holds: bool
) -> None:
    assert condition_holds(condition, context) is holds
