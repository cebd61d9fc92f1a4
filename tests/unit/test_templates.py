import json
import pickle
from pathlib import Path

import pytest

from ppdeploy import templates
from ppdeploy.errors import TemplateError

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "topic-${Stage}"
      Tags:
        - Key: arn
          Value: !GetAtt Other.Arn
        - Key: subnet
          Value: !Select [0, !Split [",", !ImportValue purposepath-private-subnet-ids-dev]]
        - Key: ref
          Value: !Ref Stage
"""


def test_short_form_tags_become_intrinsics(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE)
    template = templates.load(path)
    props = template.resources["Topic"]["Properties"]
    assert props["TopicName"] == {"Fn::Sub": "topic-${Stage}"}
    tags = {tag["Key"]: tag["Value"] for tag in props["Tags"]}
    assert tags["arn"] == {"Fn::GetAtt": ["Other", "Arn"]}
    assert tags["ref"] == {"Ref": "Stage"}
    assert tags["subnet"] == {
        "Fn::Select": [
            0,
            {"Fn::Split": [",", {"Fn::ImportValue": "purposepath-private-subnet-ids-dev"}]},
        ]
    }
    assert template.is_sam
    assert template.document["AWSTemplateFormatVersion"] == "2010-09-09"  # not a date
    assert template.body == TEMPLATE


def test_yaml_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("Resources:\n  Topic:\n    Type: [unclosed\n")
    with pytest.raises(TemplateError) as caught:
        templates.load(path)
    assert f"{path}:4" in caught.value.what or f"{path}:3" in caught.value.what
    assert "not valid YAML" in caught.value.what


def test_missing_template_is_named(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist"):
        templates.load(tmp_path / "nope.yaml")


def test_document_without_resources_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("just: text\n")
    with pytest.raises(TemplateError, match="no Resources"):
        templates.load(path)


def test_large_body_is_sent_as_compact_json(tmp_path: Path) -> None:
    filler = "\n".join(f"# {'x' * 100}" for _ in range(600))
    path = tmp_path / "t.yaml"
    path.write_text(TEMPLATE + filler)
    template = templates.load(path)
    body = template.body_for_upload()
    assert json.loads(body) == template.document


def test_body_too_large_even_as_json_is_still_compact_json(tmp_path: Path) -> None:
    """The adapter sends such a body by TemplateURL (test_template_store); it stays small."""
    resources = "\n".join(
        f"  Topic{i}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {'t' * 200}"
        for i in range(300)
    )
    path = tmp_path / "t.yaml"
    path.write_text(f"Resources:\n{resources}\n")
    template = templates.load(path)

    body = template.body_for_upload()

    assert len(body) > templates.MAX_BODY_BYTES
    assert json.loads(body) == template.document
    assert ": " not in body


def test_a_parse_is_cached_by_the_text_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n", encoding="utf-8")

    first = templates.load(path)
    (cached,) = (tmp_path / "state" / "cache" / "templates").glob("*.pickle")
    cached.write_bytes(pickle.dumps({"Resources": {"FromCache": {}}}))

    assert set(templates.load(path).resources) == {"FromCache"}  # read from the cache
    path.write_text("Resources:\n  Queue: {Type: AWS::SQS::Queue}\n", encoding="utf-8")
    assert set(templates.load(path).resources) == {"Queue"}  # new text, new parse
    assert set(first.resources) == {"Topic"}


def test_an_unreadable_cache_entry_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  Topic: {Type: AWS::SNS::Topic}\n", encoding="utf-8")
    templates.load(path)
    (cached,) = (tmp_path / "state" / "cache" / "templates").glob("*.pickle")
    cached.write_bytes(b"not a pickle")

    assert set(templates.load(path).resources) == {"Topic"}
    assert pickle.loads(cached.read_bytes()) == templates.load(path).document  # noqa: S301 - written by the test run


def test_a_template_with_an_error_is_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PPDEPLOY_STATE_DIR", str(tmp_path / "state"))
    path = tmp_path / "t.yaml"
    path.write_text("Resources: [unclosed\n", encoding="utf-8")

    with pytest.raises(TemplateError, match=r"t\.yaml:2"):
        templates.load(path)
    assert not list((tmp_path / "state" / "cache" / "templates").glob("*.pickle"))
