"""deploy_stack's decisions, one row of its table per test, against the fake adapter.

| the stack now                  | the change set       | what happens                    |
|--------------------------------|----------------------|---------------------------------|
| none                           | computed             | CREATE, executed: created       |
| same fingerprint               | (none made)          | unchanged, no change set        |
| same fingerprint, --force      | computed             | UPDATE, executed: updated       |
| settled                        | empty                | deleted: unchanged              |
| settled                        | FAILED, not empty    | deleted, DeployError            |
| none                           | FAILED               | change set and empty stack gone |
| settled                        | stateful danger      | refused unless allowed by id    |
| settled                        | not approved         | refused, change set deleted     |
| *_IN_PROGRESS                  | -                    | waited for, then deployed       |
| ROLLBACK_COMPLETE (never made) | -                    | deleted, then created           |
| UPDATE_ROLLBACK_FAILED         | -                    | DeployError naming `recover`    |
| settled                        | executes, rolls back | error: first cause              |
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import ChangeSet, ResourceChange
from ppdeploy.decide import fingerprint
from ppdeploy.errors import DeployError, RefusedError
from ppdeploy.events import ChangeSetComputed, Recorder, ResourceEvent, StackNote, StackOutcome
from ppdeploy.model import StackSpec
from ppdeploy.workflows.stack_deploy import deploy_stack, stack_policy
from tests.unit.fake_cloudformation import FakeCloudFormation, Then, resource_event, stack_state

STACK = "purposepath-coaching-api-dev"
TEMPLATE = """
Parameters:
  Stage: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export: {Name: !Sub "purposepath-topic-${Stage}"}
