"""RetainExceptOnCreate: what a rolled-back operation created is deleted, even under Retain.

ExecuteChangeSet (and CreateStack, UpdateStack) take a RetainExceptOnCreate flag: "When set
to true, newly created resources are deleted when the operation rolls back. This includes
newly created resources marked with a deletion policy of Retain."
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html)
Without it, a failed create keeps its Retain resources, as CloudFormation does; the
DeletionPolicy value RetainExceptOnCreate deletes the resource on that rollback only
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
"""

from __future__ import annotations

from typing import Any

import boto3

# AWS::CodeBuild::Project has no local model: its create fails after the topic exists.
FAILING_CREATE = """
Resources:
  Topic: {Type: AWS::SNS::Topic, DeletionPolicy: Retain}
  Build:
    Type: AWS::CodeBuild::Project
    DependsOn: Topic
    Properties: {Name: build}
"""

BASE = """
Resources:
  Kept: {Type: AWS::SNS::Topic, DeletionPolicy: Retain}
"""

FAILING_UPDATE = """
Resources:
  Kept: {Type: AWS::SNS::Topic, DeletionPolicy: Retain}
  Added: {Type: AWS::SQS::Queue, DeletionPolicy: Retain}
  Build:
    Type: AWS::CodeBuild::Project
    DependsOn: Added
    Properties: {Name: build}
"""


def _topics() -> int:
    return len(boto3.client("sns", region_name="us-east-1").list_topics()["Topics"])


def _queues() -> int:
    sqs = boto3.client("sqs", region_name="us-east-1")
    return len(sqs.list_queues().get("QueueUrls", []))


def _execute(change_sets: Any, stack: str, body: str, **flags: Any) -> dict[str, Any]:
    described = change_sets.create(stack, body)
    change_sets.client.execute_change_set(
        StackName=stack, ChangeSetName=described["ChangeSetName"], **flags
    )
    return change_sets.stack(stack)  # type: ignore[no-any-return]


def _statuses(change_sets: Any, stack: str) -> set[tuple[str, str]]:
    return {(e["LogicalResourceId"], e["ResourceStatus"]) for e in change_sets.events(stack)}


def test_a_failed_create_keeps_its_retain_resources(change_sets: Any) -> None:
    stack = _execute(change_sets, "s", FAILING_CREATE)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert _topics() == 1
    assert ("Topic", "DELETE_SKIPPED") in _statuses(change_sets, "s")


def test_retain_except_on_create_deletes_what_the_failed_create_made(change_sets: Any) -> None:
    stack = _execute(change_sets, "s", FAILING_CREATE, RetainExceptOnCreate=True)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert _topics() == 0
    assert ("Topic", "DELETE_COMPLETE") in _statuses(change_sets, "s")


def test_create_stack_takes_the_flag_too(cfn: Any) -> None:
    cfn.create_stack(StackName="s", TemplateBody=FAILING_CREATE, RetainExceptOnCreate=True)
    assert cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    assert _topics() == 0


def test_a_failed_update_keeps_the_retain_resources_it_added(change_sets: Any) -> None:
    change_sets.deploy("s", BASE)
    stack = _execute(change_sets, "s", FAILING_UPDATE)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert (_topics(), _queues()) == (1, 1)


def test_retain_except_on_create_deletes_what_the_failed_update_added(change_sets: Any) -> None:
    change_sets.deploy("s", BASE)
    stack = _execute(change_sets, "s", FAILING_UPDATE, RetainExceptOnCreate=True)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert (_topics(), _queues()) == (1, 0)  # what existed before stays; Retain or not
    assert ("Added", "DELETE_COMPLETE") in _statuses(change_sets, "s")


def test_update_stack_takes_the_flag_too(cfn: Any) -> None:
    cfn.create_stack(StackName="s", TemplateBody=BASE)
    cfn.update_stack(StackName="s", TemplateBody=FAILING_UPDATE, RetainExceptOnCreate=True)
    status = cfn.describe_stacks(StackName="s")["Stacks"][0]["StackStatus"]
    assert (status, _queues()) == ("UPDATE_ROLLBACK_COMPLETE", 0)


def test_deletion_policy_retain_except_on_create_keeps_the_resource_on_delete(
    change_sets: Any,
) -> None:
    change_sets.deploy(
        "s", "Resources:\n  Topic: {Type: AWS::SNS::Topic, DeletionPolicy: RetainExceptOnCreate}\n"
    )
    change_sets.client.delete_stack(StackName="s")
    assert _topics() == 1  # after the creating operation, it behaves like Retain
