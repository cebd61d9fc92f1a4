"""Failures mid-deploy against the real local AWS: rollback, the cause printed, recreate."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import CloudFormation
from ppdeploy.errors import DeployError
from ppdeploy.model import StackSpec
from ppdeploy.ui.plain_log import PlainLog
from ppdeploy.workflows.stack_deploy import deploy_stack
from tests.integration.support import LocalAws, dump

pytestmark = pytest.mark.integration

TEMPLATE = """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Metadata: {metadata}
    Properties:
      DisplayName: {display}
  Table:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Delete
    Properties:
      TableName: {table}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: id, AttributeType: S}}]
      KeySchema: [{{AttributeName: id, KeyType: HASH}}]
"""


def spec(tmp_path: Path, table: str, display: str = "v1", metadata: str = "{}") -> StackSpec:
    path = tmp_path / f"{table}-{display}.yaml"
    path.write_text(TEMPLATE.format(table=table, display=display, metadata=metadata))
    return StackSpec(name="recovery-fixture", template=templates.load(path))


def deploy(aws: LocalAws, stack: StackSpec) -> tuple[Any, str]:
    out = io.StringIO()
    cfn = CloudFormation(aws.client("cloudformation"), poll_seconds=0.05)
    try:
        result = deploy_stack(
            cfn,
            stack,
            PlainLog(out),
            approve=lambda *_: True,
            allow_replace=frozenset({"Table"}),  # these tests replace the table on purpose
        )
    except DeployError as error:
        return error, out.getvalue()
    return result, out.getvalue()


def taken(aws: LocalAws, name: str) -> None:
    aws.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )


def status(aws: LocalAws) -> str:
    stacks = aws.client("cloudformation").describe_stacks(StackName="recovery-fixture")["Stacks"]
    return str(stacks[0]["StackStatus"])


def test_a_failed_create_rolls_back_and_the_next_deploy_recreates(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    taken(local_aws, "taken-table")
    error, _ = deploy(local_aws, spec(tmp_path, "taken-table"))
    assert isinstance(error, DeployError)
    assert "ROLLBACK_COMPLETE" in error.what
    assert "Table (AWS::DynamoDB::Table) CREATE_FAILED" in error.cause
    assert status(local_aws) == "ROLLBACK_COMPLETE"
    # The topic created before the failure was removed by the rollback.
    assert local_aws.client("sns").list_topics()["Topics"] == []

    result, output = deploy(local_aws, spec(tmp_path, "free-table"))
    assert not isinstance(result, DeployError), output
    assert "never finished creating (ROLLBACK_COMPLETE); deleting it" in output
    assert result.outcome == "created"
    assert status(local_aws) == "CREATE_COMPLETE"


def test_a_failed_update_rolls_back_and_names_the_first_failed_resource(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    result, output = deploy(local_aws, spec(tmp_path, "first-table"))
    assert result.outcome == "created", output
    taken(local_aws, "second-table")
    error, output = deploy(local_aws, spec(tmp_path, "second-table"))
    assert isinstance(error, DeployError), output
    assert "UPDATE_ROLLBACK_COMPLETE" in error.what
    assert error.cause.startswith("Table (AWS::DynamoDB::Table) UPDATE_FAILED")
    assert status(local_aws) == "UPDATE_ROLLBACK_COMPLETE"
    # The stack still works from its real state: the next deploy updates it.
    result, output = deploy(local_aws, spec(tmp_path, "third-table"))
    assert result.outcome == "updated", output


def test_a_rollback_stuck_in_update_rollback_failed_is_recovered(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    result, output = deploy(local_aws, spec(tmp_path, "first-table"))
    assert result.outcome == "created", output
    taken(local_aws, "second-table")
    stuck = spec(tmp_path, "second-table", "v2", "{PPDeploy::LocalFault: FailRollback}")
    error, _ = deploy(local_aws, stuck)
    assert isinstance(error, DeployError)
    assert status(local_aws) == "UPDATE_ROLLBACK_FAILED"

    again, _ = deploy(local_aws, spec(tmp_path, "first-table"))
    assert isinstance(again, DeployError)
    assert "invoke recover --stack recovery-fixture" in again.fix

    asked = local_aws.invoke("recover", "--stack", "recovery-fixture", "--local")
    assert asked.returncode == 5, dump(asked)
    assert "Topic (AWS::SNS::Topic) UPDATE_FAILED" in asked.stdout
    assert status(local_aws) == "UPDATE_ROLLBACK_FAILED"

    wrong = local_aws.invoke(
        "recover", "--stack", "recovery-fixture", "--local", "--yes", "--skip", "Table"
    )
    assert wrong.returncode == 2, dump(wrong)
    assert "skip only: Topic" in wrong.stderr

    recovered = local_aws.invoke(
        "recover", "--stack", "recovery-fixture", "--local", "--yes", "--skip", "Topic"
    )
    assert recovered.returncode == 0, dump(recovered)
    assert "rollback completed" in recovered.stdout
    assert status(local_aws) == "UPDATE_ROLLBACK_COMPLETE"
    result, output = deploy(local_aws, spec(tmp_path, "third-table"))
    assert result.outcome == "updated", output
