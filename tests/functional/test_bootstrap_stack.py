"""The bootstrap template (deployment bucket, GitHub OIDC trust, deploy and execution roles)
deployed on moto with the local AWS's models: what it makes is what the README promises."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from pplocalaws.resources import register

TEMPLATE_PATH = Path(__file__).parents[2] / "bootstrap" / "template.yaml"
STACK = "purposepath-bootstrap-dev"
REGION = "us-east-1"
REPOSITORY = "purposepath/deployment"
BUCKET = f"purposepath-deploy-{DEFAULT_ACCOUNT_ID}-{REGION}-dev"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        register()
        yield boto3.Session(region_name=REGION)


def deploy(aws: boto3.Session, stack: str = STACK, **parameters: str) -> dict[str, str]:
    cfn = aws.client("cloudformation")
    cfn.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(cfn_yaml.load(str(TEMPLATE_PATH))),
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v}
            for k, v in {"Stage": "dev", **parameters}.items()
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def trust_of(aws: boto3.Session, role_arn: str) -> dict[str, Any]:
    role = aws.client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    document = role["AssumeRolePolicyDocument"]
    statement: dict[str, Any] = document["Statement"][0]
    return statement


def test_the_deployment_bucket_is_private_encrypted_tls_only_and_expires(
    aws: boto3.Session,
) -> None:
    outputs = deploy(aws)
    s3 = aws.client("s3")

    assert outputs["DeploymentBucket"] == BUCKET
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(block, True)
    assert len(block) == 4
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle[0]["Expiration"]["Days"] == 7
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    deny = policy["Statement"][0]
    assert (deny["Effect"], deny["Condition"]) == (
        "Deny",
        {"Bool": {"aws:SecureTransport": False}},
    )


def test_without_a_repository_there_is_no_ci_trust(aws: boto3.Session) -> None:
    outputs = deploy(aws)

    assert "DeployRoleArn" not in outputs
    assert aws.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    execution_role = outputs["CloudFormationExecutionRoleArn"]
    assert execution_role.endswith(":role/purposepath-cloudformation-dev")


def test_the_deploy_role_trusts_only_this_repositorys_stage_environment(
    aws: boto3.Session,
) -> None:
    outputs = deploy(aws, GitHubRepository=REPOSITORY)

    statement = trust_of(aws, outputs["DeployRoleArn"])
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": f"repo:{REPOSITORY}:environment:dev",
        }
    }


def test_the_deploy_role_runs_cloudformation_only_as_the_execution_role() -> None:
    template = cfn_yaml.load(str(TEMPLATE_PATH))
    role = template["Resources"]["DeployRole"]["Properties"]
    (policy,) = role["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    execution_role = {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]}

    assert statements["OnlyAsTheExecutionRole"]["Effect"] == "Deny"
    assert statements["OnlyAsTheExecutionRole"]["Condition"] == {
        "StringNotEquals": {"cloudformation:RoleArn": execution_role}
    }
    assert statements["PassOnlyTheExecutionRole"]["Resource"] == execution_role
    assert statements["PassOnlyTheExecutionRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }


def test_a_second_stage_in_the_account_reuses_the_provider(aws: boto3.Session) -> None:
    deploy(aws, GitHubRepository=REPOSITORY)
    iam = aws.client("iam")
    (provider,) = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]

    outputs = deploy(
        aws,
        "purposepath-bootstrap-staging",
        Stage="staging",
        GitHubRepository=REPOSITORY,
        GitHubOidcProviderArn=provider["Arn"],
    )

    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1
    statement = trust_of(aws, outputs["DeployRoleArn"])
    assert statement["Principal"]["Federated"] == provider["Arn"]
    assert statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        f"repo:{REPOSITORY}:environment:staging"
    )
