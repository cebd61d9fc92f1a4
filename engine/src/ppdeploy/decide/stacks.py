"""The stacks of a stage as specs: the shared stack and each service stack."""

from __future__ import annotations

import json
from pathlib import Path

from ppdeploy import naming, project, templates
from ppdeploy.catalog import ServiceSource
from ppdeploy.config import Stage
from ppdeploy.decide import guard, preflight
from ppdeploy.model import StackSpec

RUNTIME_TAG = "purposepath:runtime"


def tags(stage: Stage, component: str) -> dict[str, str]:
    return {
        "purposepath:stage": stage.name,
        "purposepath:component": component,
        "purposepath:managed-by": "ppdeploy",
    }


def protective_stack_policy() -> str:
    """Updates allowed, except replacing or deleting a stateful resource (staging, prod)."""
    return json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Action": "Update:*", "Principal": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": ["Update:Replace", "Update:Delete"],
                    "Principal": "*",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"ResourceType": sorted(guard.STATEFUL_TYPES)}},
                },
            ]
        },
        indent=1,
    )


def shared_spec(stage: Stage, template_path: Path | None = None) -> StackSpec:
    """The shared stack as it should be: inputs checked, template parsed, parameters valid."""
    preflight.check_shared_inputs(stage)
    preflight.check_sender_in_zone(stage)
    template = templates.load(template_path or project.shared_template())
    parameters = stage.shared_parameters()
    preflight.check_parameters(template, parameters)
    return StackSpec(
        name=naming.shared_stack(stage.name),
        template=template,
        parameters=parameters,
        tags=tags(stage, "shared-infrastructure"),
        termination_protection=stage.termination_protection,
        stack_policy=protective_stack_policy() if stage.termination_protection else None,
    )


def service_sketch(stage: Stage, source: ServiceSource) -> StackSpec:
    """A service stack before its artifact exists: enough to order it and check its imports."""
    return StackSpec(
        name=naming.service_stack(source.service, stage.name),
        template=templates.load(source.template),
        parameters={"Stage": stage.name},
        tags={**tags(stage, source.service), RUNTIME_TAG: source.runtime},
    )


def service_spec(
    stage: Stage, source: ServiceSource, *, artifact_bucket: str, artifact_key: str, domain: str
) -> StackSpec:
    """A service stack ready to deploy: its artifact uploaded, its domain known."""
    sketch = service_sketch(stage, source)
    parameters = {
        "Stage": stage.name,
        "DomainName": domain,
        "ArtifactBucket": artifact_bucket,
        "ArtifactKey": artifact_key,
        **stage.service_parameters(source.service),
    }
    preflight.check_parameters(sketch.template, parameters)
    return StackSpec(
        name=sketch.name, template=sketch.template, parameters=parameters, tags=sketch.tags
    )
