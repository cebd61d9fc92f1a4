"""The guards' decision tables, on change set and stack records built here.

Stateful guard, per resource change of a stateful type:

| action / replacement / policy action | danger            |
|--------------------------------------|-------------------|
| Remove                               | removed           |
| Modify, replacement True             | replaced          |
| Modify, replacement Conditional      | possibly replaced |
| Modify, policy action Delete         | deleted           |
| Modify, replacement False            | none              |
| any change of a stateless type       | none              |

Export guard: an export dropped or redefined is refused only while another stack imports
it; a delete is refused while any export of the stack is imported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import ChangeSet, ResourceChange
from ppdeploy.decide import guard
from ppdeploy.errors import RefusedError
from ppdeploy.model import StackSpec
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

STACK = "purposepath-shared-infrastructure-dev"
TABLE = "AWS::DynamoDB::Table"


def change_set(*changes: ResourceChange) -> ChangeSet:
    return ChangeSet("cs", "id", "UPDATE", "CREATE_COMPLETE", changes=changes)


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (ResourceChange("Remove", "Users", TABLE), "removed"),
        (ResourceChange("Modify", "Users", TABLE, replacement="True"), "replaced"),
        (ResourceChange("Modify", "Users", TABLE, replacement="Conditional"), "possibly replaced"),
        (ResourceChange("Modify", "Users", TABLE, policy_action="Delete"), "deleted"),
        (ResourceChange("Modify", "Users", TABLE, policy_action="ReplaceAndDelete"), "deleted"),
    ],
)
def test_each_way_of_losing_a_stateful_resource_is_a_danger(
    change: ResourceChange, what: str
) -> None:
    (danger,) = guard.dangers(change_set(change))

    assert (danger.logical_id, danger.what) == ("Users", what)


@pytest.mark.parametrize(
    "change",
    [
        ResourceChange("Modify", "Users", TABLE, replacement="False"),
        ResourceChange("Add", "Users", TABLE),
        ResourceChange("Remove", "Function", "AWS::Lambda::Function"),
        ResourceChange("Modify", "Role", "AWS::IAM::Role", replacement="True"),
    ],
)
def test_in_place_changes_and_stateless_resources_are_no_danger(change: ResourceChange) -> None:
    assert guard.dangers(change_set(change)) == []


def test_every_stateful_type_is_guarded() -> None:
    for resource_type in guard.STATEFUL_TYPES:
        removed = ResourceChange("Remove", "X", resource_type)
        assert guard.dangers(change_set(removed)), resource_type


def test_a_replacement_names_the_properties_that_force_it() -> None:
    change = ResourceChange(
        "Modify",
        "Users",
        TABLE,
        replacement="True",
        details=(
            {"Target": {"Name": "TableName", "RequiresRecreation": "Always"}},
            {"Target": {"Name": "KeySchema", "RequiresRecreation": "Conditionally"}},
            {"Target": {"Name": "BillingMode", "RequiresRecreation": "Never"}},
        ),
    )

    (danger,) = guard.dangers(change_set(change))

    assert danger.because == "a change to TableName, KeySchema requires a new resource"


def test_the_stateful_guard_refuses_what_is_not_allowed_by_its_logical_id() -> None:
    found = change_set(
        ResourceChange("Remove", "Users", TABLE),
        ResourceChange("Remove", "Logs", "AWS::Logs::LogGroup"),
    )

    with pytest.raises(RefusedError) as refused:
        guard.check_stateful(STACK, found, allowed={"Users"})

    assert "Logs" in refused.value.cause
    assert "Users" not in refused.value.cause
    assert refused.value.fix.endswith("--allow-replace Logs")


def test_the_stateful_guard_returns_the_dangers_it_let_through() -> None:
    found = change_set(ResourceChange("Remove", "Users", TABLE))

    (allowed,) = guard.check_stateful(STACK, found, allowed={"Users"})

    assert allowed.logical_id == "Users"


DEPLOYED = """
Parameters:
  Stage: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export: {Name: !Sub "purposepath-topic-${Stage}"}
  TopicName:
    Value: !GetAtt Topic.TopicName
    Export: {Name: !Sub "purposepath-topic-name-${Stage}"}
"""


def spec_of(body: str) -> StackSpec:
    template = templates.Template(Path("t.yaml"), body, templates.parse(body, Path("t.yaml")))
    return StackSpec(STACK, template, parameters={"Stage": "dev"})


def deployed_cfn() -> FakeCloudFormation:
    cfn = FakeCloudFormation()
    cfn.stacks[STACK] = stack_state(STACK, parameters={"Stage": "dev"})
    cfn.templates[STACK] = DEPLOYED
    return cfn


def test_export_changes_name_each_export_dropped_or_redefined() -> None:
    arn_output = (
        "  TopicArn:\n    Value: !Ref Topic\n"
        '    Export: {Name: !Sub "purposepath-topic-${Stage}"}\n'
    )
    changed = DEPLOYED.replace("Value: !GetAtt Topic.TopicName", "Value: other")
    changed = changed.replace(arn_output, "")

    assert guard.export_changes(deployed_cfn(), spec_of(changed)) == {  # type: ignore[arg-type]
        "purposepath-topic-dev": "dropped",
        "purposepath-topic-name-dev": "redefined",
    }


def test_an_unchanged_template_changes_no_export() -> None:
    assert guard.export_changes(deployed_cfn(), spec_of(DEPLOYED)) == {}  # type: ignore[arg-type]


def test_a_stack_not_deployed_yet_changes_no_export() -> None:
    assert guard.export_changes(FakeCloudFormation(), spec_of(DEPLOYED)) == {}  # type: ignore[arg-type]


def test_dropping_an_export_nobody_imports_is_allowed() -> None:
    guard.check_exports(deployed_cfn(), spec_of("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"))  # type: ignore[arg-type]


def test_dropping_an_imported_export_is_refused_naming_the_importers() -> None:
    cfn = deployed_cfn()
    cfn.importers_of["purposepath-topic-name-dev"] = ["b-stack", "a-stack"]

    with pytest.raises(RefusedError, match="breaks exports") as refused:
        guard.check_exports(cfn, spec_of("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n"))  # type: ignore[arg-type]

    assert refused.value.cause == (
        "purposepath-topic-name-dev would be dropped, but a-stack, b-stack import(s) it"
    )


def test_deleting_a_stack_whose_exports_are_imported_is_refused() -> None:
    cfn = deployed_cfn()
    cfn.exports_by_stack[STACK] = ["purposepath-topic-dev", "purposepath-topic-name-dev"]
    cfn.importers_of["purposepath-topic-dev"] = ["purposepath-coaching-api-dev"]

    with pytest.raises(RefusedError, match=f"refused to delete {STACK}") as refused:
        guard.check_delete(cfn, STACK)  # type: ignore[arg-type]

    assert (
        refused.value.cause == "purposepath-topic-dev is imported by purposepath-coaching-api-dev"
    )


def test_deleting_a_stack_nobody_imports_from_or_a_missing_one_is_allowed() -> None:
    cfn = deployed_cfn()
    cfn.exports_by_stack[STACK] = ["purposepath-topic-dev"]

    guard.check_delete(cfn, STACK)  # type: ignore[arg-type]
    guard.check_delete(cfn, "no-such-stack")  # type: ignore[arg-type]
