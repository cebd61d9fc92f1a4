from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.decide import graph
from ppdeploy.errors import InputError
from ppdeploy.model import StackSpec

EXPORTER = """\
Parameters:
  Stage: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  TopicArn:
    Value: !Ref Topic
    Export:
      Name: !Sub "purposepath-topic-arn-${Stage}"
"""

IMPORTER = """\
Parameters:
  Stage: {Type: String}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !ImportValue
        Fn::Sub: "purposepath-topic-arn-${Stage}"
"""


def spec(tmp_path: Path, name: str, text: str, stage: str = "dev") -> StackSpec:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return StackSpec(name=name, template=templates.load(path), parameters={"Stage": stage})


def test_imports_and_exports_are_resolved_for_the_stage(tmp_path: Path) -> None:
    assert graph.exports_of(spec(tmp_path, "a", EXPORTER, "prod")) == {"purposepath-topic-arn-prod"}
    assert graph.imports_of(spec(tmp_path, "b", IMPORTER, "prod")) == {"purposepath-topic-arn-prod"}


def test_waves_follow_imports(tmp_path: Path) -> None:
    second = IMPORTER.replace("Queue:", "Other:")
    stacks = [
        spec(tmp_path, "b", IMPORTER),
        spec(tmp_path, "a", EXPORTER),
        spec(tmp_path, "c", second),
    ]
    assert graph.build(stacks).waves() == [["a"], ["b", "c"]]


def test_an_import_nothing_exports_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        graph.build([spec(tmp_path, "b", IMPORTER)])
    assert "purposepath-topic-arn-dev" in caught.value.what
    assert "b.yaml" in caught.value.what


def test_an_already_deployed_export_satisfies_an_import(tmp_path: Path) -> None:
    built = graph.build(
        [spec(tmp_path, "b", IMPORTER)], existing_exports=["purposepath-topic-arn-dev"]
    )
    assert built.waves() == [["b"]]


def with_import(text: str, name: str) -> str:
    queue = (
        f"  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !ImportValue {name}\n"
    )
    return text.replace("Resources:\n", "Resources:\n" + queue)


def test_a_cycle_is_refused(tmp_path: Path) -> None:
    b_text = with_import(
        EXPORTER.replace("purposepath-topic-arn", "purposepath-b-arn"), "purposepath-topic-arn-dev"
    )
    a_text = with_import(EXPORTER, "purposepath-b-arn-dev")
    with pytest.raises(InputError, match="cycle"):
        graph.build([spec(tmp_path, "a", a_text), spec(tmp_path, "b", b_text)]).waves()


def test_an_unresolvable_name_is_refused(tmp_path: Path) -> None:
    text = IMPORTER.replace("${Stage}", "${AWS::Region}")
    with pytest.raises(InputError, match="AWS::Region"):
        graph.imports_of(spec(tmp_path, "b", text))


def test_the_repository_stage_orders_shared_first() -> None:
    root = Path(__file__).resolve().parents[2]
    specs = [
        StackSpec(
            name="shared",
            template=templates.load(root / "shared-infrastructure/template.yaml"),
            parameters={"Stage": "dev"},
        )
    ]
    for template in sorted(root.glob("services/*/template*.yaml")):
        if "dotnet" in template.name:
            continue
        specs.append(
            StackSpec(
                name=template.parent.name,
                template=templates.load(template),
                parameters={"Stage": "dev"},
            )
        )
    waves = graph.build(specs).waves()
    assert waves[0] == ["shared"]
    assert len(waves) == 2
