"""Deploy the shared infrastructure stack of a stage (``invoke deploy-shared``)."""

from __future__ import annotations

from pathlib import Path

from ppdeploy import naming, preflight, project, templates
from ppdeploy import target as targets
from ppdeploy.cloudformation import CloudFormation
from ppdeploy.config import Stage
from ppdeploy.deploy import deploy_stack
from ppdeploy.model import DeployResult, StackSpec
from ppdeploy.ui import Reporter


def stack_tags(stage: Stage, component: str) -> dict[str, str]:
    return {
        "purposepath:stage": stage.name,
        "purposepath:component": component,
        "purposepath:managed-by": "ppdeploy",
    }


def shared_spec(stage: Stage, template_path: Path | None = None) -> StackSpec:
    """The shared stack as it should be: inputs checked, template parsed, parameters valid."""
    preflight.check_shared_inputs(stage)
    template = templates.load(template_path or project.shared_template())
    parameters = stage.shared_parameters()
    preflight.check_parameters(template, parameters)
    return StackSpec(
        name=naming.shared_stack(stage.name),
        template=template,
        parameters=parameters,
        tags=stack_tags(stage, "shared-infrastructure"),
        termination_protection=stage.termination_protection,
    )


def deploy_shared(
    stage: Stage,
    reporter: Reporter,
    *,
    use_local: bool,
    assume_yes: bool,
    template_path: Path | None = None,
) -> DeployResult:
    """Check everything that can be checked offline, then deploy the shared stack."""
    spec = shared_spec(stage, template_path)
    for warning in preflight.lint(spec.template, stage.region):
        reporter.warn(f"cfn-lint: {warning}")
    target = targets.for_stage(stage, use_local=use_local)
    cfn = CloudFormation(target.client("cloudformation"), poll_seconds=target.poll_seconds)
    reporter.info(f"deploying {spec.name} to {target.description}")
    return deploy_stack(
        cfn,
        spec,
        reporter,
        approve=lambda spec, _change_set: reporter.confirm(
            f"Apply these changes to {spec.name} on {target.description}?",
            assume_yes=assume_yes,
        ),
    )
