"""SES in the local AWS server's own process, as ``invoke up --local`` meets it: a stack
with the sender's identities (a domain with its Easy DKIM records, an address), the
address's mailed link pointing at this server, the sandbox lifted, a send in the outbox."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from pplocalaws import control
from pplocalaws.extensions.waiting import stack_after_operation

pytestmark = pytest.mark.integration
KEYS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv: this interpreter and our module
        [sys.executable, "-m", "pplocalaws.server", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("local AWS ready on")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=30)


def _client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", **KEYS)


def test_identities_verification_sandbox_and_outbox_through_the_server(url: str) -> None:
    zone = _client(url, "route53").create_hosted_zone(Name="local.example", CallerReference="z")
    records = {
        f"Dkim{n}": {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {
                "HostedZoneId": zone["HostedZone"]["Id"],
                "Type": "CNAME",
                "TTL": "1800",
                "Name": {"Fn::GetAtt": ["Domain", f"DkimDNSTokenName{n}"]},
                "ResourceRecords": [{"Fn::GetAtt": ["Domain", f"DkimDNSTokenValue{n}"]}],
            },
        }
        for n in (1, 2, 3)
    }
    template = {
        "Resources": {
            "Domain": {
                "Type": "AWS::SES::EmailIdentity",
                "Properties": {"EmailIdentity": "local.example"},
            },
            "Sender": {
                "Type": "AWS::SES::EmailIdentity",
                "Properties": {"EmailIdentity": "noreply@sender.example"},
            },
            **records,
        }
    }
    cfn = _client(url, "cloudformation")
    cfn.create_stack(StackName="mail", TemplateBody=json.dumps(template))
    stack_after_operation(cfn, "mail", "CREATE_COMPLETE", timeout=30)
    sesv2 = _client(url, "sesv2")
    assert (
        sesv2.get_email_identity(EmailIdentity="local.example")["VerificationStatus"] == "SUCCESS"
    )
    assert (
        sesv2.get_email_identity(EmailIdentity="noreply@sender.example")["VerificationStatus"]
        == "PENDING"
    )

    [mail] = control.ses_outbox(url, to="noreply@sender.example")
    [link] = mail["links"]
    assert link.startswith(f"{url}/_localaws/ses/verify-identity?")  # this server's own URL
    with urllib.request.urlopen(link, timeout=10) as answer:  # noqa: S310 - loopback test server
        assert json.loads(answer.read())["verificationStatus"] == "SUCCESS"
    control.ses_grant_production_access(url)

    sent = sesv2.send_email(
        FromEmailAddress="noreply@sender.example",
        Destination={"ToAddresses": ["someone@example.org"]},
        Content={"Simple": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "t"}}}},
    )

    [kept] = control.ses_outbox(url, limit=1, to="someone@example.org")
    assert (kept["messageId"], kept["subject"]) == (sent["MessageId"], "hi")
