"""Reserved concurrency leaves the account 100 units unreserved, as Lambda requires, through
PutFunctionConcurrency and CloudFormation's ReservedConcurrentExecutions alike; the local
account's quota is a setting (1000 by default, 10 like a new account)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.extensions import install
from pplocalaws.resources import lambda_concurrency

IAM = ["CAPABILITY_IAM"]
BELOW_MINIMUM = "decreases account's UnreservedConcurrentExecution below its minimum value of [100]"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def quota(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``quota(n)``: the local account's concurrency quota is n for this test."""

    def set_quota(limit: int) -> None:
        monkeypatch.setenv(lambda_concurrency.LIMIT_SETTING, str(limit))
        monkeypatch.setenv(lambda_concurrency.MOTO_QUOTA_SWITCH, str(limit))

    return set_quota


@pytest.fixture
def aws(aws: boto3.Session) -> boto3.Session:
    """The mocked AWS with CloudFormation's events and rollback, and the functions' code."""
    install()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", "def handler(event, context):\n    return {}\n")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="fn.zip", Body=archive.getvalue())
    return aws


def template(reserved: dict[str, int | None]) -> str:
    """A stack of functions named by ``reserved``, each reserving its value (None: none)."""
    resources: dict[str, Any] = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}}
    }
    for name, value in reserved.items():
        properties: dict[str, Any] = {
            "FunctionName": name,
            "Runtime": "python3.13",
            "Handler": "app.handler",
            "Role": {"Fn::GetAtt": ["Role", "Arn"]},
            "Code": {"S3Bucket": "artifacts", "S3Key": "fn.zip"},
        }
        if value is not None:
            properties["ReservedConcurrentExecutions"] = value
        resources[name.replace("-", "")] = {
            "Type": "AWS::Lambda::Function",
            "Properties": properties,
        }
    return json.dumps({"Resources": resources})


def create_fails(aws: boto3.Session, body: str, reason: str) -> None:
    """Creating stack "s" fails (CREATE_FAILED, rolled back), giving ``reason``."""
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=body, Capabilities=IAM)
    stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="s")["StackEvents"]
    assert reason in " ".join(e.get("ResourceStatusReason", "") for e in events)


def reservation(aws: boto3.Session, name: str) -> int | None:
    answer = aws.client("lambda").get_function_concurrency(FunctionName=name)
    value = answer.get("ReservedConcurrentExecutions")
    return None if value is None else int(value)


def test_a_standard_account_reserves_up_to_900(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(1000)
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 900}))
    assert reservation(aws, "fn-a") == 900


def test_a_create_that_leaves_fewer_than_100_unreserved_fails(
    aws: boto3.Session,
    quota: Callable[[int], None],
) -> None:
    quota(1000)
    create_fails(aws, template({"fn-a": 500, "fn-b": 401}), BELOW_MINIMUM)


def test_a_new_account_with_a_quota_of_10_can_reserve_nothing(
    aws: boto3.Session,
    quota: Callable[[int], None],
) -> None:
    quota(10)
    create_fails(aws, template({"fn-a": 1}), BELOW_MINIMUM)


def test_a_new_account_still_deploys_functions_that_reserve_nothing(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(10)
    aws.client("cloudformation").create_stack(
        StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": None})
    )
    assert reservation(aws, "fn-a") is None


def test_an_update_sets_changes_and_clears_the_reservation(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(1000)
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": None}))
    cfn.update_stack(StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 20}))
    assert reservation(aws, "fn-a") == 20
    # The function's own 20 do not count against its new value.
    cfn.update_stack(StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 900}))
    assert reservation(aws, "fn-a") == 900
    cfn.update_stack(StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": None}))
    assert reservation(aws, "fn-a") is None


def test_an_update_past_the_quota_fails_and_keeps_the_old_reservation(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(1000)
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 100, "fn-b": 20})
    )
    failure = ""
    try:
        cfn.update_stack(
            StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 100, "fn-b": 801})
        )
    except ClientError as error:
        failure = str(error)
    if not failure:
        events = cfn.describe_stack_events(StackName="s")["StackEvents"]
        failure = " ".join(e.get("ResourceStatusReason", "") for e in events)
        status = cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"]
        assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert BELOW_MINIMUM in failure
    assert reservation(aws, "fn-b") == 20


def test_put_function_concurrency_is_refused_past_the_quota(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(1000)
    aws.client("cloudformation").create_stack(
        StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 450, "fn-b": None})
    )
    client = aws.client("lambda")
    with pytest.raises(ClientError) as refused:
        client.put_function_concurrency(FunctionName="fn-b", ReservedConcurrentExecutions=451)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert BELOW_MINIMUM in refused.value.response["Error"]["Message"]
    client.put_function_concurrency(FunctionName="fn-b", ReservedConcurrentExecutions=450)
    assert reservation(aws, "fn-b") == 450


def test_the_server_applies_the_setting_to_put_function_concurrency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(lambda_concurrency.LIMIT_SETTING, "10")
    monkeypatch.delenv(lambda_concurrency.MOTO_QUOTA_SWITCH, raising=False)
    lambda_concurrency.apply()
    import os  # noqa: PLC0415 - read after apply() set it

    assert os.environ[lambda_concurrency.MOTO_QUOTA_SWITCH] == "10"


@pytest.mark.parametrize("raw", ["ten", "-5", "1e3"])
def test_a_malformed_quota_setting_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(lambda_concurrency.LIMIT_SETTING, raw)
    with pytest.raises(ValueError, match=lambda_concurrency.LIMIT_SETTING):
        lambda_concurrency.account_limit()


def test_the_default_quota_is_a_standard_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lambda_concurrency.LIMIT_SETTING, raising=False)
    assert lambda_concurrency.account_limit() == 1000


def test_a_reservation_that_is_not_a_whole_number_is_refused(
    aws: boto3.Session,
    quota: Callable[[int], None],
) -> None:
    quota(1000)
    create_fails(aws, template({"fn-a": -1}), "is not a whole number of 0 or more")


def test_get_account_settings_reports_the_quota_and_what_is_left_unreserved(
    aws: boto3.Session, quota: Callable[[int], None]
) -> None:
    quota(1000)
    aws.client("cloudformation").create_stack(
        StackName="s", Capabilities=IAM, TemplateBody=template({"fn-a": 20, "fn-b": None})
    )
    settings = aws.client("lambda").get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 980
    assert settings["AccountUsage"]["FunctionCount"] == 2
    quota(10)
    settings = aws.client("lambda").get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 10
