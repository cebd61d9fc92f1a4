"""Reading CloudFormation templates the way CloudFormation reads them.

moto parses templates with a multi-constructor it registers on PyYAML's *global*
``yaml.Loader`` and lets YAML turn ``2010-09-09`` into a date. CloudFormation treats every
scalar it does not understand as a string and knows the short intrinsic tags. This module
has its own loader for that, the structural checks CloudFormation makes before it accepts a
template, and the dependency graph it uses to order resource operations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import yaml
from moto.cloudformation.exceptions import ValidationError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
TOP_LEVEL_SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Description",
        "Metadata",
        "Parameters",
        "Rules",
        "Mappings",
        "Conditions",
        "Transform",
        "Resources",
        "Outputs",
        "Hooks",
        "Globals",  # SAM only; the transform removes it
    }
)
_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader with CloudFormation's short tags and without implicit timestamps."""


# CloudFormation keeps `2010-09-09` a string; YAML 1.1 would make it a date.
_TemplateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if tag_suffix == "Condition":
        name = "Condition"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _construct_intrinsic)


def parse_template(body: str | None) -> dict[str, Any]:
    """Parse a template body (JSON or YAML with short tags) and check its structure.

    Raises moto's ``ValidationError`` with CloudFormation's "Template format error" wording,
    so the caller sees the same message as from AWS.
    """
    if not body or not body.strip():
        raise ValidationError(message="Template format error: the template body is empty.")
    try:
        document = (
            json.loads(body)
            if body.lstrip().startswith("{")
            else yaml.load(body, Loader=_TemplateLoader)  # noqa: S506 - SafeLoader subclass
        )
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ValidationError(message=f"Template format error: {error}") from error
    if not isinstance(document, dict):
        raise ValidationError(message="Template format error: the template is not a mapping.")
    check_structure(document)
    return document


def check_structure(template: Mapping[str, Any]) -> None:
    """The structural checks CloudFormation makes before it looks at any resource."""
    unknown = sorted(set(template) - TOP_LEVEL_SECTIONS)
    if unknown:
        raise ValidationError(
            message=f"Template format error: Invalid template property or properties {unknown}"
        )
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(
            message="Template format error: At least one Resources member must be defined."
        )
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            raise ValidationError(
                message=f"Template format error: [/Resources/{logical_id}] "
                "Every Resources object must contain a Type member."
            )
        _check_policies(logical_id, resource)
    for section in ("Resources", "Parameters", "Outputs"):
        for logical_id in template.get(section) or {}:
            _check_logical_id(section, str(logical_id))
    for name, parameter in (template.get("Parameters") or {}).items():
        if not isinstance(parameter, dict) or "Type" not in parameter:
            raise ValidationError(
                message=f"Template format error: Every Parameters object must contain a "
                f"Type member. Parameter {name} has none."
            )


# "CloudFormation template Resources syntax": "The logical ID must be alphanumeric
# (A-Za-z0-9) and unique within the template"; the same holds for Parameters and Outputs;
# "CloudFormation quotas": a resource, parameter or output name is at most 255 characters.
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")
# DeletionPolicy attribute: Delete, Retain, RetainExceptOnCreate, Snapshot; UpdateReplacePolicy
# attribute: Delete, Retain, Snapshot. https://docs.aws.amazon.com/AWSCloudFormation/latest/
# UserGuide/aws-attribute-deletionpolicy.html and .../aws-attribute-updatereplacepolicy.html
_POLICY_VALUES = {
    "DeletionPolicy": ("Delete", "Retain", "RetainExceptOnCreate", "Snapshot"),
    "UpdateReplacePolicy": ("Delete", "Retain", "Snapshot"),
}


def _check_logical_id(section: str, logical_id: str) -> None:
    if not _LOGICAL_ID.fullmatch(logical_id):
        raise ValidationError(
            message=f"Template format error: {section} name {logical_id[:80]} is non "
            "alphanumeric (or longer than 255 characters); logical IDs use only A-Z, a-z, 0-9."
        )


def _check_policies(logical_id: str, resource: Mapping[str, Any]) -> None:
    for attribute, allowed in _POLICY_VALUES.items():
        value = resource.get(attribute)
        if value is not None and value not in allowed:
            raise ValidationError(
                message=f"Template format error: [/Resources/{logical_id}/{attribute}] "
                f"{value!r} is not a valid {attribute}; use one of {', '.join(allowed)}."
            )


def declared_transforms(template: Mapping[str, Any]) -> list[str]:
    transform = template.get("Transform")
    if transform is None:
        return []
    if isinstance(transform, str):
        return [transform]
    return [str(item) for item in transform]


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every mapping inside ``node``, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def referenced_names(node: Any) -> set[str]:
    """Logical names a fragment refers to through Ref, Fn::GetAtt and Fn::Sub."""
    names: set[str] = set()
    for mapping in walk(node):
        if isinstance(mapping.get("Ref"), str):
            names.add(mapping["Ref"])
        get_att = mapping.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att:
            names.add(str(get_att[0]))
        elif isinstance(get_att, str):
            names.add(get_att.split(".", 1)[0])
        sub = mapping.get("Fn::Sub")
        text, variables = (sub[0], sub[1]) if isinstance(sub, list) and len(sub) == 2 else (sub, {})
        if isinstance(text, str):
            for variable in _SUB_VARIABLE.findall(text):
                name = variable.split(".", 1)[0]
                if name not in (variables or {}):
                    names.add(name)
    return names


def resource_dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each resource, the other resources it needs first (references and DependsOn)."""
    resources: dict[str, Any] = template.get("Resources") or {}
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        depends_on = resource.get("DependsOn") or []
        if isinstance(depends_on, str):
            depends_on = [depends_on]
        needed = referenced_names(
            {key: value for key, value in resource.items() if key != "DependsOn"}
        )
        needed.update(depends_on)
        graph[logical_id] = {name for name in needed if name in resources and name != logical_id}
    return graph


def creation_order(template: Mapping[str, Any]) -> list[str]:
    """Resources in an order where each comes after everything it depends on.

    Ties keep template order, so events read like the template. A cycle raises
    CloudFormation's "Circular dependency" error naming the resources in it.
    """
    graph = resource_dependencies(template)
    order: list[str] = []
    done: set[str] = set()
    pending = list(graph)
    while pending:
        ready = [name for name in pending if graph[name] <= done]
        if not ready:
            raise ValidationError(
                message=f"Circular dependency between resources: [{', '.join(sorted(pending))}]"
            )
        for name in ready:
            order.append(name)
            done.add(name)
        pending = [name for name in pending if name not in done]
    return order


def unresolved_references(template: Mapping[str, Any]) -> list[str]:
    """Names used by Ref/GetAtt/Sub that are neither parameters, resources nor pseudo names."""
    known = set(template.get("Parameters") or {}) | set(template.get("Resources") or {})
    known |= PSEUDO_PARAMETERS
    used = referenced_names(template.get("Resources") or {})
    used |= referenced_names(template.get("Outputs") or {})
    return sorted(name for name in used if name not in known)
