"""The resource types an IMPORT change set can adopt, and how each finds and adopts one.

CloudFormation imports a resource through its type's provider: the template names it by
the type's primary identifier (a table by TableName, a secret by Id, its ARN), the
provider reads the existing resource, and the stack records it without creating
anything. Each resource model module registers an ``Importable`` here for its type; the
``imports`` extension looks them up. This module is kept free of moto imports so the
resource models can depend on it cheaply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple


class Existing(NamedTuple):
    """An existing physical resource: its physical id (what Ref returns) and its name.

    ``scope`` is what a resource of a composite identifier lives in (an API mapping's
    domain name), empty for the others.
    """

    physical_id: str
    name: str
    scope: str = ""


@dataclass(frozen=True)
class Importable:
    """How the local AWS imports one resource type.

    ``find(identifier, account_id, region)`` returns the existing resource or None;
    ``adopt(existing, cloudformation_json, account_id, region)`` returns the model object
    the stack keeps for it (``cloudformation_json`` is the template's resource, resolved),
    without changing the resource.

    ``scope_key`` is the second key of a composite primary identifier (an API mapping is
    ``{ApiMappingId, DomainName}``): the resource is found by ``identifier_key`` and must
    live in the ``scope`` the request names.
    """

    resource_type: str
    identifier_key: str
    name_property: str
    find: Callable[[str, str, str], Existing | None]
    adopt: Callable[[Existing, dict[str, Any], str, str], Any]
    scope_key: str = ""

    @property
    def identifier_keys(self) -> frozenset[str]:
        return frozenset(key for key in (self.identifier_key, self.scope_key) if key)


_REGISTRY: dict[str, Importable] = {}


def register(importable: Importable) -> None:
    _REGISTRY[importable.resource_type] = importable


def importable(resource_type: str) -> Importable | None:
    return _REGISTRY.get(resource_type)


def importable_types() -> list[str]:
    return sorted(_REGISTRY)
