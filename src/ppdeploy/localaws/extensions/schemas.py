"""Resource provider schemas: which properties force a replacement, which types exist.

CloudFormation decides Replacement from each type's provider schema: a change to a
``createOnlyProperties`` entry replaces the resource, a change to a
``conditionalCreateOnlyProperties`` entry may. cfn-lint ships those schemas (us-east-1
flavour, stored by content hash with an index module per region). We read them straight
from its data directory, without importing cfnlint (its import costs ~0.8 s), and cache
what we read: the schemas never change while the process runs.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_INDEX_REGION = "us_east_1"


@dataclass(frozen=True)
class ReplacementRules:
    """JSON pointers (``/properties/A/B``) whose change replaces the resource."""

    always: tuple[str, ...] = ()
    conditionally: tuple[str, ...] = ()


@cache
def _schema_root() -> Path:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "cfn-lint is not installed; the local AWS reads resource schemas from it "
            "(install the project's dependencies: pip install -e .)"
        )
    return Path(spec.origin).parent / "data" / "schemas"


@cache
def _type_index() -> dict[str, str]:
    """Resource type name -> schema file stem, from cfn-lint's provider index module."""
    index_file = _schema_root() / "providers" / f"{_INDEX_REGION}.py"
    module = ast.parse(index_file.read_text(encoding="utf-8"))
    for statement in module.body:
        target = getattr(statement, "target", None)
        if isinstance(target, ast.Name) and target.id == "types":
            value = ast.literal_eval(statement.value)  # type: ignore[attr-defined]
            return {str(name): str(stem) for name, stem in value.items()}
    raise LookupError(f"no 'types' index in {index_file}; cfn-lint's layout changed")


def is_known_type(resource_type: str) -> bool:
    """Whether CloudFormation knows ``resource_type`` (custom resources always count)."""
    if (
        resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    ):
        return True
    return resource_type in _type_index()


@cache
def replacement_rules(resource_type: str) -> ReplacementRules:
    stem = _type_index().get(resource_type)
    if stem is None:
        return ReplacementRules()
    schema = json.loads((_schema_root() / "resources" / f"{stem}.json").read_text(encoding="utf-8"))
    return ReplacementRules(
        always=tuple(schema.get("createOnlyProperties", ())),
        conditionally=tuple(schema.get("conditionalCreateOnlyProperties", ())),
    )
