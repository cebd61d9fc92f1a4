"""The stage's bootstrap stack: what must exist before the shared stack can deploy.

It holds the deployment bucket (templates over the 51,200-byte ``TemplateBody`` limit go
there and by ``TemplateURL``; the shared stack cannot host its own upload bucket), the role
CloudFormation deploys the stage with, and, when the stage names a GitHub repository, the
OIDC trust and the role that repository's deploy workflow assumes. ``invoke bootstrap``
deploys it; a deploy that needs the bucket and finds no bootstrap stack deploys it first,
saying so, as ``sam deploy --resolve-s3`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ppdeploy import naming, project, templates
from ppdeploy.aws.cloudformation import CloudFormation
from ppdeploy.aws.template_store import TemplateStore
from ppdeploy.config import Stage
from ppdeploy.model import StackSpec

GITHUB_ISSUER = "token.actions.githubusercontent.com"
PROVIDER_LOGICAL_ID = "GitHubOidcProvider"
HEALTHY = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}


@dataclass(frozen=True)
class Bootstrap:
    """What a deploy uses from the bootstrap stack."""

    bucket: str
    execution_role_arn: str
    deploy_role_arn: str = ""

    @classmethod
    def from_outputs(cls, outputs: dict[str, str]) -> Bootstrap:
        return cls(
            bucket=outputs["DeploymentBucket"],
            execution_role_arn=outputs["CloudFormationExecutionRoleArn"],
            deploy_role_arn=outputs.get("DeployRoleArn", ""),
        )

    def store(self, s3: Any, region: str, endpoint_url: str | None) -> TemplateStore:
        return TemplateStore.for_target(s3, self.bucket, region, endpoint_url)


def found(cfn: CloudFormation, stage: Stage) -> Bootstrap | None:
    """The stage's bootstrap when its stack exists in a usable state, else None."""
    state = cfn.describe(naming.bootstrap_stack(stage.name))
    if state is None or state.status not in HEALTHY:
        return None
    return Bootstrap.from_outputs(state.outputs)


def github_provider_arn(iam: Any, cfn: CloudFormation, stage: Stage) -> str:
    """The account's GitHub OIDC provider to reuse, or "" for this stack to create it.

    An account holds one provider per issuer. When this stage's own bootstrap stack made
    it, it stays "" so the stack keeps owning it (passing its ARN would delete it).
    """
    owned = cfn.resources(naming.bootstrap_stack(stage.name))
    if any(r.logical_id == PROVIDER_LOGICAL_ID for r in owned):
        return ""
    for provider in iam.list_open_id_connect_providers().get("OpenIDConnectProviderList", []):
        if provider["Arn"].endswith(f":oidc-provider/{GITHUB_ISSUER}"):
            return str(provider["Arn"])
    return ""


def spec(stage: Stage, *, repository: str, provider_arn: str, tags: dict[str, str]) -> StackSpec:
    """The bootstrap stack as it should be for ``stage``."""
    return StackSpec(
        name=naming.bootstrap_stack(stage.name),
        template=templates.load(project.bootstrap_template()),
        parameters={
            "Stage": stage.name,
            "GitHubRepository": repository,
            "GitHubOidcProviderArn": provider_arn,
        },
        tags=tags,
        termination_protection=stage.termination_protection,
    )


def describe(outputs: dict[str, str]) -> list[tuple[str, str]]:
    """The rows a person needs after a bootstrap: what to put where."""
    rows = sorted(outputs.items())
    if "DeployRoleArn" in outputs:
        rows.append(
            ("next", "set the GitHub environment's AWS_DEPLOY_ROLE_ARN secret to DeployRoleArn")
        )
    return rows
