"""AWS::IAM::OIDCProvider: created, updated in place, replaced on a new Url, one per issuer."""

from __future__ import annotations

import json
from typing import Any

import boto3

from pplocalaws.extensions import install

GITHUB = "https://token.actions.githubusercontent.com"
THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"


def template(url: str = GITHUB, client_ids: tuple[str, ...] = ("sts.amazonaws.com",)) -> str:
    provider: dict[str, Any] = {
        "Type": "AWS::IAM::OIDCProvider",
        "Properties": {
            "Url": url,
            "ClientIdList": list(client_ids),
            "ThumbprintList": [THUMBPRINT],
        },
    }
    return json.dumps(
        {
            "Resources": {"Provider": provider},
            "Outputs": {
                "Ref": {"Value": {"Ref": "Provider"}},
                "Arn": {"Value": {"Fn::GetAtt": ["Provider", "Arn"]}},
            },
        }
    )


def outputs(cfn: Any, stack: str) -> dict[str, str]:
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def test_ref_and_arn_name_the_provider_of_the_url(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName="s", TemplateBody=template())

    out = outputs(cfn, "s")
    assert out["Ref"] == out["Arn"]
    assert out["Arn"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=out["Arn"])
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]


def test_client_ids_update_in_place(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName="s", TemplateBody=template())
    arn = outputs(cfn, "s")["Arn"]

    cfn.update_stack(StackName="s", TemplateBody=template(client_ids=("sts.amazonaws.com", "x")))

    assert outputs(cfn, "s")["Arn"] == arn
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com", "x"]


def _failure(cfn: Any, stack: str, template_body: str) -> str:
    """Create ``stack``; it must fail and roll back. The reasons CloudFormation gives."""
    install()  # events and rollback as CloudFormation does them, whatever ran before
    cfn.create_stack(StackName=stack, TemplateBody=template_body)
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return " ".join(e.get("ResourceStatusReason", "") for e in events)


def test_a_second_provider_for_the_same_issuer_is_refused(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    install()
    cfn.create_stack(StackName="first", TemplateBody=template())

    reasons = _failure(cfn, "second", template())

    assert f"Provider with url {GITHUB} already exists." in reasons  # EntityAlreadyExists
    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 1


def test_a_url_without_https_is_refused(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")

    reasons = _failure(cfn, "s", template(url="http://issuer.example"))

    assert "must begin with https://" in reasons
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_delete_stack_removes_the_provider(aws: boto3.Session) -> None:
    cfn, iam = aws.client("cloudformation"), aws.client("iam")
    cfn.create_stack(StackName="s", TemplateBody=template())

    cfn.delete_stack(StackName="s")

    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
