"""Errors inside the local AWS come back as AWS-style XML errors, not HTML 500 pages."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.cloudformation.models import CloudFormationBackend


def test_an_unexpected_exception_becomes_a_validation_error(
    cfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyError("Resources")

    monkeypatch.setattr(CloudFormationBackend, "list_exports", broken)

    with pytest.raises(ClientError) as error:
        cfn.list_exports()

    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    message = error.value.response["Error"]["Message"]
    assert "ListExports" in message
    assert "KeyError: 'Resources'" in message


def test_aws_errors_keep_their_own_code(cfn: Any) -> None:
    with pytest.raises(ClientError) as error:
        cfn.describe_change_set(
            ChangeSetName="arn:aws:cloudformation:us-east-1:123456789012:changeSet/x/y"
        )

    assert error.value.response["Error"]["Code"] == "ChangeSetNotFound"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_a_template_error_names_the_problem(cfn: Any) -> None:
    with pytest.raises(ClientError) as error:
        cfn.create_stack(
            StackName="dangling",
            TemplateBody="Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n"
            "    Properties: {DisplayName: !Ref Missing}\n",
        )

    assert error.value.response["Error"]["Message"] == (
        "Template format error: Unresolved resource dependencies [Missing] "
        "in the Resources block of the template"
    )
    assert cfn.list_stacks()["StackSummaries"] == []
