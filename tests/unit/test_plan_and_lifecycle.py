"""plan's preview, delete and recover: their decision tables against the fake adapter.

preview: no stack -> create (the template's resources); fingerprint matches -> unchanged
with no change set; else a change set, always deleted: empty -> unchanged, else update with
the stateful guard's dangers.

delete: missing -> InputError; exports imported -> refused; termination protection ->
refused; not confirmed -> refused; else deleted (retained resources named), or an error
naming the resource that failed.

recover: missing or not UPDATE_ROLLBACK_FAILED -> InputError; --skip of a resource whose
rollback did not fail -> InputError; not confirmed -> refused; else continued, and it must
end in UPDATE_ROLLBACK_COMPLETE.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import ChangeSet, ResourceChange
from ppdeploy.decide import fingerprint
from ppdeploy.decide.plan import preview
from ppdeploy.errors import DeployError, InputError, RefusedError
from ppdeploy.events import Recorder, StackNote, StackOutcome
from ppdeploy.model import StackSpec
from ppdeploy.workflows import lifecycle
from tests.unit.fake_cloudformation import FakeCloudFormation, Then, resource_event, stack_state

STACK = "purposepath-traction-api-dev"
BODY = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n  Queue: {Type: AWS::SQS::Queue}\n"


def spec() -> StackSpec:
    template = templates.Template(Path("t.yaml"), BODY, templates.parse(BODY, Path("t.yaml")))
    return StackSpec(STACK, template)


# -- plan ----------------------------------------------------------------------------------


def test_a_stack_not_deployed_is_planned_as_created_with_its_template_resources() -> None:
    cfn = FakeCloudFormation()

    plan = preview(cfn, spec(), wave=2)  # type: ignore[arg-type]

    assert (plan.action, plan.wave) == ("create", 2)
    assert [(c.action, c.logical_id) for c in plan.changes] == [("Add", "Queue"), ("Add", "Topic")]
    assert cfn.names() == []  # nothing asked of CloudFormation beyond reading


def test_a_matching_fingerprint_plans_unchanged_without_a_change_set() -> None:
    cfn = FakeCloudFormation()
    tag = fingerprint.stamp(cfn, spec()).tags[fingerprint.TAG]  # type: ignore[arg-type]
    cfn.stacks[STACK] = stack_state(STACK, tags={fingerprint.TAG: tag})

    assert preview(cfn, spec(), wave=1).action == "unchanged"  # type: ignore[arg-type]
    assert "create_change_set" not in cfn.names()
    assert preview(cfn, spec(), wave=1, force=True).action == "update"  # type: ignore[arg-type]


def test_an_update_is_previewed_with_a_change_set_that_is_deleted_again() -> None:
    replaced = ResourceChange("Modify", "Users", "AWS::DynamoDB::Table", replacement="True")
    cfn = FakeCloudFormation(changes=(replaced,))
    cfn.stacks[STACK] = stack_state(STACK)

    plan = preview(cfn, spec(), wave=1)  # type: ignore[arg-type]

    assert plan.action == "update"
    assert plan.changes == (replaced,)
    assert [d.logical_id for d in plan.dangers] == ["Users"]
    assert "delete_change_set" in cfn.names()
    assert "execute_change_set" not in cfn.names()


def test_an_empty_change_set_plans_unchanged() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK)
    cfn.change_set = ChangeSet(
        "cs", "id", "UPDATE", "FAILED", reason="No updates are to be performed."
    )

    assert preview(cfn, spec(), wave=1).action == "unchanged"  # type: ignore[arg-type]
    assert "delete_change_set" in cfn.names()


# -- delete --------------------------------------------------------------------------------


def test_deleting_a_missing_stack_says_how_to_list_them() -> None:
    with pytest.raises(InputError, match="does not exist") as refused:
        lifecycle.delete(FakeCloudFormation(), STACK, Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert "invoke status" in refused.value.fix


def test_a_stack_whose_exports_are_imported_is_not_deleted() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK)
    cfn.exports_by_stack[STACK] = ["x"]
    cfn.importers_of["x"] = ["other"]

    with pytest.raises(RefusedError):
        lifecycle.delete(cfn, STACK, Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert "delete_stack" not in cfn.names()


def test_a_protected_stack_is_not_deleted() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, termination_protection=True)

    with pytest.raises(RefusedError, match="termination protection"):
        lifecycle.delete(cfn, STACK, Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert "delete_stack" not in cfn.names()


def test_a_delete_not_confirmed_changes_nothing() -> None:
    cfn, reporter = FakeCloudFormation(), Recorder(answer=False)
    cfn.stacks[STACK] = stack_state(STACK)

    with pytest.raises(RefusedError, match="was not deleted"):
        lifecycle.delete(cfn, STACK, reporter, assume_yes=False)  # type: ignore[arg-type]

    assert "Retain" in reporter.questions[0]
    assert "delete_stack" not in cfn.names()


def test_a_delete_names_what_was_retained_and_ends_in_deleted() -> None:
    cfn, reporter = FakeCloudFormation(), Recorder()
    cfn.stacks[STACK] = stack_state(STACK)
    cfn.then["delete"] = Then(None, [resource_event("Users", "DELETE_SKIPPED")])

    lifecycle.delete(cfn, STACK, reporter, assume_yes=True)  # type: ignore[arg-type]

    assert StackNote(STACK, "kept (DeletionPolicy Retain): Users") in reporter.events
    assert reporter.events[-1] == StackOutcome(STACK, "deleted")
    assert STACK not in cfn.stacks


def test_a_failed_delete_names_the_resource_and_its_reason() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK)
    cfn.then["delete"] = Then(
        stack_state(STACK, "DELETE_FAILED"),
        [resource_event("Bucket", "DELETE_FAILED", "The bucket is not empty")],
    )

    with pytest.raises(DeployError, match="could not be deleted") as failed:
        lifecycle.delete(cfn, STACK, Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert failed.value.cause == "Bucket: The bucket is not empty"


# -- recover -------------------------------------------------------------------------------


def stuck(cfn: FakeCloudFormation) -> None:
    cfn.stacks[STACK] = stack_state(STACK, "UPDATE_ROLLBACK_FAILED")
    cfn.stack_events[STACK] = [
        resource_event("Topic", "UPDATE_FAILED", "an earlier failure"),
        resource_event(
            STACK, "UPDATE_ROLLBACK_IN_PROGRESS", resource_type="AWS::CloudFormation::Stack"
        ),
        resource_event("Topic", "UPDATE_FAILED", "cannot roll back"),
        resource_event("Queue", "UPDATE_COMPLETE"),
    ]


def test_recover_refuses_a_stack_that_is_not_stuck() -> None:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, "UPDATE_COMPLETE")

    with pytest.raises(InputError, match="not UPDATE_ROLLBACK_FAILED"):
        lifecycle.recover(cfn, STACK, [], Recorder(), assume_yes=True)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="does not exist"):
        lifecycle.recover(FakeCloudFormation(), STACK, [], Recorder(), assume_yes=True)  # type: ignore[arg-type]


def test_the_failed_resources_are_those_since_the_last_rollback_began() -> None:
    cfn = FakeCloudFormation()
    stuck(cfn)

    failed = lifecycle.failed_resources(cfn.stack_events[STACK])

    assert [(e.logical_id, e.reason) for e in failed] == [("Topic", "cannot roll back")]


def test_recover_refuses_to_skip_a_resource_whose_rollback_did_not_fail() -> None:
    cfn = FakeCloudFormation()
    stuck(cfn)

    with pytest.raises(InputError, match="Queue") as refused:
        lifecycle.recover(cfn, STACK, ["Queue"], Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert refused.value.fix == "skip only: Topic"
    assert "continue_update_rollback" not in cfn.names()


def test_recover_shows_what_failed_then_continues_the_rollback_skipping_as_asked() -> None:
    cfn, reporter = FakeCloudFormation(), Recorder()
    stuck(cfn)

    lifecycle.recover(cfn, STACK, ["Topic"], reporter, assume_yes=False)  # type: ignore[arg-type]

    assert ("continue_update_rollback", STACK, "Topic") in cfn.calls
    assert "skipping Topic" in reporter.questions[0]
    notes = [n.text for n in reporter.of_type(StackNote)]
    assert notes[0] == "Topic (AWS::SNS::Topic) UPDATE_FAILED: cannot roll back"
    assert notes[-1].startswith("rollback completed")


def test_recover_not_confirmed_changes_nothing() -> None:
    cfn = FakeCloudFormation()
    stuck(cfn)

    with pytest.raises(RefusedError):
        lifecycle.recover(cfn, STACK, [], Recorder(answer=False), assume_yes=False)  # type: ignore[arg-type]

    assert "continue_update_rollback" not in cfn.names()


def test_a_rollback_that_fails_again_is_an_error_pointing_at_the_events() -> None:
    cfn = FakeCloudFormation()
    stuck(cfn)
    cfn.then["recover"] = Then(stack_state(STACK, "UPDATE_ROLLBACK_FAILED", status_reason="again"))

    with pytest.raises(DeployError, match="ended in UPDATE_ROLLBACK_FAILED") as failed:
        lifecycle.recover(cfn, STACK, [], Recorder(), assume_yes=True)  # type: ignore[arg-type]

    assert "invoke events" in failed.value.fix
