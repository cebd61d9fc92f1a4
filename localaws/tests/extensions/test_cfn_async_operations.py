"""Stack operations answer at once, run in the background, one at a time per stack.

Holding the CloudFormation lock in the test thread keeps an operation from starting (its
thread waits for the lock) while the test, which may take the re-entrant lock again,
still makes calls: a deterministic window in which the stack is *_IN_PROGRESS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws.extensions import lifecycle, operation_threads, operations
from pplocalaws.extensions.errors import cloudformation_lock
from pplocalaws.extensions.waiting import (
    botocore_handlers_without_join,
    is_settled,
    settled_stack,
)

REGION = "us-east-1"  # the extension tests' region (conftest)

TOPICS = """
Resources:
  First: {Type: AWS::SNS::Topic}
  Second: {Type: AWS::SNS::Topic}
  Third: {Type: AWS::SNS::Topic}
"""


@pytest.fixture
def raw_cfn(aws: None) -> Iterator[Any]:
    """A client whose calls return as soon as the operation starts, as on AWS."""
    with botocore_handlers_without_join():
        yield boto3.Session().client("cloudformation", region_name=REGION)
    operation_threads.join_all()


def _status(client: Any, name: str) -> str:
    return str(client.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])


def test_create_stack_answers_in_progress_and_finishes_in_the_background(raw_cfn: Any) -> None:
    with cloudformation_lock():
        raw_cfn.create_stack(StackName="topics", TemplateBody=TOPICS)
        assert _status(raw_cfn, "topics") == "CREATE_IN_PROGRESS"
        assert raw_cfn.list_stack_resources(StackName="topics")["StackResourceSummaries"] == []

    final = settled_stack(raw_cfn, "topics", timeout=30)

    assert final is not None
    assert final["StackStatus"] == "CREATE_COMPLETE"
    resources = raw_cfn.list_stack_resources(StackName="topics")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["First", "Second", "Third"]


def test_a_stack_in_progress_refuses_update_and_delete(raw_cfn: Any) -> None:
    with cloudformation_lock():
        raw_cfn.create_stack(StackName="busy", TemplateBody=TOPICS)
        with pytest.raises(ClientError, match="CREATE_IN_PROGRESS state and can not be updated"):
            raw_cfn.update_stack(StackName="busy", TemplateBody=TOPICS.replace("Third", "Fourth"))
        with pytest.raises(ClientError, match="cannot be deleted while in status CREATE_IN_"):
            raw_cfn.delete_stack(StackName="busy")
        with pytest.raises(ClientError, match="can not be updated"):
            raw_cfn.create_change_set(
                StackName="busy", ChangeSetName="later", TemplateBody=TOPICS, ChangeSetType="UPDATE"
            )

    assert settled_stack(raw_cfn, "busy", timeout=30)["StackStatus"] == "CREATE_COMPLETE"  # type: ignore[index]


def test_a_second_change_set_cannot_run_while_the_first_runs(raw_cfn: Any) -> None:
    for name in ("first", "second"):
        raw_cfn.create_change_set(
            StackName="pair",
            ChangeSetName=name,
            TemplateBody=TOPICS,
            ChangeSetType="CREATE",
        )
    with cloudformation_lock():
        raw_cfn.execute_change_set(StackName="pair", ChangeSetName="first")
        assert _status(raw_cfn, "pair") == "CREATE_IN_PROGRESS"
        described = raw_cfn.describe_change_set(StackName="pair", ChangeSetName="first")
        assert described["ExecutionStatus"] == "EXECUTE_IN_PROGRESS"
        with pytest.raises(ClientError) as refused:
            raw_cfn.execute_change_set(StackName="pair", ChangeSetName="second")
    assert refused.value.response["Error"]["Code"] == "InvalidChangeSetStatus"

    assert settled_stack(raw_cfn, "pair", timeout=30)["StackStatus"] == "CREATE_COMPLETE"  # type: ignore[index]
    assert (
        raw_cfn.describe_change_set(StackName="pair", ChangeSetName="first")["ExecutionStatus"]
        == "EXECUTE_COMPLETE"
    )


def test_delete_answers_in_progress_and_the_stack_goes_away(raw_cfn: Any) -> None:
    raw_cfn.create_stack(StackName="brief", TemplateBody=TOPICS)
    settled_stack(raw_cfn, "brief", timeout=30)
    with cloudformation_lock():
        raw_cfn.delete_stack(StackName="brief")
        assert _status(raw_cfn, "brief") == "DELETE_IN_PROGRESS"

    assert settled_stack(raw_cfn, "brief", timeout=30) is None


def test_two_stacks_operations_interleave(raw_cfn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand aside at every event (twelve topics take less than the usual 20 ms of work).
    monkeypatch.setattr(operations, "_CHECKPOINT_EVERY_SECONDS", 0.0)
    many = "Resources:\n" + "".join(f"  T{i}: {{Type: AWS::SNS::Topic}}\n" for i in range(12))
    with cloudformation_lock():  # both start together when the lock is given up
        raw_cfn.create_stack(StackName="left", TemplateBody=many)
        raw_cfn.create_stack(StackName="right", TemplateBody=many)
    operation_threads.join_all(30)

    def resource_times(name: str) -> list[Any]:
        events = raw_cfn.describe_stack_events(StackName=name)["StackEvents"]
        return sorted(e["Timestamp"] for e in events if e["LogicalResourceId"] != name)

    left, right = resource_times("left"), resource_times("right")
    assert left[0] < right[-1], "left ran wholly after right"
    assert right[0] < left[-1], "right ran wholly after left"


def test_a_defect_inside_an_operation_ends_it_failed_with_a_clear_reason() -> None:
    stack = SimpleNamespace(name="broken", stack_id="arn:broken", status="CREATE_IN_PROGRESS")
    reasons: list[str] = []
    done = threading.Event()

    def work() -> None:
        raise KeyError("Properties")

    def on_crash(reason: str) -> None:
        reasons.append(reason)
        done.set()

    operation_threads.start(stack, work, on_crash=on_crash)  # type: ignore[arg-type]
    assert done.wait(10)
    operation_threads.join_all(10)

    assert "local AWS defect" in reasons[0]
    assert "KeyError" in reasons[0]
    assert "arn:broken" not in operation_threads.running()


def test_crashed_moves_each_in_progress_status_to_its_terminal_one() -> None:
    seen: list[tuple[str, str | None]] = []
    op = SimpleNamespace(
        stack=SimpleNamespace(status="UPDATE_IN_PROGRESS"),
        set_status=lambda status, reason=None: seen.append((status, reason)),
    )

    lifecycle.crashed(op, "defect")  # type: ignore[arg-type]

    assert seen == [("UPDATE_ROLLBACK_FAILED", "defect")]


def test_settled_statuses() -> None:
    assert is_settled("REVIEW_IN_PROGRESS")
    assert is_settled("CREATE_COMPLETE")
    assert not is_settled("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
