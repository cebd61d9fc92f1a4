"""What every local resource model shares: property access, replacement rules, attributes.

moto calls its CloudFormation models through class methods with the resource's cleaned
JSON (intrinsic functions already resolved). These helpers keep each model small: a model
names its create-only properties and its ``Fn::GetAtt`` table, and the rules for "update in
place or replace" and "keep the replaced resource" live here once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError

from ppdeploy.localaws.extensions import schemas

Properties = dict[str, Any]
_Resource = TypeVar("_Resource")


def properties_of(cloudformation_json: Mapping[str, Any]) -> Properties:
    """The resource's ``Properties`` block (CloudFormation allows it to be absent)."""
    return dict(cloudformation_json.get("Properties") or {})


@functools.cache
def create_only_properties(resource_type: str) -> frozenset[str]:
    """Top-level properties whose change makes CloudFormation replace the resource.

    From the resource provider schemas, the same source the change-set Replacement
    field uses.
    """
    return frozenset(
        pointer.removeprefix("/properties/").split("/")[0]
        for pointer in schemas.replacement_rules(resource_type).always
    )


def requires_replacement(resource_type: str, old: Properties, new: Properties) -> bool:
    """True when a create-only property differs, so CloudFormation replaces the resource."""
    return any(old.get(name) != new.get(name) for name in create_only_properties(resource_type))


def retains_replaced(cloudformation_json: Mapping[str, Any]) -> bool:
    """CloudFormation keeps the old physical resource on replacement with this policy."""
    return cloudformation_json.get("UpdateReplacePolicy") in ("Retain", "Snapshot")


def as_bool(value: Any, default: bool = False) -> bool:
    """CloudFormation passes booleans as JSON booleans or as the strings "true"/"false"."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def tag_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """CloudFormation's ``[{Key, Value}]`` tag list as a mapping."""
    return {tag["Key"]: tag["Value"] for tag in tags or ()}


def require(properties: Properties, name: str, resource_type: str) -> Any:
    """A required property, or CloudFormation's style of error naming it and the fix."""
    if properties.get(name) in (None, ""):
        raise ValidationError(
            message=f"{resource_type}: required property {name} is missing or empty; "
            f"set {name} in the template's Properties"
        )
    return properties[name]


def replace_resource(
    *,
    create: Callable[[], _Resource],
    delete_old: Callable[[], None],
    cloudformation_json: Mapping[str, Any],
) -> _Resource:
    """Replace like CloudFormation: create the new resource first, then remove the old one.

    The old one stays when the template says ``UpdateReplacePolicy: Retain``. A replacement
    that keeps a custom name collides with the old resource and fails in the backend, as
    CloudFormation refuses to replace a custom-named resource.
    """
    replacement = create()
    if not retains_replaced(cloudformation_json):
        delete_old()
    return replacement


class AttributeTable:
    """``Fn::GetAtt`` support from a table of CloudFormation attribute -> Python attribute.

    Mixed into models that are direct subclasses of ``CloudFormationModel`` (moto finds
    models through ``CloudFormationModel.__subclasses__()``, so the mixin stays outside
    that hierarchy).
    """

    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.CFN_ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.CFN_ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.CFN_ATTRIBUTES[attribute_name])

    def is_created(self) -> bool:
        return True
