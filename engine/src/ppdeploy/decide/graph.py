"""The stack graph of a stage: edges from ``Fn::ImportValue`` to ``Export`` names, then waves.

Nothing here is a hand-kept list: each template says what it imports and exports, names
are resolved for the stage, and an import nothing exports, or a cycle, fails before any
AWS call, naming it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ppdeploy.errors import InputError
from ppdeploy.model import StackSpec

_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def resolve_name(value: Any, parameters: Mapping[str, str], where: str) -> str:
    """An import or export name as the stage will see it (``!Sub`` over parameters)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in parameters:
                raise InputError(
                    f"{where} builds a name from ${{{name}}}, which the engine cannot resolve",
                    cause="import and export names may use only the stack's parameters",
                    fix=f"build the name with !Sub from parameters (e.g. ${{Stage}}), not {name}",
                )
            return parameters[name]

        return _SUB_VARIABLE.sub(substitute, value["Fn::Sub"])
    if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    raise InputError(
        f"{where} has an import or export name the engine cannot resolve: {value!r}",
        cause="names are resolved before deploying, to order the stacks",
        fix="write the name as a string or a !Sub over the stack's parameters",
    )


def _walk_imports(node: Any) -> Iterable[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue":
                yield value
            else:
                yield from _walk_imports(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_imports(item)


def imports_of(spec: StackSpec) -> set[str]:
    """The export names ``spec`` imports, resolved for its parameters."""
    document = spec.template.document
    where = str(spec.template.path)
    found = set()
    for section in ("Resources", "Outputs"):
        for raw in _walk_imports(document.get(section, {})):
            found.add(resolve_name(raw, parameters_of(spec), where))
    return found


def exports_of(spec: StackSpec) -> set[str]:
    """The export names ``spec`` makes (conditional ones included), resolved."""
    names = set()
    for output in spec.template.outputs.values():
        export = output.get("Export")
        if isinstance(export, dict) and "Name" in export:
            names.add(resolve_name(export["Name"], parameters_of(spec), str(spec.template.path)))
    return names


def parameters_of(spec: StackSpec) -> dict[str, str]:
    """The stack's parameters with the template's defaults filled in."""
    defaults = {
        name: str(declared["Default"])
        for name, declared in spec.template.parameters.items()
        if "Default" in declared
    }
    return {**defaults, **spec.parameters}


@dataclass(frozen=True)
class StackGraph:
    """Stacks and, for each, the stacks it depends on through imports."""

    specs: dict[str, StackSpec]
    depends_on: dict[str, frozenset[str]]
    imports: dict[str, frozenset[str]]

    def waves(self) -> list[list[str]]:
        """Stacks in dependency order: each wave needs only earlier waves."""
        remaining = dict(self.depends_on)
        done: set[str] = set()
        waves = []
        while remaining:
            ready = sorted(name for name, needs in remaining.items() if needs <= done)
            if not ready:
                raise InputError(
                    "the stacks import from each other in a cycle: "
                    + " -> ".join(sorted(remaining)),
                    cause="CloudFormation cannot create stacks that need each other's exports",
                    fix="move the shared values into one stack that the others import",
                )
            waves.append(ready)
            done.update(ready)
            for name in ready:
                del remaining[name]
        return waves


def build(specs: Iterable[StackSpec], *, existing_exports: Iterable[str] = ()) -> StackGraph:
    """The graph of ``specs``; an import nobody exports (here or already deployed) fails."""
    by_name = {spec.name: spec for spec in specs}
    exporter: dict[str, str] = {}
    for spec in by_name.values():
        for name in exports_of(spec):
            if name in exporter:
                raise InputError(
                    f"export {name} is made by two stacks: {exporter[name]} and {spec.name}",
                    cause="an export name is unique in an account and region",
                    fix="rename one of them",
                )
            exporter[name] = spec.name
    outside = set(existing_exports)
    depends_on: dict[str, frozenset[str]] = {}
    imports: dict[str, frozenset[str]] = {}
    for spec in by_name.values():
        names = imports_of(spec)
        missing = sorted(name for name in names if name not in exporter and name not in outside)
        if missing:
            raise InputError(
                f"{spec.template.path} imports {', '.join(missing)}, which no stack exports",
                cause="each Fn::ImportValue must name an export of another stack",
                fix="export it from the shared template, or correct the name",
            )
        imports[spec.name] = frozenset(names)
        depends_on[spec.name] = frozenset(
            exporter[name] for name in names if name in exporter and exporter[name] != spec.name
        )
    return StackGraph(specs=by_name, depends_on=depends_on, imports=imports)
