"""The resource model tests: moto's mock with the project's models registered, and stacks.

Each test drives CloudFormation through boto3 against ``mock_aws()`` after ``register()``,
so every model under test is the one moto's CloudFormation picks for its type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from pplocalaws.resources import register

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        register()
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def stack_outputs(aws: boto3.Session) -> Callable[[str], dict[str, str]]:
    """``stack_outputs(stack)``: the stack's outputs, value by key."""
    cfn = aws.client("cloudformation")

    def outputs(stack: str) -> dict[str, str]:
        described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}

    return outputs


@pytest.fixture
def assert_create_fails(aws: boto3.Session) -> Callable[[str, str], None]:
    """``assert_create_fails(template, reason)``: creating stack "s" fails, giving ``reason``.

    moto alone raises from CreateStack; with the project's extensions the stack rolls back
    and the reason is in its status and events. Either counts.
    """
    cfn = aws.client("cloudformation")

    def check(template: str, reason: str) -> None:
        failure = ""
        try:
            cfn.create_stack(StackName="s", TemplateBody=template)
        except ClientError as error:
            failure = str(error)
        if not failure:
            stack = cfn.describe_stacks(StackName="s")["Stacks"][0]
            assert stack["StackStatus"] in {"ROLLBACK_COMPLETE", "CREATE_FAILED"}
            events = cfn.describe_stack_events(StackName="s")["StackEvents"]
            failure = " ".join(
                [stack.get("StackStatusReason", "")]
                + [e.get("ResourceStatusReason", "") for e in events]
            )
        assert reason in failure

    return check
