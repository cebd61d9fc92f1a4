"""Resource types the local AWS cannot create fail the deploy instead of being skipped.

moto's ``parsing.resource_class_from_type`` returns None for a type without a model; the
resource is then skipped with a warning, its Ref becomes None and the stack still reaches
CREATE_COMPLETE. CloudFormation would have created it. Skipping silently hides a broken
deploy, so the patched lookup returns a stand-in whose creation fails naming the type;
the stack then gets a CREATE_FAILED event for that resource and rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NoReturn

from moto.cloudformation import parsing
from moto.core.exceptions import ServiceException

from pplocalaws.seams import replace_resource_class_lookup

_moto_lookup: list[Callable[[str], Any]] = []  # moto's own, set by apply()


class LocalFailure(Exception):
    """A failure whose text is already the reason CloudFormation would give."""


class UnsupportedResourceTypeError(LocalFailure):
    """The local AWS has no CloudFormation model for a resource type."""

    def __init__(self, resource_type: str) -> None:
        super().__init__(
            f"Resource type {resource_type} is not supported by the local AWS: moto has no "
            "CloudFormation model for it. Add a model in pplocalaws.resources, or "
            "deploy this stack to AWS."
        )
        self.resource_type = resource_type


@cache
def unsupported_model(resource_type: str) -> type[Any]:
    """A stand-in model for ``resource_type`` that refuses to create or update."""

    def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise UnsupportedResourceTypeError(resource_type)

    def nothing_to_delete(*_args: Any, **_kwargs: Any) -> None:
        """Creation always failed, so there is never anything to delete."""

    return type(
        "UnsupportedResource",
        (),
        {
            "__doc__": f"Stand-in for {resource_type}, which moto cannot create.",
            "create_from_cloudformation_json": classmethod(refuse),
            "update_from_cloudformation_json": classmethod(refuse),
            "delete_from_cloudformation_json": classmethod(nothing_to_delete),
            # Outputs may GetAtt it; the create fails first and names the type.
            "has_cfn_attr": classmethod(lambda _cls, _attr: True),
            "cloudformation_name_type": staticmethod(lambda: ""),
            "cloudformation_type": staticmethod(lambda: resource_type),
        },
    )


def resource_class_from_type(resource_type: str) -> Any:
    """moto's lookup, except that a type without a model gets a failing stand-in."""
    found = (_moto_lookup[0] if _moto_lookup else parsing.resource_class_from_type)(resource_type)
    if found is None and resource_type not in parsing.NULL_MODELS:
        return unsupported_model(resource_type)
    return found


def describe_failure(error: BaseException) -> str:
    """The text CloudFormation would put in ResourceStatusReason for ``error``."""
    if isinstance(error, ServiceException):
        return str(error.message)
    if isinstance(error, LocalFailure):
        return str(error)
    return f"{type(error).__name__}: {error}"


def apply() -> None:
    _moto_lookup[:] = [replace_resource_class_lookup(resource_class_from_type)]
