"""Read a service template's routes and imports, to compare them with the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

_PARAMETER = re.compile(r"<[^>]+>|\{[^}]+\}")


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags kept as ``{"Fn::X": value}`` / ``{"Ref": x}``."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), _CfnLoader)  # noqa: S506 - SafeLoader subclass
    return document


def normalise(path: str) -> str:
    """``/sessions/<session_id>`` and ``/sessions/{id}`` both become ``/sessions/{}``."""
    return _PARAMETER.sub("{}", path)


def template_routes(template: dict[str, Any]) -> set[tuple[str, str]]:
    events = template["Resources"]["ServiceFunction"]["Properties"]["Events"]
    return {
        (event["Properties"]["Method"].upper(), normalise(event["Properties"]["Path"]))
        for event in events.values()
        if event["Type"] == "HttpApi"
    }


def code_routes(app: APIGatewayHttpResolver) -> set[tuple[str, str]]:
    # Powertools keeps its route table in these two lists (no public accessor).
    routes = [*app._static_routes, *app._dynamic_routes]
    return {(route.method.upper(), normalise(route.path)) for route in routes}


def imported_exports(node: Any) -> set[str]:
    """Every ``Fn::ImportValue`` name under ``node``, with ``${Stage}`` left in place."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue":
                name = value.get("Fn::Sub") if isinstance(value, dict) else value
                found.add(str(name))
            else:
                found |= imported_exports(value)
    elif isinstance(node, list):
        for value in node:
            found |= imported_exports(value)
    return found
