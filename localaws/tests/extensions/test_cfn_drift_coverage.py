"""Every resource type the repository's templates make has a drift reader (or is one
CloudFormation never checks): a type without one would answer UNKNOWN and fail every
drift detection of its stack (DETECTION_FAILED)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pplocalaws.extensions.drift import NOT_CHECKED_TYPES
from pplocalaws.resources.drift_readers import READERS

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = [
    ROOT / "shared-infrastructure" / "template.yaml",
    ROOT / "bootstrap" / "template.yaml",
    *sorted((ROOT / "services").glob("*/template*.yaml")),
]
# What the SAM transform makes of the templates' serverless types (AWS SAM Developer
# Guide, "Generated AWS CloudFormation resources for AWS SAM": AWS::Serverless::Function
# with AutoPublishAlias and DeploymentPreference, AWS::Serverless::HttpApi).
SAM_GENERATED = {
    "AWS::Serverless::Function": {
        "AWS::Lambda::Function",
        "AWS::IAM::Role",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::Lambda::Permission",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::CodeDeploy::Application",
        "AWS::CodeDeploy::DeploymentGroup",
    },
    "AWS::Serverless::HttpApi": {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"},
}


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub...) read as plain data."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]  # a MappingNode here


_Loader.add_multi_constructor("!", _tagged)


def _types() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES:
        template = yaml.load(path.read_text(), Loader=_Loader)  # noqa: S506 - SafeLoader subclass
        for resource in template["Resources"].values():
            kind = str(resource["Type"])
            found |= SAM_GENERATED.get(kind, {kind})
    return found


def test_the_templates_are_found() -> None:
    assert len(TEMPLATES) >= 4, TEMPLATES
    assert "AWS::ElastiCache::ReplicationGroup" in _types()


def test_every_type_the_templates_make_is_read_for_drift() -> None:
    unread = sorted(t for t in _types() if t not in READERS and t not in NOT_CHECKED_TYPES)

    assert unread == []
