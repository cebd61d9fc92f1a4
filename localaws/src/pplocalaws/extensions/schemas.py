"""Resource provider schemas: which properties force a replacement, which types exist.

CloudFormation decides Replacement from each type's provider schema: a change to a
``createOnlyProperties`` entry replaces the resource, a change to a
``conditionalCreateOnlyProperties`` entry may. cfn-lint ships those schemas and gives
them out through its schema manager, its interface for them (its files' layout changes
between releases). cfn-lint's import costs ~0.8 s, so it happens on first use, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

_REGION = "us-east-1"


@dataclass(frozen=True)
class ReplacementRules:
    """JSON pointers (``/properties/A/B``) whose change replaces the resource."""

    always: tuple[str, ...] = ()
    conditionally: tuple[str, ...] = ()


@cache
def _manager() -> Any:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # noqa: PLC0415 - slow, first use only

    return PROVIDER_SCHEMA_MANAGER


@cache
def _known_types() -> frozenset[str]:
    return frozenset(_manager().get_resource_types(_REGION))


def is_known_type(resource_type: str) -> bool:
    """Whether CloudFormation knows ``resource_type`` (custom resources always count)."""
    if (
        resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    ):
        return True
    return resource_type in _known_types()


@cache
def replacement_rules(resource_type: str) -> ReplacementRules:
    if not is_known_type(resource_type) or resource_type.startswith("Custom::"):
        return ReplacementRules()
    schema = _manager().get_resource_schema(_REGION, resource_type).schema
    return ReplacementRules(
        always=tuple(schema.get("createOnlyProperties", ())),
        conditionally=tuple(schema.get("conditionalCreateOnlyProperties", ())),
    )
