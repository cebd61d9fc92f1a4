"""The ``AWS::Serverless-2016-10-31`` transform, run server side like CloudFormation does.

moto ignores ``Transform:`` and tries to create ``AWS::Serverless::*`` resources, which it
has no model for. CloudFormation expands the template with the SAM translator when a
change set or stack is created (the caller must grant CAPABILITY_AUTO_EXPAND) and keeps
both stages: GetTemplate returns the Original by default or the Processed one on request.

The translator needs two things from AWS that the local AWS supplies without any call:
the region (for ARNs) and a map of AWS managed policy names to ARNs. samtranslator ships
that map for the ``aws`` partition; the loader here adds nothing to it and never calls IAM.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pplocalaws.extensions.templates import SAM_TRANSFORM, declared_transforms


class TransformError(Exception):
    """The template's transform failed; the text is CloudFormation's StatusReason."""


@dataclass(frozen=True)
class _RegionOnlySession:
    """What the translator reads from a boto3 Session: only the region (no credentials)."""

    region_name: str


def needs_expansion(template: Mapping[str, Any]) -> bool:
    return bool(declared_transforms(template))


def expand(
    template: Mapping[str, Any], parameters: Mapping[str, str], region: str
) -> dict[str, Any]:
    """The processed template: ``template`` with its SAM transform applied.

    Raises ``TransformError`` with CloudFormation's wording when the transform is not the
    SAM one (the local AWS runs no other macro) or when the SAM template is invalid.
    """
    transforms = declared_transforms(template)
    unsupported = [name for name in transforms if name != SAM_TRANSFORM]
    if unsupported:
        raise TransformError(
            f"Transform {', '.join(unsupported)} is not supported by the local AWS: it runs "
            f"only {SAM_TRANSFORM}. Deploy this stack to AWS, or remove the transform."
        )
    # Imported here: samtranslator costs ~0.35 s to import and most stacks never need it.
    from samtranslator.model.exceptions import InvalidDocumentException  # noqa: PLC0415
    from samtranslator.parser.parser import Parser  # noqa: PLC0415
    from samtranslator.translator.translator import Translator  # noqa: PLC0415

    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        boto_session=_RegionOnlySession(region),
    )
    try:
        processed: dict[str, Any] = translator.translate(
            copy.deepcopy(dict(template)),
            parameter_values=dict(parameters),
            get_managed_policy_map=dict,  # bundled map only: no IAM calls
        )
    except InvalidDocumentException as error:
        causes = " ".join(str(cause.message) for cause in error.causes)
        raise TransformError(
            f"Transform {SAM_TRANSFORM} failed with: {error.message} {causes}".strip()
        ) from error
    except Exception as error:  # the translator raises bare errors on odd input too
        raise TransformError(
            f"Transform {SAM_TRANSFORM} failed with: {type(error).__name__}: {error}"
        ) from error
    return processed
