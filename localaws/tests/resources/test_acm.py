"""AWS::CertificateManager::Certificate: issued locally, Ref is the ARN, deleted with the stack."""

from __future__ import annotations

import json

import boto3

TEMPLATE = json.dumps(
    {
        "Resources": {
            "Certificate": {
                "Type": "AWS::CertificateManager::Certificate",
                "Properties": {
                    "DomainName": "api.dev.purposepath.app",
                    "ValidationMethod": "DNS",
                    "DomainValidationOptions": [
                        {"DomainName": "api.dev.purposepath.app", "HostedZoneId": "Z123"}
                    ],
                },
            }
        },
        "Outputs": {"Arn": {"Value": {"Ref": "Certificate"}}},
    }
)


def test_certificate_is_issued_and_ref_is_its_arn(aws: boto3.Session) -> None:
    cfn, acm = aws.client("cloudformation"), aws.client("acm")
    cfn.create_stack(StackName="s", TemplateBody=TEMPLATE)
    arn = cfn.describe_stacks(StackName="s")["Stacks"][0]["Outputs"][0]["OutputValue"]

    certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert (certificate["DomainName"], certificate["Status"], certificate["Type"]) == (
        "api.dev.purposepath.app",
        "ISSUED",
        "AMAZON_ISSUED",
    )


def test_delete_stack_removes_the_certificate(aws: boto3.Session) -> None:
    cfn, acm = aws.client("cloudformation"), aws.client("acm")
    cfn.create_stack(StackName="s", TemplateBody=TEMPLATE)

    cfn.delete_stack(StackName="s")

    assert acm.list_certificates()["CertificateSummaryList"] == []