"""
TABLE_REPLACED = ResourceChange(
    "Modify",
    "UsersTable",
    "AWS::DynamoDB::Table",
    replacement="True",
    details=({"Target": {"Name": "TableName", "RequiresRecreation": "Always"}},),
)


def spec(**changes: object) -> StackSpec:
    template = templates.Template(
        Path("t.yaml"), TEMPLATE, templates.parse(TEMPLATE, Path("t.yaml"))
    )
    base = StackSpec(STACK, template, parameters={"Stage": "dev"}, tags={"team": "x"})
    return StackSpec(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def fingerprint_of(wanted: StackSpec, cfn: FakeCloudFormation) -> str:
    return fingerprint.stamp(cfn, wanted).tags[fingerprint.TAG]  # type: ignore[arg-type]


def deployed(cfn: FakeCloudFormation, status: str = "UPDATE_COMPLETE", **fields: object) -> None:
    fields.setdefault("parameters", {"Stage": "dev"})
    cfn.stacks[STACK] = stack_state(STACK, status, **fields)  # type: ignore[arg-type]
    cfn.templates[STACK] = TEMPLATE


def approve_all(*_: object) -> bool:
    return True


def test_a_new_stack_is_created_through_a_create_change_set() -> None:
    cfn, reporter = (
        FakeCloudFormation(changes=(ResourceChange("Add", "Topic", "AWS::SNS::Topic"),)),
        Recorder(),
    )
    cfn.then["execute"] = Then(
        stack_state(STACK, "CREATE_COMPLETE", outputs={"TopicArn": "arn:topic"}),
        [resource_event("Topic", "CREATE_COMPLETE")],
    )

    result = deploy_stack(cfn, spec(), reporter, approve=approve_all)  # type: ignore[arg-type]

    assert (result.outcome, result.outputs) == ("created", {"TopicArn": "arn:topic"})
    assert ("create_change_set", STACK, "CREATE") in cfn.calls
    assert ("execute_change_set", STACK) in cfn.calls
    assert [type(e) for e in reporter.events] == [ChangeSetComputed, ResourceEvent, StackOutcome]
    assert reporter.events[-1] == StackOutcome(STACK, "created", result.seconds)
    # A failed first create must delete what it made, Retain included, so a retry can work.
    assert cfn.retain_except_on_create[STACK] is True


def test_a_matching_fingerprint_skips_the_stack_without_a_change_set() -> None:
    cfn, reporter = FakeCloudFormation(), Recorder()
    deployed(cfn, tags={fingerprint.TAG: fingerprint_of(spec(), FakeCloudFormation())})

    result = deploy_stack(cfn, spec(), reporter, approve=approve_all)  # type: ignore[arg-type]

    assert result.outcome == "unchanged"
    assert "create_change_set" not in cfn.names()
    assert reporter.of_type(StackOutcome) == [StackOutcome(STACK, "unchanged", result.seconds)]


def test_a_matching_fingerprint_on_a_failed_stack_is_deployed_again() -> None:
    cfn = FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),))
    value = fingerprint_of(spec(), FakeCloudFormation())
    deployed(cfn, "UPDATE_ROLLBACK_COMPLETE", tags={fingerprint.TAG: value})

    result = deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert result.outcome == "updated"


def test_force_makes_a_change_set_even_when_the_fingerprint_matches() -> None:
    cfn = FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),))
    deployed(cfn, tags={fingerprint.TAG: fingerprint_of(spec(), FakeCloudFormation())})

    result = deploy_stack(cfn, spec(), Recorder(), approve=approve_all, force=True)  # type: ignore[arg-type]

    assert result.outcome == "updated"
    assert ("create_change_set", STACK, "UPDATE") in cfn.calls


def test_lint_runs_only_when_a_change_set_is_about_to_be_made() -> None:
    linted: list[str] = []
    cfn = FakeCloudFormation()
    deployed(cfn, tags={fingerprint.TAG: fingerprint_of(spec(), FakeCloudFormation())})

    deploy_stack(
        cfn, spec(), Recorder(), approve=approve_all, precheck=lambda s: linted.append(s.name)
    )  # type: ignore[arg-type]
    assert linted == []

    deploy_stack(
        cfn,
        spec(),
        Recorder(),
        approve=approve_all,
        force=True,
        precheck=lambda s: linted.append(s.name),
    )  # type: ignore[arg-type]
    assert linted == [STACK]


def test_an_empty_change_set_is_deleted_and_the_stack_is_unchanged() -> None:
    cfn = FakeCloudFormation()
    deployed(cfn, outputs={"TopicArn": "arn:topic"})
    cfn.change_set = ChangeSet(
        "cs-empty",
        "id",
        "UPDATE",
        "FAILED",
        reason="The submitted information didn't contain changes.",
    )

    result = deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert (result.outcome, result.outputs) == ("unchanged", {"TopicArn": "arn:topic"})
    assert ("delete_change_set", "cs-empty") in cfn.calls
    assert "execute_change_set" not in cfn.names()


def test_a_change_set_cloudformation_cannot_compute_is_an_error_naming_its_reason() -> None:
    cfn = FakeCloudFormation()
    deployed(cfn)
    cfn.change_set = ChangeSet("cs-bad", "id", "UPDATE", "FAILED", reason="Template format error")

    with pytest.raises(DeployError, match="could not compute") as failed:
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert failed.value.cause == "Template format error"
    assert ("delete_change_set", "cs-bad") in cfn.calls
    assert "delete_stack" not in cfn.names()  # an existing stack is kept


def test_a_failed_create_change_set_leaves_no_empty_stack_behind() -> None:
    cfn = FakeCloudFormation()
    cfn.change_set = ChangeSet("cs-bad", "id", "CREATE", "FAILED", reason="Unresolved resource")

    with pytest.raises(DeployError):
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert ("delete_stack", STACK) in cfn.calls  # the REVIEW_IN_PROGRESS shell


def test_replacing_a_stateful_resource_is_refused_and_nothing_runs() -> None:
    cfn = FakeCloudFormation(changes=(TABLE_REPLACED,))
    deployed(cfn)

    with pytest.raises(RefusedError, match="stateful") as refused:
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert "--allow-replace UsersTable" in refused.value.fix
    assert "TableName" in refused.value.cause
    assert "execute_change_set" not in cfn.names()
    assert "delete_change_set" in cfn.names()


def test_an_allowed_replacement_runs_with_the_stack_policy_lifted_for_that_id_only() -> None:
    base_policy = json.dumps(
        {
            "Statement": [
                {"Effect": "Deny", "Action": "Update:Replace", "Principal": "*", "Resource": "*"}
            ]
        }
    )
    cfn, reporter = FakeCloudFormation(changes=(TABLE_REPLACED,)), Recorder()
    deployed(cfn)

    result = deploy_stack(  # type: ignore[arg-type]
        cfn,
        spec(stack_policy=base_policy),
        reporter,
        approve=approve_all,
        allow_replace=frozenset({"UsersTable"}),
    )

    assert result.outcome == "updated"
    lifted, restored = (policy for _, policy in cfn.policies)
    assert json.loads(lifted)["Statement"][0]["NotResource"] == ["LogicalResourceId/UsersTable"]
    assert restored == base_policy
    notes = [n.text for n in reporter.of_type(StackNote)]
    assert any(n.startswith("explicitly allowed: UsersTable") for n in notes)


def test_a_change_not_approved_is_refused_and_its_change_set_deleted() -> None:
    cfn = FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),))
    deployed(cfn)

    with pytest.raises(RefusedError, match="not approved"):
        deploy_stack(cfn, spec(), Recorder(), approve=lambda *_: False)  # type: ignore[arg-type]

    assert "execute_change_set" not in cfn.names()
    assert "delete_change_set" in cfn.names()


def test_dropping_an_imported_export_is_refused_naming_the_importer() -> None:
    cfn = FakeCloudFormation(changes=(ResourceChange("Remove", "Topic", "AWS::SNS::Topic"),))
    deployed(cfn, parameters={"Stage": "dev"})
    cfn.importers_of["purposepath-topic-dev"] = ["purposepath-traction-api-dev"]
    without_export = "Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"
    template = templates.Template(
        Path("t.yaml"), without_export, templates.parse(without_export, Path("t.yaml"))
    )

    with pytest.raises(RefusedError, match="breaks exports") as refused:
        deploy_stack(cfn, spec(template=template), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert "purposepath-traction-api-dev" in refused.value.cause
    assert "execute_change_set" not in cfn.names()


def test_a_stack_in_progress_is_waited_for_before_anything_else() -> None:
    cfn, reporter = (
        FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),)),
        Recorder(),
    )
    deployed(cfn, "UPDATE_IN_PROGRESS")
    cfn.then["settle"] = Then(stack_state(STACK, "UPDATE_COMPLETE", parameters={"Stage": "dev"}))

    result = deploy_stack(cfn, spec(), reporter, approve=approve_all)  # type: ignore[arg-type]

    assert result.outcome == "updated"
    assert cfn.names().index("wait") < cfn.names().index("create_change_set")
    assert (
        StackNote(STACK, "UPDATE_IN_PROGRESS: waiting for it to finish", "warn") in reporter.events
    )


def test_a_stack_that_never_finished_creating_is_deleted_then_created() -> None:
    cfn, reporter = FakeCloudFormation(), Recorder()
    deployed(cfn, "ROLLBACK_COMPLETE")

    result = deploy_stack(cfn, spec(), reporter, approve=approve_all)  # type: ignore[arg-type]

    assert result.outcome == "created"
    assert cfn.names()[:2] == ["delete_stack", "wait"]
    assert ("create_change_set", STACK, "CREATE") in cfn.calls
    assert any(
        "never finished creating (ROLLBACK_COMPLETE)" in n.text for n in reporter.of_type(StackNote)
    )


def test_a_never_created_stack_that_cannot_be_deleted_is_an_error() -> None:
    cfn = FakeCloudFormation()
    deployed(cfn, "ROLLBACK_COMPLETE")
    cfn.then["delete"] = Then(stack_state(STACK, "DELETE_FAILED", status_reason="bucket not empty"))

    with pytest.raises(DeployError, match="could not be deleted") as failed:
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert failed.value.cause == "bucket not empty"
    assert "create_change_set" not in cfn.names()


def test_a_stack_stuck_in_update_rollback_failed_points_at_recover() -> None:
    cfn = FakeCloudFormation()
    deployed(cfn, "UPDATE_ROLLBACK_FAILED")

    with pytest.raises(DeployError, match="UPDATE_ROLLBACK_FAILED") as failed:
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert f"invoke recover --stack {STACK}" in failed.value.fix
    assert "create_change_set" not in cfn.names()


def test_an_update_that_rolls_back_names_the_first_cause_not_the_cancellations() -> None:
    cfn = FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),))
    deployed(cfn)
    cfn.then["execute"] = Then(
        stack_state(STACK, "UPDATE_ROLLBACK_COMPLETE"),
        [
            resource_event("Queue", "UPDATE_FAILED", "Resource update cancelled"),
            resource_event("Topic", "UPDATE_FAILED", "Invalid parameter: DisplayName"),
        ],
    )

    with pytest.raises(DeployError, match="ended in UPDATE_ROLLBACK_COMPLETE") as failed:
        deploy_stack(cfn, spec(), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert failed.value.cause.startswith("Topic (AWS::SNS::Topic) UPDATE_FAILED: Invalid parameter")


def test_termination_protection_is_turned_on_after_a_create_that_wants_it() -> None:
    cfn = FakeCloudFormation()

    deploy_stack(cfn, spec(termination_protection=True), Recorder(), approve=approve_all)  # type: ignore[arg-type]

    assert ("set_termination_protection", STACK, "True") in cfn.calls


def test_a_stack_policy_lifts_deny_statements_for_the_permitted_ids_only() -> None:
    base = json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Action": "Update:*", "Resource": "*"},
                {"Effect": "Deny", "Action": "Update:Replace", "Resource": "*"},
            ]
        }
    )

    allow, deny = json.loads(stack_policy(base, ["UsersTable"]))["Statement"]

    assert allow == {"Effect": "Allow", "Action": "Update:*", "Resource": "*"}
    assert deny["NotResource"] == ["LogicalResourceId/UsersTable"]
    assert "Resource" not in deny


def test_an_update_keeps_retain_on_rollback() -> None:
    cfn, reporter = (
        FakeCloudFormation(changes=(ResourceChange("Modify", "Topic", "AWS::SNS::Topic"),)),
        Recorder(),
    )
    deployed(cfn)

    deploy_stack(cfn, spec(parameters={"Stage": "dev", "X": "y"}), reporter, approve=approve_all)  # type: ignore[arg-type]

    assert ("create_change_set", STACK, "UPDATE") in cfn.calls
    assert cfn.retain_except_on_create[STACK] is False
