"""CloudFormation's template quotas, refused the way CloudFormation refuses them.

moto accepts a template of any size, any number of resources, parameters and outputs, and
any export name. CloudFormation refuses each past its quota, before it touches a resource.
The quotas are from "CloudFormation quotas"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html):

- Template body size in a request: 51,200 bytes (CreateStack, UpdateStack,
  CreateChangeSet, ValidateTemplate, GetTemplateSummary: every API reference gives
  TemplateBody "Maximum length of 51200"). The error is the API's length-constraint
  ValidationError.
- Template body size in an Amazon S3 object (TemplateURL): 1 MB. Whether AWS counts 1 MB as
  1,000,000 or 1,048,576 bytes is not documented: the local AWS is strict and counts
  1,000,000.
- Resources: 500; Parameters: 200; Outputs: 200 per template, with CloudFormation's
  "Template format error" wording for each.
- Mappings: 200, each with at most 200 attributes; template description: 1,024 bytes;
  parameter value: 4,096 bytes; stack name: 128 characters, ``[a-zA-Z][-a-zA-Z0-9]*``
  (CreateStack StackName). The wording of these errors is the local AWS's.
- Export names: at most 255 characters ("Output name" quota), made only of alphanumeric
  characters, colons and hyphens ("CloudFormation template Outputs syntax", Export Name:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from moto.cloudformation.exceptions import ValidationError

TEMPLATE_BODY_MAX_BYTES = 51_200
TEMPLATE_URL_MAX_BYTES = 1_000_000  # "1 MB"; strict reading, see the module docstring
MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
EXPORT_NAME_MAX_LENGTH = 255
MAX_MAPPINGS = 200
MAX_MAPPING_ATTRIBUTES = 200
DESCRIPTION_MAX_BYTES = 1_024
PARAMETER_VALUE_MAX_BYTES = 4_096
STACK_NAME_MAX_LENGTH = 128
_STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
_EXPORT_NAME = re.compile(r"[A-Za-z0-9:-]+")


def check_template_body(body: str | None) -> None:
    """Refuse a TemplateBody over 51,200 bytes with the API's length-constraint error."""
    size = len((body or "").encode("utf-8"))
    if size > TEMPLATE_BODY_MAX_BYTES:
        # AWS echoes the whole template as the Value; the local AWS names its size instead.
        raise ValidationError(
            message="1 validation error detected: Value at 'templateBody' failed to satisfy "
            f"constraint: Member must have length less than or equal to {TEMPLATE_BODY_MAX_BYTES}"
            f" (the TemplateBody is {size} bytes; upload the template to S3 and pass "
            "TemplateURL, which takes up to 1 MB)"
        )


def check_template_object(text: str, url: str) -> None:
    """Refuse a template read from a TemplateURL that is over 1 MB."""
    size = len(text.encode("utf-8"))
    if size > TEMPLATE_URL_MAX_BYTES:
        raise ValidationError(
            message=f"Template may not exceed {TEMPLATE_URL_MAX_BYTES} bytes in size. "
            f"(the template at {url} is {size} bytes; split it, e.g. into nested stacks)"
        )


def check_counts(template: Mapping[str, Any]) -> None:
    """Refuse a template with more resources, parameters or outputs than CloudFormation takes."""
    resources = len(template.get("Resources") or {})
    if resources > MAX_RESOURCES:
        raise ValidationError(
            message=f"Template format error: Number of resources, {resources}, is greater "
            f"than maximum allowed, {MAX_RESOURCES}"
        )
    parameters = len(template.get("Parameters") or {})
    if parameters > MAX_PARAMETERS:
        raise ValidationError(
            message=f"Template format error: Parameter count {parameters} is greater than "
            f"max allowed {MAX_PARAMETERS}"
        )
    outputs = len(template.get("Outputs") or {})
    if outputs > MAX_OUTPUTS:
        raise ValidationError(
            message=f"Template format error: Outputs count {outputs} is greater than max "
            f"allowed {MAX_OUTPUTS}"
        )
    _check_mappings(template.get("Mappings") or {})
    description = template.get("Description")
    if isinstance(description, str) and len(description.encode()) > DESCRIPTION_MAX_BYTES:
        raise ValidationError(
            message="Template format error: the template Description is "
            f"{len(description.encode())} bytes; the maximum is {DESCRIPTION_MAX_BYTES}."
        )


def _check_mappings(mappings: Mapping[str, Any]) -> None:
    if len(mappings) > MAX_MAPPINGS:
        raise ValidationError(
            message=f"Template format error: Mappings count {len(mappings)} is greater than "
            f"max allowed {MAX_MAPPINGS}"
        )
    for name, mapping in mappings.items():
        if isinstance(mapping, Mapping) and len(mapping) > MAX_MAPPING_ATTRIBUTES:
            raise ValidationError(
                message=f"Template format error: Mapping {name} has {len(mapping)} "
                f"attributes; the maximum is {MAX_MAPPING_ATTRIBUTES}."
            )


def check_parameter_values(values: Mapping[str, str]) -> None:
    """Refuse a parameter value over 4,096 bytes."""
    for name, value in values.items():
        size = len(str(value).encode())
        if size > PARAMETER_VALUE_MAX_BYTES:
            raise ValidationError(
                message=f"Parameter {name} has a value of {size} bytes; the maximum is "
                f"{PARAMETER_VALUE_MAX_BYTES} (split it into several parameters)."
            )


def check_stack_name(name: str | None) -> None:
    """Refuse a stack name CreateStack's StackName constraints refuse."""
    text = name or ""
    if len(text) > STACK_NAME_MAX_LENGTH:
        raise ValidationError(
            message=f"1 validation error detected: Value at 'stackName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {STACK_NAME_MAX_LENGTH}"
        )
    if not _STACK_NAME.fullmatch(text):
        raise ValidationError(
            message=f"1 validation error detected: Value '{text}' at 'stackName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z][-a-zA-Z0-9]*"
        )


def export_name_problem(output_key: str, name: Any) -> str | None:
    """Why CloudFormation refuses this export name, or None when it is valid."""
    text = str(name) if name is not None else ""
    if not _EXPORT_NAME.fullmatch(text):
        return (
            f"Template format error: Output {output_key} is malformed. The Name field of "
            "every Export member must be specified and consist only of alphanumeric "
            "characters, colons, or hyphens."
        )
    if len(text) > EXPORT_NAME_MAX_LENGTH:
        return (
            f"Template format error: Output {output_key} is malformed. Export name "
            f"{text[:40]}... is {len(text)} characters long; the maximum is "
            f"{EXPORT_NAME_MAX_LENGTH}."
        )
    return None


def check_literal_export_names(template: Mapping[str, Any]) -> None:
    """Refuse an export name written literally in the template (others: at completion)."""
    for key, output in (template.get("Outputs") or {}).items():
        export = output.get("Export") if isinstance(output, Mapping) else None
        if not isinstance(export, Mapping):
            continue
        name = export.get("Name")
        if isinstance(name, str) or name is None:
            problem = export_name_problem(key, name)
            if problem is not None:
                raise ValidationError(message=problem)
