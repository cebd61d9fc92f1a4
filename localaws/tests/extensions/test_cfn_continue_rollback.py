"""UPDATE_ROLLBACK_FAILED, produced by the test-only fault Metadata, and the way out:
ContinueUpdateRollback, with ResourcesToSkip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.extensions import faults

REGION = "us-east-1"

BASE = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {DisplayName: v1}
"""

# Changes the topic in place, adds a queue, then fails on a type the local AWS cannot
# create: the rollback must restore the topic (where the fault strikes) and delete the queue.
FAILING_UPDATE = """
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Metadata: {{PPDeploy::LocalFault: {fault}}}
    Properties: {{DisplayName: v2}}
  Queue: {{Type: AWS::SQS::Queue, DependsOn: Topic}}
  Build:
    Type: AWS::CodeBuild::Project
    DependsOn: Queue
    Properties: {{Name: build}}
"""


@pytest.fixture
def fault_injection() -> Iterator[None]:
    with faults.enabled_for_tests():
        yield


def display_name(cfn: Any) -> str:
    arn = cfn.describe_stack_resource(StackName="app", LogicalResourceId="Topic")[
        "StackResourceDetail"
    ]["PhysicalResourceId"]
    sns = boto3.client("sns", region_name=REGION)
    name: str = sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"]
    return name


def queues() -> list[str]:
    urls: list[str] = boto3.client("sqs", region_name=REGION).list_queues().get("QueueUrls", [])
    return urls


def stuck(change_sets: Any, fault: str) -> dict[str, Any]:
    change_sets.deploy("app", BASE)
    stack: dict[str, Any] = change_sets.execute(
        change_sets.create("app", FAILING_UPDATE.format(fault=fault))
    )
    return stack


@pytest.mark.usefixtures("fault_injection")
def test_a_failing_rollback_stops_in_update_rollback_failed(change_sets: Any) -> None:
    stack = stuck(change_sets, faults.FAIL_ROLLBACK)

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert stack["StackStatusReason"] == "The following resource(s) failed to update: [Topic]."
    restore_failure = next(
        event
        for event in change_sets.events("app")
        if event["LogicalResourceId"] == "Topic" and event["ResourceStatus"] == "UPDATE_FAILED"
    )
    assert "Injected fault" in restore_failure["ResourceStatusReason"]
    assert len(queues()) == 1  # the cleanup phase has not run yet
    with pytest.raises(ClientError) as refused:
        change_sets.client.update_stack(StackName="app", TemplateBody=BASE + "Description: x\n")
    assert "is in UPDATE_ROLLBACK_FAILED state and can not be updated" in str(refused.value)


@pytest.mark.usefixtures("fault_injection")
def test_continue_with_the_failed_resource_skipped_completes_the_rollback(
    change_sets: Any,
) -> None:
    stuck(change_sets, faults.FAIL_ROLLBACK)
    cfn = change_sets.client

    cfn.continue_update_rollback(StackName="app")
    assert change_sets.stack("app")["StackStatus"] == "UPDATE_ROLLBACK_FAILED"  # fails again

    cfn.continue_update_rollback(StackName="app", ResourcesToSkip=["Topic"])

    stack = change_sets.stack("app")
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert queues() == []  # what the failed update created is gone
    assert cfn.get_template(StackName="app")["TemplateBody"] == BASE
    assert display_name(cfn) == "v2"  # skipped: left as the failed update made it
    assert change_sets.deploy("app", BASE + "Description: v3\n")["StackStatus"] == (
        "UPDATE_COMPLETE"
    )


@pytest.mark.usefixtures("fault_injection")
def test_a_transient_failure_clears_on_a_plain_continue(change_sets: Any) -> None:
    stuck(change_sets, faults.FAIL_ROLLBACK_ONCE)

    change_sets.client.continue_update_rollback(StackName="app", ClientRequestToken="recover-1")

    assert change_sets.stack("app")["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert display_name(change_sets.client) == "v1"  # restored this time
    tokens = {event.get("ClientRequestToken") for event in change_sets.events("app")}
    assert "recover-1" in tokens


@pytest.mark.usefixtures("fault_injection")
def test_only_resources_whose_rollback_failed_can_be_skipped(change_sets: Any) -> None:
    stuck(change_sets, faults.FAIL_ROLLBACK)

    with pytest.raises(ClientError) as error:
        change_sets.client.continue_update_rollback(StackName="app", ResourcesToSkip=["Queue"])

    assert error.value.response["Error"]["Code"] == "ValidationError"
    assert "[Queue] cannot be skipped" in error.value.response["Error"]["Message"]
    assert change_sets.stack("app")["StackStatus"] == "UPDATE_ROLLBACK_FAILED"


def test_continue_is_refused_unless_the_rollback_failed(change_sets: Any) -> None:
    change_sets.deploy("app", BASE)

    with pytest.raises(ClientError) as error:
        change_sets.client.continue_update_rollback(StackName="app")

    assert "is in CREATE_COMPLETE state and can not continue update rollback" in str(error.value)


def test_fault_metadata_is_ignored_unless_enabled(change_sets: Any) -> None:
    stack = stuck(change_sets, faults.FAIL_ROLLBACK)

    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert display_name(change_sets.client) == "v1"
