"""Reading CloudFormation templates: YAML with the short-form tags, errors with file and line."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ppdeploy import project
from ppdeploy.errors import InputError, TemplateError

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
        """The smallest body to send: the text itself when it fits, else compact JSON.

        One over the TemplateBody limit even then goes by TemplateURL (aws/template_store).
        """
        if len(self.body.encode()) <= MAX_BODY_BYTES:
            return self.body
        return json.dumps(self.document, separators=(",", ":"), sort_keys=True)


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
    """Read and parse the template at ``path`` (a parse is reused while its text is the same)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise TemplateError(
            f"template {path} does not exist",
            fix="check the path, or restore the file from the repository",
        ) from error
    return Template(path=path, body=text, document=parsed(text, path))


def parsed(text: str, path: Path) -> dict[str, Any]:
    """``parse(text, path)``, cached on disk by the SHA-256 of the text.

    Every deploy and plan reads every template of the stage, and parsing YAML is the
    slowest part of a no-op deploy once there are tens of stacks; unpickling the parsed
    form is some thirty times faster. Keyed by content, a cached parse can never be stale;
    only templates that parsed cleanly are cached, so errors always name their line.
    """
    folder = _cache_folder()
    if folder is None:
        return parse(text, path)
    entry = folder / f"{hashlib.sha256(text.encode()).hexdigest()}.pickle"
    try:
        # The engine wrote this file itself, into the checkout's git-ignored state folder.
        document = pickle.loads(entry.read_bytes())  # noqa: S301 - see the line above
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        document = None  # not cached yet, or unreadable: parse again and rewrite it
    if isinstance(document, dict):
        return document
    document = parse(text, path)
    partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        partial.write_bytes(pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(entry)  # atomic: a parallel run never reads half a file
    except OSError:
        partial.unlink(missing_ok=True)  # a read-only state folder only costs speed
    return document


def _cache_folder() -> Path | None:
    """Where parsed templates are kept; None outside a checkout (nothing is cached)."""
    try:
        folder = project.state_dir() / "cache" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
    except (InputError, OSError):
        return None
    return folder
