"""Narrow, idempotent patches on moto's own CloudFormation models.

Where moto already models a type but ignores properties or lacks a hook, the service
module adds exactly the missing step through these helpers instead of replacing moto's
model. Each helper records what it patched, so importing a module twice (or ``register()``
running twice) never stacks a wrapper on a wrapper.

moto's objects do not keep the template's properties, which an update needs to tell what
changed: :func:`recording` notes them on the object, :func:`recorded_properties` reads
them back, and :func:`set_update_in_place` builds the usual "replace, or update in place"
handler on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pplocalaws.resources.common import Properties, properties_of, recreate
from pplocalaws.seams import set_model_create, set_model_delete, set_model_update

AfterCreate = Callable[[Any, Properties, str, str], None]
"""Called with (created moto object, cleaned properties, account id, region)."""

BeforeCreate = Callable[[str, Properties, str, str], None]
"""Called with (physical name, cleaned properties, account id, region) before a create."""

Replaces = Callable[[Properties, Properties], bool]
"""Called with (old, new) properties: True when the change replaces the resource."""

UpdateInPlace = Callable[[Any, Properties, Properties, str, str], None]
"""Called with (moto object, old properties, new properties, account id, region)."""

Update = Callable[..., Any]
Delete = Callable[[Any, str, str], None]

_applied: set[tuple[type, str]] = set()
# Our note on moto's objects: the template properties they were last created/updated with.
_PROPERTIES_NOTE = "_ppdeploy_properties"


def _first_time(model: type, hook: str) -> bool:
    key = (model, hook)
    if key in _applied:
        return False
    _applied.add(key)
    return True


def extend_create(model: type, after_create: AfterCreate) -> None:
    """Run ``after_create`` on what moto's ``create_from_cloudformation_json`` made."""
    if not _first_time(model, "create"):
        return

    def create(
        cls: type,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        resource = moto_create(
            resource_name, cloudformation_json, account_id, region_name, **kwargs
        )
        after_create(resource, properties_of(cloudformation_json), account_id, region_name)
        return resource

    moto_create = set_model_create(model, create)


def check_before_create(model: type, check: BeforeCreate, hook: str = "check") -> None:
    """Run ``check`` before the model's create: it raises to refuse the create.

    ``hook`` names the check, so two modules can each add one to the same model.
    """
    if not _first_time(model, hook):
        return

    def create(
        cls: type,
        /,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Any:
        check(resource_name, properties_of(cloudformation_json), account_id, region_name)
        return model_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)

    model_create = set_model_create(model, create)


def extend_update(model: type, after_update: AfterCreate) -> None:
    """Run ``after_update`` on what moto's own ``update_from_cloudformation_json`` returns."""
    if not _first_time(model, "update"):
        return

    def update(
        cls: type,
        /,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        resource = moto_update(
            original_resource=original_resource,
            new_resource_name=new_resource_name,
            cloudformation_json=cloudformation_json,
            account_id=account_id,
            region_name=region_name,
        )
        after_update(resource, properties_of(cloudformation_json), account_id, region_name)
        return resource

    moto_update = set_model_update(model, update)


def set_update(model: type, update: Update) -> None:
    """Give a moto model the update handler it lacks (moto drops such resources on Modify)."""
    if _first_time(model, "update"):
        set_model_update(model, update)


def set_delete(model: type, delete: Delete) -> None:
    """Give a moto model the ``delete(account_id, region)`` moto's stack delete calls first."""
    if _first_time(model, "delete"):
        set_model_delete(model, delete)


def record_properties(resource: Any, properties: Properties) -> None:
    """Note the template ``properties`` on moto's object, for the next update to diff."""
    setattr(resource, _PROPERTIES_NOTE, properties)


def recorded_properties(resource: Any, default: Properties | None = None) -> Properties:
    """The properties :func:`record_properties` noted; ``default`` (or none) before that."""
    recorded: Properties = getattr(resource, _PROPERTIES_NOTE, {} if default is None else default)
    return recorded


def recording(after: AfterCreate | None = None) -> AfterCreate:
    """``after`` (when given), then :func:`record_properties`: for extend_create/update."""

    def after_then_record(
        resource: Any, properties: Properties, account_id: str, region: str
    ) -> None:
        if after is not None:
            after(resource, properties, account_id, region)
        record_properties(resource, properties)

    return after_then_record


def set_update_in_place(
    model: type,
    *,
    replaces: Replaces,
    update_in_place: UpdateInPlace,
    after_create: AfterCreate | None = None,
) -> None:
    """Give a moto model an update that diffs the template's properties, as CloudFormation.

    Creates record their properties (after ``after_create``, when given). An update whose
    change ``replaces`` the resource creates a new one and deletes the old one (see
    ``common.recreate``); any other runs ``update_in_place`` on moto's object.
    """
    extend_create(model, recording(after_create))

    def update(
        cls: type,
        original_resource: Any,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> Any:
        new = properties_of(cloudformation_json)
        old = recorded_properties(original_resource)
        if replaces(old, new):
            return recreate(
                cls,
                original_resource,
                new_resource_name,
                cloudformation_json,
                account_id,
                region_name,
            )
        update_in_place(original_resource, old, new, account_id, region_name)
        record_properties(original_resource, new)
        return original_resource

    set_update(model, update)
