"""DescribeStackEvents has resource-level events, newest first, with the request token."""

from __future__ import annotations

from typing import Any

STACK = """
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${AWS::StackName}-${Topic.TopicName}"
  Kept:
    Type: AWS::SQS::Queue
    DeletionPolicy: Retain
"""


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events]


def test_create_events_are_per_resource_in_dependency_order(change_sets: Any) -> None:
    change_sets.deploy("evented", STACK)

    events = change_sets.events("evented")

    assert summary(reversed(events)) == [  # oldest first, for reading
        ("evented", "REVIEW_IN_PROGRESS"),
        ("evented", "CREATE_IN_PROGRESS"),
        ("Topic", "CREATE_IN_PROGRESS"),
        ("Topic", "CREATE_COMPLETE"),
        ("Kept", "CREATE_IN_PROGRESS"),
        ("Kept", "CREATE_COMPLETE"),
        ("Queue", "CREATE_IN_PROGRESS"),
        ("Queue", "CREATE_COMPLETE"),
        ("evented", "CREATE_COMPLETE"),
    ]
    newest = events[0]
    assert newest["ResourceType"] == "AWS::CloudFormation::Stack"
    assert newest["PhysicalResourceId"] == newest["StackId"]
    queue_done = next(e for e in events if summary([e]) == [("Queue", "CREATE_COMPLETE")])
    assert queue_done["ResourceType"] == "AWS::SQS::Queue"
    topic_name = next(
        e["PhysicalResourceId"] for e in events if summary([e]) == [("Topic", "CREATE_COMPLETE")]
    ).rsplit(":", 1)[1]
    assert queue_done["PhysicalResourceId"].endswith(f"/evented-{topic_name}")
    assert queue_done["ClientRequestToken"] == "exec-token"
    assert "Timestamp" in queue_done
    started = next(e for e in events if summary([e]) == [("evented", "CREATE_IN_PROGRESS")])
    assert started["ResourceStatusReason"] == "User Initiated"


def test_update_and_delete_events(change_sets: Any) -> None:
    change_sets.deploy("evented", STACK)
    displayed = STACK.replace(
        "  Topic: {Type: AWS::SNS::Topic}\n",
        "  Topic:\n    Type: AWS::SNS::Topic\n    Properties: {DisplayName: alarms}\n",
    )
    assert displayed != STACK
    change_sets.deploy("evented", displayed)
    change_sets.client.delete_stack(StackName="evented", ClientRequestToken="delete-1")

    summaries = change_sets.client.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])
    deleted_id = summaries["StackSummaries"][0]["StackId"]
    events = change_sets.client.describe_stack_events(StackName=deleted_id)["StackEvents"]
    newest_first = summary(events)

    assert newest_first[0] == ("evented", "DELETE_COMPLETE")
    assert ("Topic", "UPDATE_COMPLETE") in newest_first
    assert ("Kept", "DELETE_SKIPPED") in newest_first
    deletes = [e for e in events if e["ResourceStatus"] == "DELETE_COMPLETE"]
    assert {e["LogicalResourceId"] for e in deletes} == {"Queue", "Topic", "evented"}
    assert {e["ClientRequestToken"] for e in deletes} == {"delete-1"}
    # The queue was deleted before the topic it refers to.
    order = [e["LogicalResourceId"] for e in reversed(deletes)]
    assert order.index("Queue") < order.index("Topic")
