"""Effective parameter values, the way CloudFormation computes and shows them.

moto keeps whatever the caller sent: defaults are missing, ``UsePreviousValue`` is only
half resolved, so an identical redeploy looks different and a NoEcho value is compared by
value instead of by key and shown in clear. CloudFormation works on *effective* values: the
supplied value, else the previous value when asked for, else the template default; every
declared parameter must end with one; NoEcho ones read back as ``****``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from moto.cloudformation.exceptions import ValidationError

MASK = "****"


def as_parameter_text(value: Any) -> str:
    """A template default as CloudFormation's string form (YAML may make it a bool or int)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(as_parameter_text(item) for item in value)
    return str(value)


def effective_parameters(
    declared: Mapping[str, Any],
    supplied: Iterable[Mapping[str, Any]],
    previous: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Resolve the value of every declared parameter, or raise AWS's validation error.

    ``supplied`` is the API's Parameters list; ``previous`` the stack's current effective
    values (None when the stack is being created, where UsePreviousValue is invalid).
    """
    values: dict[str, str] = {}
    for item in supplied:
        key = str(item["ParameterKey"])
        if item.get("UsePreviousValue") in (True, "true"):
            if item.get("ParameterValue"):
                raise ValidationError(
                    message=f"Invalid input for parameter key {key}. Cannot specify "
                    "usePreviousValue as true and non empty value for a parameter"
                )
            if previous is None or key not in previous:
                raise ValidationError(
                    message=f"Invalid input for parameter key {key}. UsePreviousValue needs "
                    "a previous value: the stack does not have this parameter yet"
                )
            values[key] = previous[key]
        else:
            values[key] = as_parameter_text(item.get("ParameterValue", ""))

    undeclared = sorted(set(values) - set(declared))
    if undeclared:
        raise ValidationError(
            message=f"Parameters: [{', '.join(undeclared)}] do not exist in the template"
        )
    for name, slot in declared.items():
        if name not in values and "Default" in slot:
            values[name] = as_parameter_text(slot["Default"])
    missing = [name for name in declared if name not in values]
    if missing:
        raise ValidationError(message=f"Parameters: [{', '.join(missing)}] must have values")
    for name, slot in declared.items():
        _check_constraints(name, slot, values[name])
    return {name: values[name] for name in declared}


def _check_constraints(name: str, slot: Mapping[str, Any], value: str) -> None:
    allowed = slot.get("AllowedValues")
    if allowed is not None and value not in [as_parameter_text(item) for item in allowed]:
        raise ValidationError(
            message=slot.get("ConstraintDescription")
            or f"Parameter '{name}' must be one of AllowedValues"
        )
    pattern = slot.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        raise ValidationError(
            message=slot.get("ConstraintDescription")
            or f"Parameter '{name}' must match pattern {pattern}"
        )


def no_echo_names(declared: Mapping[str, Any]) -> set[str]:
    return {
        name
        for name, slot in declared.items()
        if as_parameter_text(slot.get("NoEcho", False)).lower() == "true"
    }


def masked(values: Mapping[str, str], declared: Mapping[str, Any]) -> dict[str, str]:
    """Values as CloudFormation shows them: NoEcho parameters as ``****``."""
    hidden = no_echo_names(declared)
    return {name: MASK if name in hidden else value for name, value in values.items()}
