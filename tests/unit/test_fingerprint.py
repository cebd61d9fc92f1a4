from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.aws.cloudformation import StackState
from ppdeploy.decide import fingerprint
from ppdeploy.model import StackSpec


@pytest.fixture
def spec(tmp_path: Path) -> StackSpec:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n")
    return StackSpec(
        name="s", template=templates.load(path), parameters={"Stage": "dev"}, tags={"a": "1"}
    )


def test_same_inputs_same_fingerprint(spec: StackSpec) -> None:
    assert fingerprint.compute(spec, {"x": "1"}) == fingerprint.compute(spec, {"x": "1"})


@pytest.mark.parametrize(
    "change",
    [
        lambda s: StackSpec(s.name, s.template, {"Stage": "prod"}, s.tags),
        lambda s: StackSpec(s.name, s.template, s.parameters, {"a": "2"}),
        lambda s: StackSpec(s.name, s.template, s.parameters, s.tags, termination_protection=True),
    ],
)
def test_parameters_tags_and_protection_change_it(spec: StackSpec, change) -> None:  # type: ignore[no-untyped-def]
    assert fingerprint.compute(change(spec), {}) != fingerprint.compute(spec, {})


def test_an_imported_value_changes_it(spec: StackSpec) -> None:
    assert fingerprint.compute(spec, {"x": "1"}) != fingerprint.compute(spec, {"x": "2"})


def test_the_fingerprint_tag_itself_is_ignored(spec: StackSpec) -> None:
    value = fingerprint.compute(spec, {})
    assert fingerprint.compute(fingerprint.stamped(spec, value), {}) == value


def test_unchanged_needs_a_settled_stack_with_the_same_tag() -> None:
    state = StackState("s", "id", "UPDATE_COMPLETE", tags={fingerprint.TAG: "abc"})
    assert fingerprint.unchanged(state, "abc")
    assert not fingerprint.unchanged(state, "abd")
    failed = StackState("s", "id", "UPDATE_ROLLBACK_COMPLETE", tags={fingerprint.TAG: "abc"})
    assert not fingerprint.unchanged(failed, "abc")
    assert not fingerprint.unchanged(None, "abc")
