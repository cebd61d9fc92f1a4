"""What a caller submits to create or update a stack, checked the way CloudFormation does.

CreateStack, UpdateStack, CreateChangeSet and ValidateTemplate all start from a template
body, parameters, tags and capabilities. CloudFormation parses the template, resolves the
effective parameters, insists on the capabilities the template needs, expands transforms
and rejects unknown types, dangling references and dependency cycles before it touches a
resource. ``prepare`` does all of that once, for every entry point.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation.exceptions import ValidationError

from pplocalaws.extensions import limits, schemas
from pplocalaws.extensions.errors import InsufficientCapabilities
from pplocalaws.extensions.parameters import effective_parameters
from pplocalaws.extensions.templates import (
    check_structure,
    creation_order,
    declared_transforms,
    parse_template,
    unresolved_references,
)
from pplocalaws.extensions.transform import expand

CAPABILITY_IAM = "CAPABILITY_IAM"
CAPABILITY_NAMED_IAM = "CAPABILITY_NAMED_IAM"
CAPABILITY_AUTO_EXPAND = "CAPABILITY_AUTO_EXPAND"

# IAM types and the property that gives them a custom name (which needs NAMED_IAM).
_IAM_NAME_PROPERTIES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::Policy": "",
    "AWS::IAM::AccessKey": "",
    "AWS::IAM::UserToGroupAddition": "",
}


@dataclass(frozen=True)
class Submission:
    """A checked request: original body, processed template, effective values."""

    original_body: str
    template: dict[str, Any] = field(repr=False)
    parameters: dict[str, str]
    tags: dict[str, str]
    capabilities: tuple[str, ...]
    transforms: tuple[str, ...] = ()

    @property
    def declared_parameters(self) -> dict[str, Any]:
        return dict(self.template.get("Parameters") or {})

    def template_copy(self) -> dict[str, Any]:
        """A copy for moto, which writes into the template it is given."""
        return copy.deepcopy(self.template)


def required_capabilities(template: Mapping[str, Any], transforms: Iterable[str]) -> list[str]:
    """The capabilities CloudFormation asks for before it creates this template."""
    needed: list[str] = [CAPABILITY_AUTO_EXPAND] if list(transforms) else []
    iam = [
        (resource["Type"], resource.get("Properties") or {})
        for resource in (template.get("Resources") or {}).values()
        if resource.get("Type") in _IAM_NAME_PROPERTIES
    ]
    named = any(
        _IAM_NAME_PROPERTIES[kind] and _IAM_NAME_PROPERTIES[kind] in properties
        for kind, properties in iam
    )
    if named:
        needed.append(CAPABILITY_NAMED_IAM)
    elif iam:
        needed.append(CAPABILITY_IAM)
    return needed


def _check_capabilities(needed: Iterable[str], granted: Iterable[str]) -> None:
    granted_set = set(granted)
    if CAPABILITY_NAMED_IAM in granted_set:
        granted_set.add(CAPABILITY_IAM)  # NAMED_IAM includes IAM, as on AWS
    missing = [capability for capability in needed if capability not in granted_set]
    if missing:
        raise InsufficientCapabilities(missing)


def check_processed(template: Mapping[str, Any]) -> None:
    """Checks on the processed template: quotas, known types, references, no cycles."""
    check_structure(template)
    limits.check_counts(template)
    limits.check_literal_export_names(template)
    resources = template.get("Resources") or {}
    unknown = sorted(
        {r["Type"] for r in resources.values() if not schemas.is_known_type(r["Type"])}
    )
    if unknown:
        raise ValidationError(
            message=f"Template format error: Unrecognized resource types: [{', '.join(unknown)}]"
        )
    dangling = unresolved_references(template)
    if dangling:
        raise ValidationError(
            message="Template format error: Unresolved resource dependencies "
            f"[{', '.join(dangling)}] in the Resources block of the template"
        )
    creation_order(template)


def prepare(
    body: str | None,
    *,
    supplied_parameters: Iterable[Mapping[str, Any]],
    tags: Mapping[str, str],
    capabilities: Iterable[str],
    region: str,
    previous_parameters: Mapping[str, str] | None,
) -> Submission:
    """Check a submission and run its transform.

    Raises ``ValidationError`` / ``InsufficientCapabilities`` for what AWS rejects at once,
    and ``transform.TransformError`` for a failing transform (a change set records that as
    its FAILED reason; a stack operation reports it as a validation error).
    """
    original = parse_template(body)
    transforms = tuple(declared_transforms(original))
    granted = tuple(capabilities)
    if transforms:
        _check_capabilities([CAPABILITY_AUTO_EXPAND], granted)
    parameters = effective_parameters(
        original.get("Parameters") or {}, supplied_parameters, previous_parameters
    )
    limits.check_parameter_values(parameters)
    processed = expand(original, parameters, region) if transforms else original
    check_processed(processed)
    _check_capabilities(required_capabilities(processed, transforms), granted)
    return Submission(
        original_body=str(body),
        template=processed,
        parameters=parameters,
        tags=dict(tags),
        capabilities=granted,
        transforms=transforms,
    )
