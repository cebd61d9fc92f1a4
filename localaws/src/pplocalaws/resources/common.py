"""What every local resource model shares: property access, replacement rules, attributes.

moto calls its CloudFormation models through class methods with the resource's cleaned
JSON (intrinsic functions already resolved). These helpers keep each model small: a model
names its type, its Ref and its ``Fn::GetAtt`` table and says how it creates, updates in
place and deletes; the rules for "update in place or replace" and "keep the replaced
resource" live here once (:class:`LocalModel`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError

from pplocalaws.extensions import schemas

Properties = dict[str, Any]


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


def recreate(
    model: Any,
    original_resource: Any,
    new_resource_name: str,
    cloudformation_json: dict[str, Any],
    account_id: str,
    region_name: str,
) -> Any:
    """Replace like CloudFormation: create the new resource first, then remove the old one.

    ``model``'s own ``create_from_cloudformation_json`` makes the replacement; the old
    resource's ``delete`` removes it, unless the template says ``UpdateReplacePolicy:
    Retain``. A replacement that keeps a custom name collides with the old resource and
    fails in the backend, as CloudFormation refuses to replace a custom-named resource.
    """
    replacement = model.create_from_cloudformation_json(
        new_resource_name, cloudformation_json, account_id, region_name
    )
    if not retains_replaced(cloudformation_json):
        original_resource.delete(account_id, region_name)
    return replacement


class LocalModel:
    """moto's CloudFormation protocol for a model the project writes, around three hooks.

    A model declares its ``RESOURCE_TYPE``, its ``NAME_PROPERTY`` (the property that names
    it, "" when there is none), its ``REF_ATTRIBUTE`` (the attribute holding its physical
    id, which Ref returns) and its ``CFN_ATTRIBUTES``, keeps its template properties in
    ``self.properties``, and implements:

    - :meth:`create`: make the resource from its properties;
    - :meth:`update_in_place`: apply changed properties. An update that changes a
      create-only property (see :meth:`replaced_by`) replaces the resource instead;
    - :meth:`delete_by_physical_id` when its physical id is all a delete needs, otherwise
      ``delete`` itself (moto's stack delete calls the instance's ``delete`` first).

    ``Fn::GetAtt`` reads ``CFN_ATTRIBUTES``, a table of CloudFormation attribute -> Python
    attribute.

    Mixed in before ``CloudFormationModel``: moto finds models through
    ``CloudFormationModel.__subclasses__()``, so the mixin stays outside that hierarchy.
    """

    RESOURCE_TYPE: ClassVar[str]
    NAME_PROPERTY: ClassVar[str] = ""
    REF_ATTRIBUTE: ClassVar[str]
    CFN_ATTRIBUTES: ClassVar[Mapping[str, str]] = {}
    properties: Properties

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.RESOURCE_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @property
    def physical_resource_id(self) -> str:
        physical_id: str = getattr(self, self.REF_ATTRIBUTE)
        return physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.CFN_ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.CFN_ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.CFN_ATTRIBUTES[attribute_name])

    def is_created(self) -> bool:
        return True

    @classmethod
    def create(
        cls, resource_name: str, properties: Properties, account_id: str, region_name: str
    ) -> Self:
        """Create the resource; ``resource_name`` is its physical name (given or generated)."""
        raise NotImplementedError(f"{cls.RESOURCE_TYPE}: {cls.__name__}.create is missing")

    @classmethod
    def replaced_by(cls, old: Properties, new: Properties) -> bool:
        """True when going from ``old`` to ``new`` properties replaces the resource."""
        return requires_replacement(cls.RESOURCE_TYPE, old, new)

    def update_in_place(self, new: Properties, account_id: str, region_name: str) -> None:
        """Apply ``new`` properties to the live resource (``self.properties`` are the old)."""
        raise NotImplementedError(
            f"{self.RESOURCE_TYPE}: {type(self).__name__} cannot update in place"
        )

    @classmethod
    def delete_by_physical_id(cls, physical_id: str, account_id: str, region_name: str) -> None:
        """Delete the resource its physical id names.

        Nothing here: a model whose delete needs more than its id overrides ``delete``, and
        moto's fallback to ``delete_from_cloudformation_json`` then has nothing to do.
        """

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Self:
        return cls.create(
            resource_name, properties_of(cloudformation_json), account_id, region_name
        )

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: Self,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Self:
        new = properties_of(cloudformation_json)
        if cls.replaced_by(original_resource.properties, new):
            replacement: Self = recreate(
                cls,
                original_resource,
                new_resource_name,
                cloudformation_json,
                account_id,
                region_name,
            )
            return replacement
        original_resource.update_in_place(new, account_id, region_name)
        original_resource.properties = new
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        # moto's fallback when ``delete`` fails; resource_name is then the physical id.
        cls.delete_by_physical_id(resource_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        self.delete_by_physical_id(self.physical_resource_id, account_id, region_name)
