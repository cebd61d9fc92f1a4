"""A template's resources as deployed with given parameters: conditions and Fn::If resolved.

Enough of CloudFormation's intrinsics to read what a cost depends on (a node type, a node
count, a memory size): Ref to a parameter (its Default when not given), Fn::If, Fn::Equals,
Fn::Not, Fn::And, Fn::Or, Condition and AWS::NoValue. Anything else (Fn::Sub, Fn::ImportValue,
Fn::GetAtt) is left as it is: a cost never depends on those in these templates, and where
one would, the caller refuses the value by name (``number``, ``text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ppdeploy.errors import InputError

NO_VALUE = object()  # what Ref AWS::NoValue resolves to: the property is absent


class Resolved:
    """One template with one set of parameter values."""

    def __init__(self, document: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self.document = document
        declared = document.get("Parameters") or {}
        self.values = {key: str(spec.get("Default", "")) for key, spec in declared.items()}
        self.values.update({key: str(value) for key, value in parameters.items()})
        self.conditions: dict[str, Any] = dict(document.get("Conditions") or {})
        self._held: dict[str, bool] = {}

    def holds(self, name: str | None) -> bool:
        """Whether condition ``name`` holds (None: no condition, it holds)."""
        if name is None:
            return True
        if name not in self._held:
            if name not in self.conditions:
                raise InputError(
                    f"the template names condition {name!r}, which it does not declare",
                    fix="declare it under Conditions or remove the reference",
                )
            self._held[name] = bool(self._condition(self.conditions[name]))
        return self._held[name]

    def _condition(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            (function, arguments), *_ = node.items()
            if function == "Fn::Equals":
                left, right = (self._scalar(argument) for argument in arguments)
                return left == right
            if function == "Fn::Not":
                return not self._condition(arguments[0])
            if function == "Fn::And":
                return all(self._condition(argument) for argument in arguments)
            if function == "Fn::Or":
                return any(self._condition(argument) for argument in arguments)
            if function == "Condition":
                return self.holds(arguments)
        return self._scalar(node)

    def _scalar(self, node: Any) -> Any:
        value = self.value(node)
        if isinstance(value, bool):
            return str(value).lower()
        return value if isinstance(value, dict | list) else str(value)

    def value(self, node: Any) -> Any:
        """``node`` with Ref to parameters and Fn::If resolved, deeply."""
        if isinstance(node, list):
            return [item for item in (self.value(x) for x in node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Ref"}:
            name = node["Ref"]
            return NO_VALUE if name == "AWS::NoValue" else self.values.get(name, node)
        if set(node) == {"Fn::If"}:
            condition, when_true, when_false = node["Fn::If"]
            return self.value(when_true if self.holds(condition) else when_false)
        if set(node) == {"Condition"}:
            return self.holds(node["Condition"])
        resolved = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources the stack would hold: those whose condition holds, values resolved."""
        found = {}
        for logical_id, resource in (self.document.get("Resources") or {}).items():
            if self.holds(resource.get("Condition")):
                found[logical_id] = {
                    "Type": str(resource.get("Type", "")),
                    "Properties": self.value(resource.get("Properties") or {}),
                }
        return found


def text(properties: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    """A property that must resolve to text (a node type, an engine), or a clear error."""
    value = properties.get(key, default)
    if value is None or isinstance(value, dict | list):
        raise InputError(
            f"{where}: property {key} does not resolve to a value the estimate can read",
            cause=f"it is {value!r}",
            fix="give it a literal, a parameter or an Fn::If over parameters",
        )
    return str(value)


def number(properties: Mapping[str, Any], key: str, where: str, default: int) -> int:
    """A property that must resolve to a whole number (a count, a size), or a clear error."""
    value = properties.get(key, default)
    try:
        return int(str(value))
    except ValueError:
        raise InputError(
            f"{where}: property {key} does not resolve to a number the estimate can read",
            cause=f"it is {value!r}",
            fix="give it a literal, a parameter or an Fn::If over parameters",
        ) from None
