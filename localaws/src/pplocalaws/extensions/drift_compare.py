"""Property differences between a resource's template properties and its live state.

What CloudFormation compares (AWS CloudFormation User Guide, "Detect unmanaged
configuration changes to stacks and resources with drift detection",
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-stack-drift.html):
only the properties set explicitly in the template (or through its parameters) are
checked; a default CloudFormation did not set is not drift. Below a property that is set,
the whole value counts: an element added to a list or a key added to a map (an extra
environment variable, an extra tag) is drift.

How a difference is shaped (API Reference, "PropertyDifference",
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_PropertyDifference.html):
PropertyPath is a JSON pointer ("/Timeout", "/Environment/Variables/STAGE",
"/Tags/1/Value"); ExpectedValue and ActualValue are strings; DifferenceType is ADD (a
value the template does not have), REMOVE (a template value the resource no longer has)
or NOT_EQUAL.

Scalars compare as text, as the API shows them: a template's ``512`` and the live
``"512"`` are one value (parameters reach the template as strings), and so are ``1`` and
``1.0`` (a number property, as its resource schema types it). Lists named in
``UNORDERED`` compare as sets, as the resource schemas mark them (``insertionOrder:
false``); others compare by position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ADD, REMOVE, NOT_EQUAL = "ADD", "REMOVE", "NOT_EQUAL"

# Properties whose lists have no order in their resource schema (insertionOrder false).
UNORDERED = frozenset(
    {
        "AttributeDefinitions",
        "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes",
        "Tags",
        "SecurityGroupIds",
        "SubnetIds",
        "ManagedPolicyArns",
        "Policies",
        "Roles",
        "Subscription",
    }
)


@dataclass(frozen=True)
class PropertyDifference:
    path: str
    expected: str
    actual: str
    kind: str

    def shaped(self) -> dict[str, str]:
        """The PropertyDifference structure of the API."""
        return {
            "PropertyPath": self.path,
            "ExpectedValue": self.expected,
            "ActualValue": self.actual,
            "DifferenceType": self.kind,
        }


def shown(value: Any) -> str:
    """A value as the API shows it: scalars as text, structures as JSON."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _pointer(path: str, key: str | int) -> str:
    escaped = str(key).replace("~", "~0").replace("/", "~1")
    return f"{path}/{escaped}"


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(expected[key], actual[key]) for key in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _same(a, b) for a, b in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict | list) or isinstance(actual, dict | list):
        return False
    return shown(expected) == shown(actual) or _same_number(expected, actual)


def _same_number(expected: Any, actual: Any) -> bool:
    """1 and 1.0 are one value: a schema's number property compares as a number."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False
    try:
        return float(expected) == float(actual)
    except (TypeError, ValueError):
        return False


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[PropertyDifference]:
    """Every difference of the template's top-level properties from the live ones."""
    found: list[PropertyDifference] = []
    for name in sorted(expected):
        path = _pointer("", name)
        if name not in actual:
            found.append(PropertyDifference(path, shown(expected[name]), "null", REMOVE))
            continue
        found.extend(_compare(path, expected[name], actual[name], unordered=name in UNORDERED))
    return found


def _compare(path: str, expected: Any, actual: Any, *, unordered: bool) -> list[PropertyDifference]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        return _compare_maps(path, expected, actual)
    if isinstance(expected, list) and isinstance(actual, list):
        if unordered:
            return _compare_sets(path, expected, actual)
        return _compare_lists(path, expected, actual)
    if _same(expected, actual):
        return []
    return [PropertyDifference(path, shown(expected), shown(actual), NOT_EQUAL)]


def _compare_maps(
    path: str, expected: dict[str, Any], actual: dict[str, Any]
) -> list[PropertyDifference]:
    found: list[PropertyDifference] = []
    for key in sorted(set(expected) | set(actual)):
        where = _pointer(path, key)
        if key not in actual:
            found.append(PropertyDifference(where, shown(expected[key]), "null", REMOVE))
        elif key not in expected:
            found.append(PropertyDifference(where, "null", shown(actual[key]), ADD))
        else:
            found.extend(_compare(where, expected[key], actual[key], unordered=key in UNORDERED))
    return found


def _compare_lists(path: str, expected: list[Any], actual: list[Any]) -> list[PropertyDifference]:
    found: list[PropertyDifference] = []
    for index in range(max(len(expected), len(actual))):
        where = _pointer(path, index)
        if index >= len(actual):
            found.append(PropertyDifference(where, shown(expected[index]), "null", REMOVE))
        elif index >= len(expected):
            found.append(PropertyDifference(where, "null", shown(actual[index]), ADD))
        else:
            found.extend(_compare(where, expected[index], actual[index], unordered=False))
    return found


def _compare_sets(path: str, expected: list[Any], actual: list[Any]) -> list[PropertyDifference]:
    """Elements matched regardless of order; a changed element is one REMOVE and one ADD."""
    unmatched = list(range(len(actual)))
    missing: list[int] = []
    for index, element in enumerate(expected):
        match = next((j for j in unmatched if _same(element, actual[j])), None)
        if match is None:
            missing.append(index)
        else:
            unmatched.remove(match)
    found = [
        PropertyDifference(_pointer(path, index), shown(expected[index]), "null", REMOVE)
        for index in missing
    ]
    found.extend(
        PropertyDifference(_pointer(path, index), "null", shown(actual[index]), ADD)
        for index in unmatched
    )
    return found
