"""Narrow, idempotent patches on moto's own CloudFormation models.

Where moto already models a type but ignores properties or lacks a hook, the service
module adds exactly the missing step through these helpers instead of replacing moto's
model. Each helper records what it patched, so importing a module twice (or ``register()``
running twice) never stacks a wrapper on a wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ppdeploy.localaws.resources.common import Properties, properties_of

AfterCreate = Callable[[Any, Properties, str, str], None]
"""Called with (created moto object, cleaned properties, account id, region)."""

Update = Callable[..., Any]
Delete = Callable[[Any, str, str], None]

_applied: set[tuple[type, str]] = set()


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
    moto_create = model.create_from_cloudformation_json  # type: ignore[attr-defined]  # moto model classmethod

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

    model.create_from_cloudformation_json = classmethod(create)  # type: ignore[attr-defined]  # patching moto's model


def extend_update(model: type, after_update: AfterCreate) -> None:
    """Run ``after_update`` on what moto's own ``update_from_cloudformation_json`` returns."""
    if not _first_time(model, "update"):
        return
    moto_update = model.update_from_cloudformation_json  # type: ignore[attr-defined]  # moto model classmethod

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

    model.update_from_cloudformation_json = classmethod(update)  # type: ignore[attr-defined]  # patching moto's model


def set_update(model: type, update: Update) -> None:
    """Give a moto model the update handler it lacks (moto drops such resources on Modify)."""
    if _first_time(model, "update"):
        model.update_from_cloudformation_json = classmethod(update)  # type: ignore[attr-defined]  # patching moto's model


def set_delete(model: type, delete: Delete) -> None:
    """Give a moto model the ``delete(account_id, region)`` moto's stack delete calls first."""
    if _first_time(model, "delete"):
        model.delete = delete  # type: ignore[attr-defined]  # patching moto's model
