"""The bootstrap stack: `invoke bootstrap`, templates over the TemplateBody limit through its
deployment bucket (made on first need), and CloudFormation acting as its execution role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from ppdeploy import naming, templates
from ppdeploy.aws.template_store import MAX_BODY_BYTES
from tests.integration.support import ROOT, LocalAws, dump

pytestmark = pytest.mark.integration

BOOTSTRAP = naming.bootstrap_stack("dev")
SHARED = naming.shared_stack("dev")


def padded_shared_template(folder: Path) -> Path:
    """The real shared template with a comment-like Metadata block pushing it past the limit."""
    document = templates.load(ROOT / "shared-infrastructure" / "template.yaml").document
    compact = len(json.dumps(document, separators=(",", ":"), sort_keys=True))
    # (Since the signing keys and Redis users the real template is over the limit by itself;
    # the padding keeps this true whatever the template's size.)
    document.setdefault("Metadata", {})["Padding"] = "x" * max(
        2_000, MAX_BODY_BYTES - compact + 2_000
    )
    path = folder / "shared-padded.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_bootstrap_deploys_its_bucket_and_roles_and_is_then_unchanged(local_aws: LocalAws) -> None:
    first = local_aws.invoke("bootstrap", "--stage", "dev", "--local", "--yes")
    assert first.returncode == 0, dump(first)
    assert "DeploymentBucket" in first.stdout
    assert "CloudFormationExecutionRoleArn" in first.stdout

    again = local_aws.invoke("bootstrap", "--stage", "dev", "--local", "--yes")

    assert again.returncode == 0, dump(again)
    assert "unchanged" in again.stdout


def test_a_bad_repository_is_refused_before_anything_is_made(local_aws: LocalAws) -> None:
    refused = local_aws.invoke(
        "bootstrap", "--stage", "dev", "--local", "--yes", "--repository", "not a repo"
    )

    assert refused.returncode == 2, dump(refused)
    assert "OWNER/NAME" in refused.stdout + refused.stderr
    stacks = local_aws.client("cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackName"] for s in stacks] == []


def test_a_template_over_the_body_limit_deploys_through_the_bucket_made_on_first_need(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    template = padded_shared_template(tmp_path)

    result = local_aws.invoke(
        "deploy-shared", "--stage", "dev", "--local", "--yes", "--template", str(template)
    )

    assert result.returncode == 0, dump(result)
    assert f"deploying {BOOTSTRAP} first" in result.stdout
    cfn = local_aws.client("cloudformation")
    assert cfn.describe_stacks(StackName=SHARED)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    outputs = cfn.describe_stacks(StackName=BOOTSTRAP)["Stacks"][0]["Outputs"]
    bucket = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "DeploymentBucket")
    uploaded = local_aws.client("s3").list_objects_v2(Bucket=bucket, Prefix="templates/")
    assert uploaded["KeyCount"] == 1
    deployed = cfn.get_template(StackName=SHARED)["TemplateBody"]
    deployed_document = deployed if isinstance(deployed, dict) else json.loads(deployed)
    assert deployed_document["Metadata"]["Padding"].startswith("xxx")


def test_without_the_engine_the_local_aws_refuses_the_same_body(
    local_aws: LocalAws, tmp_path: Path
) -> None:
    """The case above is not vacuous: the body really is over what CloudFormation accepts."""
    document = templates.load(padded_shared_template(tmp_path)).document
    body = json.dumps(document, separators=(",", ":"), sort_keys=True)
    assert len(body) > MAX_BODY_BYTES

    with pytest.raises(Exception, match="51200"):
        local_aws.client("cloudformation").validate_template(TemplateBody=body)


def test_after_bootstrap_stacks_are_deployed_as_its_execution_role(local_aws: LocalAws) -> None:
    boot = local_aws.invoke("bootstrap", "--stage", "dev", "--local", "--yes")
    assert boot.returncode == 0, dump(boot)

    shared = local_aws.invoke("deploy-shared", "--stage", "dev", "--local", "--yes")

    assert shared.returncode == 0, dump(shared)
    cfn = local_aws.client("cloudformation")
    role = cfn.describe_stacks(StackName=SHARED)["Stacks"][0].get("RoleARN", "")
    assert role.endswith(":role/purposepath-cloudformation-dev")
    assert "RoleARN" not in cfn.describe_stacks(StackName=BOOTSTRAP)["Stacks"][0]
