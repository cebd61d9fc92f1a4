"""Evaluating template fragments without creating anything.

moto's ``parsing.clean_json`` evaluates intrinsics against a ``ResourceMap``, whose lookup
*creates* a resource the first time it is referenced. To compare what a template would
deploy (change sets) or to read the export names a stack imports, we evaluate against a
read-only view instead: parameters, pseudo parameters, mappings and conditions resolve;
already deployed resources resolve to their physical ids and attributes; a resource whose
value only exists after the deploy raises ``DynamicReference``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from moto.cloudformation.parsing import ResourceMap, clean_json

from pplocalaws.extensions.templates import walk
from pplocalaws.seams import parsed_resources


class DynamicReference(Exception):
    """The fragment refers to a resource whose value is known only after the deploy."""

    def __init__(self, logical_id: str) -> None:
        super().__init__(logical_id)
        self.logical_id = logical_id


class ResolutionView(Mapping[str, Any]):
    """Quacks like the ResourceMap that ``clean_json`` expects, and never creates."""

    def __init__(
        self,
        known: Mapping[str, Any],
        resource_ids: set[str],
        conditions: Mapping[str, bool],
        exports: Mapping[str, Any],
    ) -> None:
        self._known = dict(known)
        self._resource_ids = resource_ids
        self.lazy_condition_map = dict(conditions)
        self.cross_stack_resources = exports

    @classmethod
    def of(cls, resource_map: ResourceMap, *, deployed: bool) -> ResolutionView:
        """A view of a loaded map; ``deployed`` keeps the resources it already created."""
        resource_ids = set(resource_map.resources)
        known = {
            name: value
            for name, value in parsed_resources(resource_map).items()
            if deployed or name not in resource_ids
        }
        conditions = {
            name: bool(resource_map.lazy_condition_map[name])
            for name in resource_map.lazy_condition_map
        }
        return cls(known, resource_ids, conditions, resource_map.cross_stack_resources or {})

    def forget(self, logical_id: str) -> None:
        """From now on ``logical_id`` is dynamic (it is being created or replaced)."""
        self._known.pop(logical_id, None)

    def remember(self, logical_id: str, resource: Any) -> None:
        self._known[logical_id] = resource

    def __getitem__(self, key: str) -> Any:
        if key in self._known:
            return self._known[key]
        if key in self._resource_ids:
            raise DynamicReference(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def resolve(fragment: Any, view: ResolutionView) -> Any:
    """``fragment`` with its intrinsics evaluated; raises DynamicReference if it cannot be."""
    # clean_json only indexes the map and reads two attributes, which the view provides.
    return clean_json(fragment, view)  # type: ignore[arg-type]


def imported_names(template: Mapping[str, Any], view: ResolutionView) -> set[str]:
    """Export names a template imports (Resources and Outputs), where they are static."""
    names: set[str] = set()
    sections = [template.get("Resources") or {}, template.get("Outputs") or {}]
    for mapping in walk(sections):
        if "Fn::ImportValue" not in mapping:
            continue
        try:
            name = resolve(mapping["Fn::ImportValue"], view)
        except (DynamicReference, KeyError):
            continue  # an import name built from a resource: only known at deploy time
        if isinstance(name, str):
            names.add(name)
    return names
