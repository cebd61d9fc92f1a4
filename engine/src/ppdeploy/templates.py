"""Reading CloudFormation templates: YAML with the short-form tags, errors with file and line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ppdeploy.errors import TemplateError

# CloudFormation refuses a TemplateBody over this size; larger bodies go by S3 URL.
MAX_BODY_BYTES = 51_200


# libyaml's C loader (in PyYAML's wheels) parses the templates ~8x faster than the pure
# Python one, and a no-op deploy reads every template.
class _CfnLoader(yaml.CSafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}`` and ``!Sub`` into ``Fn::Sub``."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(
            None, None, f"unexpected !{suffix}", node.start_mark
        )
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        resource, _, attribute = value.partition(".")
        return {"Fn::GetAtt": [resource, attribute]}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)
# Dates stay strings: CloudFormation treats "2010-09-09" as text, not a date.
_CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Template:
    """A template as read from disk: its text (sent to CloudFormation) and its parsed form."""

    path: Path
    body: str
    document: dict[str, Any]

    @property
    def parameters(self) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("Parameters") or {})

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("Resources") or {})

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return dict(self.document.get("Outputs") or {})

    @property
    def is_sam(self) -> bool:
        transform = self.document.get("Transform")
        names = transform if isinstance(transform, list) else [transform]
        return "AWS::Serverless-2016-10-31" in names

    def body_for_upload(self) -> str:
        """The body CloudFormation accepts: the text itself, or compact JSON when that fits."""
        if len(self.body.encode()) <= MAX_BODY_BYTES:
            return self.body
        compact = json.dumps(self.document, separators=(",", ":"), sort_keys=True)
        if len(compact.encode()) <= MAX_BODY_BYTES:
            return compact
        raise TemplateError(
            f"template {self.path} is {len(compact.encode())} bytes even as compact JSON",
            cause=f"CloudFormation accepts a template body of at most {MAX_BODY_BYTES} bytes",
            fix="split the template or move repeated parts into mappings",
        )


def parse(text: str, path: Path) -> dict[str, Any]:
    """Parse template text; a YAML error names the file, line and column."""
    try:
        document = yaml.load(text, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise TemplateError(
            f"template {where} is not valid YAML",
            cause=" ".join(str(part) for part in (error.context, error.problem) if part),
            fix="correct the YAML at that line",
        ) from error
    except yaml.YAMLError as error:
        raise TemplateError(f"template {path} is not valid YAML", cause=str(error)) from error
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError(
            f"template {path} has no Resources section",
            cause="a CloudFormation template is a mapping with at least Resources",
            fix="check that the path names a CloudFormation template",
        )
    return document


def load(path: Path) -> Template:
    """Read and parse the template at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise TemplateError(
            f"template {path} does not exist",
            fix="check the path, or restore the file from the repository",
        ) from error
    return Template(path=path, body=text, document=parse(text, path))
