"""Template surgery for the migration: pure functions over parsed templates (long form).

CloudFormation moves a resource between stacks in three template edits: the old stack
retains it (DeletionPolicy Retain), the old stack drops it (its references become the
literal values they resolved to), and the new stack imports it with a template that
adds that resource and nothing else. Every function returns a new document.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ppdeploy.errors import InputError

Document = dict[str, Any]
RETAIN = "Retain"
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def references(node: Any) -> set[str]:
    """The names ``node`` refers to through Ref, Fn::GetAtt and Fn::Sub (pseudo params too)."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".", 1)[0]
                found.add(str(target))
            elif key == "Fn::Sub":
                text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})
                found |= {
                    name.split(".", 1)[0]
                    for name in _SUB_VARIABLE.findall(str(text))
                    if name not in variables
                }
                found |= references(variables)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found


def retained(document: Document, logical_ids: Iterable[str]) -> Document:
    """``document`` with DeletionPolicy and UpdateReplacePolicy Retain on ``logical_ids``."""
    result = copy.deepcopy(document)
    for logical_id in logical_ids:
        resource = result["Resources"][logical_id]
        resource["DeletionPolicy"] = RETAIN
        resource["UpdateReplacePolicy"] = RETAIN
    return result


def is_retained(document: Document, logical_id: str) -> bool:
    resource = (document.get("Resources") or {}).get(logical_id) or {}
    return bool(resource.get("DeletionPolicy") == RETAIN)


def unexported(document: Document, output_keys: Iterable[str]) -> Document:
    """``document`` with the outputs ``output_keys`` kept as values, their exports dropped."""
    result = copy.deepcopy(document)
    for key in output_keys:
        result["Outputs"][key].pop("Export", None)
    return result


@dataclass(frozen=True)
class Resolved:
    """What a released resource's references resolve to, written in place of them."""

    ref: str
    attributes: Mapping[str, str]


def released(document: Document, resolved: Mapping[str, Resolved]) -> Document:
    """``document`` without the resources in ``resolved``; references to them become literals.

    Outputs that referred to them are dropped (their values now live elsewhere); DependsOn
    entries naming them are removed. An attribute that is not known raises InputError.
    """
    result = copy.deepcopy(document)
    for logical_id in resolved:
        result["Resources"].pop(logical_id, None)
    outputs = result.get("Outputs") or {}
    for key in [k for k, output in outputs.items() if references(output) & set(resolved)]:
        del outputs[key]
    if "Outputs" in result and not outputs:
        del result["Outputs"]
    for name, resource in result["Resources"].items():
        depends = resource.get("DependsOn")
        if depends is not None:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends)]
            kept = [d for d in kept if d not in resolved]
            if kept:
                resource["DependsOn"] = kept
            else:
                del resource["DependsOn"]
        result["Resources"][name] = _literal(resource, resolved, name)
    return result


def _literal(node: Any, resolved: Mapping[str, Resolved], where: str) -> Any:
    if isinstance(node, list):
        return [_literal(item, resolved, where) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in resolved:
        return resolved[node["Ref"]].ref
    if set(node) == {"Fn::GetAtt"}:
        target = node["Fn::GetAtt"]
        name, attribute = target if isinstance(target, list) else str(target).split(".", 1)
        if name in resolved:
            return _attribute(resolved[name], name, attribute, where)
    if set(node) == {"Fn::Sub"}:
        return {"Fn::Sub": _literal_sub(node["Fn::Sub"], resolved, where)}
    return {key: _literal(value, resolved, where) for key, value in node.items()}


def _literal_sub(value: Any, resolved: Mapping[str, Resolved], where: str) -> Any:
    text, variables = (value[0], value[1]) if isinstance(value, list) else (value, None)

    def substitute(match: re.Match[str]) -> str:
        name, _, attribute = match.group(1).partition(".")
        if name not in resolved or (variables and match.group(1) in variables):
            return match.group(0)
        return (
            _attribute(resolved[name], name, attribute, where) if attribute else resolved[name].ref
        )

    replaced = _SUB_VARIABLE.sub(substitute, str(text))
    if variables is None:
        return replaced
    return [replaced, _literal(variables, resolved, where)]


def _attribute(value: Resolved, name: str, attribute: str, where: str) -> str:
    if attribute not in value.attributes:
        raise InputError(
            f"{where} uses {name}.{attribute}, which the migration cannot write as a value",
            cause=f"{name} leaves the stack; known attributes: {', '.join(value.attributes)}",
            fix=f"deploy the legacy stack without {name}.{attribute} first, then migrate again",
        )
    return value.attributes[attribute]


def import_template(
    full: Document, logical_ids: Iterable[str], base: Document | None = None
) -> Document:
    """The template of an IMPORT: ``base`` (the deployed one; None for a new stack) plus
    ``logical_ids`` as ``full`` defines them, Retain, without what they cannot reference yet.

    A property that refers to a resource outside the result (a KMS key the shared stack
    has not created yet) is left out: an import does not change the resource, and the
    full deploy after it applies the property.
    """
    wanted = list(logical_ids)
    if base is None:
        result: Document = {
            key: copy.deepcopy(full[key])
            for key in ("AWSTemplateFormatVersion", "Parameters", "Conditions", "Mappings")
            if key in full
        }
        result["Resources"] = {}
    else:
        result = copy.deepcopy(base)
    present = set(result["Resources"]) | set(wanted)
    names = present | set(full.get("Parameters") or {})
    for logical_id in wanted:
        resource = copy.deepcopy(full["Resources"][logical_id])
        properties = resource.get("Properties") or {}
        for key in [k for k, v in properties.items() if not _resolvable(v, names)]:
            del properties[key]
        resource.pop("DependsOn", None)
        resource["DeletionPolicy"] = resource.get("DeletionPolicy", RETAIN)
        result["Resources"][logical_id] = resource
    return result


def _resolvable(value: Any, names: set[str]) -> bool:
    return all(name in names or name.startswith("AWS::") for name in references(value))


def condition_holds(document: Document, name: str | None, parameters: Mapping[str, str]) -> bool:
    """Whether the condition ``name`` of ``document`` holds (None: no condition, it holds).

    Evaluates what conditions over parameters use: Fn::Equals, Fn::Not, Fn::And, Fn::Or,
    Condition and Ref to a parameter (its default when not given).
    """
    if name is None:
        return True
    conditions = document.get("Conditions") or {}
    declared = document.get("Parameters") or {}
    values = {key: str(spec.get("Default", "")) for key, spec in declared.items()}
    values.update(parameters)

    def value(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values.get(node["Ref"], "")
        if isinstance(node, dict) and set(node) == {"Condition"}:
            return evaluate(conditions[node["Condition"]])
        if isinstance(node, dict):
            return evaluate(node)
        return str(node)

    def evaluate(node: Any) -> bool:
        (function, arguments), *_ = node.items()
        if function == "Fn::Equals":
            return bool(value(arguments[0]) == value(arguments[1]))
        if function == "Fn::Not":
            return not value(arguments[0])
        if function == "Fn::And":
            return all(value(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(value(argument) for argument in arguments)
        if function == "Condition":
            return evaluate(conditions[arguments])
        raise InputError(
            f"condition {name} uses {function}, which the migration cannot evaluate",
            fix="write the condition with Fn::Equals, Fn::Not, Fn::And or Fn::Or over parameters",
        )

    return evaluate(conditions[name])
