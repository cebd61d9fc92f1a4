"""SES on the local AWS: AWS::SES::EmailIdentity, verification as SES does it, sending
refused from unverified senders and (in the sandbox) to unverified recipients, the outbox."""

from __future__ import annotations

import email.mime.text
import json
import re
import time
import urllib.parse
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.cloudformation.exceptions import ValidationError

from pplocalaws.resources import ses_identities, ses_sending
from pplocalaws.resources.ses_email_identity import LocalEmailIdentity
from pplocalaws.resources.ses_outbox import links_in, outbox

ACCOUNT = "123456789012"
REGION = "us-east-1"
TOKEN_NAME = re.compile(r"^[a-z2-7]{32}\._domainkey\.(?P<domain>.+)$")
TOKEN_VALUE = re.compile(r"^[a-z2-7]{32}\.dkim\.amazonses\.com$")


def _identity_template(identity: str, *, records_in: str | None = None, count: int = 3) -> str:
    resources: dict[str, Any] = {
        "Identity": {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": identity}}
    }
    outputs: dict[str, Any] = {"Ref": {"Value": {"Ref": "Identity"}}}
    for n in (1, 2, 3):
        for part in ("Name", "Value"):
            if records_in is not None:
                outputs[f"{part}{n}"] = {
                    "Value": {"Fn::GetAtt": ["Identity", f"DkimDNSToken{part}{n}"]}
                }
    for n in range(1, count + 1):
        if records_in is None:
            break
        resources[f"Dkim{n}"] = {
            "Type": "AWS::Route53::RecordSet",
            "Properties": {
                "HostedZoneId": records_in,
                "Type": "CNAME",
                "TTL": "1800",
                "Name": {"Fn::GetAtt": ["Identity", f"DkimDNSTokenName{n}"]},
                "ResourceRecords": [{"Fn::GetAtt": ["Identity", f"DkimDNSTokenValue{n}"]}],
            },
        }
    return json.dumps({"Resources": resources, "Outputs": outputs})


def _zone(aws: boto3.Session, name: str) -> str:
    zone = aws.client("route53").create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)
    return str(zone["HostedZone"]["Id"])


def _outputs(aws: boto3.Session, stack: str) -> dict[str, str]:
    described = aws.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _send(aws: boto3.Session, sender: str, *to: str, text: str = "hello") -> str:
    answer = aws.client("sesv2").send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": list(to)},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": text}}}},
    )
    return str(answer["MessageId"])


def _rejected(aws: boto3.Session, sender: str, *to: str) -> str:
    with pytest.raises(ClientError) as raised:
        _send(aws, sender, *to)
    assert raised.value.response["Error"]["Code"] == "MessageRejected"
    return str(raised.value.response["Error"]["Message"])


def _verified_domain(aws: boto3.Session, domain: str) -> None:
    cfn = aws.client("cloudformation")
    stack = f"d-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(
        StackName=stack, TemplateBody=_identity_template(domain, records_in=_zone(aws, domain))
    )


# -- AWS::SES::EmailIdentity and Easy DKIM --------------------------------------------------
def test_a_domain_identity_gives_three_easy_dkim_records_and_ref_is_its_name(
    aws: boto3.Session,
) -> None:
    aws.client("cloudformation").create_stack(
        StackName="s",
        TemplateBody=_identity_template(
            "mail.example.org", records_in=_zone(aws, "example.org"), count=0
        ),
    )
    outputs = _outputs(aws, "s")

    assert outputs["Ref"] == "mail.example.org"
    names = [outputs[f"Name{n}"] for n in (1, 2, 3)]
    values = [outputs[f"Value{n}"] for n in (1, 2, 3)]
    for name, value in zip(names, values, strict=True):
        found = TOKEN_NAME.match(name)
        assert found, name
        assert found.group("domain") == "mail.example.org"
        assert TOKEN_VALUE.match(value), value
        assert name.split(".")[0] == value.split(".")[0]  # the same token in both
    assert len(set(names)) == 3


def test_a_domain_identity_is_pending_until_its_three_cnames_exist(aws: boto3.Session) -> None:
    sesv2 = aws.client("sesv2")
    zone = _zone(aws, "example.net")
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=_identity_template("example.net", records_in=zone, count=2)
    )
    pending = sesv2.get_email_identity(EmailIdentity="example.net")
    assert (pending["VerificationStatus"], pending["DkimAttributes"]["Status"]) == (
        "PENDING",
        "PENDING",
    )
    assert pending["VerifiedForSendingStatus"] is False

    aws.client("cloudformation").update_stack(
        StackName="s", TemplateBody=_identity_template("example.net", records_in=zone, count=3)
    )

    verified = sesv2.get_email_identity(EmailIdentity="example.net")
    assert (verified["VerificationStatus"], verified["DkimAttributes"]["Status"]) == (
        "SUCCESS",
        "SUCCESS",
    )
    assert verified["VerifiedForSendingStatus"] is True
    listed = sesv2.list_email_identities()["EmailIdentities"]
    assert {"IdentityName": "example.net", "VerificationStatus": "SUCCESS"}.items() <= next(
        i for i in listed if i["IdentityName"] == "example.net"
    ).items()


def test_dkim_records_in_a_private_zone_do_not_verify(aws: boto3.Session) -> None:
    route53 = aws.client("route53")
    zone = route53.create_hosted_zone(
        Name="example.com",
        CallerReference="p",
        HostedZoneConfig={"PrivateZone": True},
        VPC={
            "VPCRegion": REGION,
            "VPCId": aws.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"],
        },
    )["HostedZone"]["Id"]
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=_identity_template("example.com", records_in=zone)
    )
    status = aws.client("sesv2").get_email_identity(EmailIdentity="example.com")
    assert status["VerificationStatus"] == "PENDING"


def test_dkim_records_in_a_zone_of_another_domain_do_not_verify(aws: boto3.Session) -> None:
    aws.client("cloudformation").create_stack(
        StackName="s",
        TemplateBody=_identity_template("purposepath.app", records_in=_zone(aws, "dev.example")),
    )
    status = aws.client("sesv2").get_email_identity(EmailIdentity="purposepath.app")
    assert status["VerificationStatus"] == "PENDING"


def test_an_email_address_identity_is_pending_and_mailed_a_link(aws: boto3.Session) -> None:
    address = f"dev-{uuid.uuid4().hex[:6]}@example.com"
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=_identity_template(address)
    )

    status = aws.client("sesv2").get_email_identity(EmailIdentity=address)
    assert (status["IdentityType"], status["VerificationStatus"]) == ("EMAIL_ADDRESS", "PENDING")
    [mail] = outbox().messages(to=address)
    assert mail.sender == "no-reply-aws@amazon.com"
    [link] = links_in(mail.text)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert urllib.parse.urlsplit(link).path == "/_localaws/ses/verify-identity"
    assert (query["identity"], query["account"], query["region"]) == (address, ACCOUNT, REGION)

    with pytest.raises(PermissionError):
        ses_identities.verify_by_link(ACCOUNT, REGION, address, "not-the-token")
    ses_identities.verify_by_link(ACCOUNT, REGION, address, query["token"])

    verified = aws.client("sesv2").get_email_identity(EmailIdentity=address)
    assert (verified["VerificationStatus"], verified["VerifiedForSendingStatus"]) == (
        "SUCCESS",
        True,
    )


def test_a_verification_link_expires_after_24_hours(
    aws: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"late-{uuid.uuid4().hex[:6]}@example.com"
    aws.client("sesv2").create_email_identity(EmailIdentity=address)
    state = ses_identities.verification(ACCOUNT, REGION, address)
    assert state is not None
    later = time.time() + 24 * 3600 + 1
    monkeypatch.setattr(ses_identities.time, "time", lambda: later)

    with pytest.raises(TimeoutError, match="expired"):
        ses_identities.verify_by_link(ACCOUNT, REGION, address, state.link_token)
    assert not ses_identities.is_verified(ACCOUNT, REGION, address)


def test_verify_email_identity_again_mails_a_new_link_and_only_it_verifies(
    aws: boto3.Session,
) -> None:
    address = f"again-{uuid.uuid4().hex[:6]}@example.com"
    ses = aws.client("ses")
    ses.verify_email_identity(EmailAddress=address)
    ses.verify_email_identity(EmailAddress=address)

    newer, older = outbox().messages(to=address)
    tokens = [
        dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(links_in(m.text)[0]).query))["token"]
        for m in (newer, older)
    ]
    with pytest.raises(PermissionError):
        ses_identities.verify_by_link(ACCOUNT, REGION, address, tokens[1])
    ses_identities.verify_by_link(ACCOUNT, REGION, address, tokens[0])
    attributes = ses.get_identity_verification_attributes(Identities=[address])
    assert attributes["VerificationAttributes"][address]["VerificationStatus"] == "Success"


def test_dkim_attributes_of_an_email_address_identity_are_refused(aws: boto3.Session) -> None:
    aws.client("cloudformation").create_stack(
        StackName="s", TemplateBody=_identity_template("a@example.com")
    )
    identity = LocalEmailIdentity("a@example.com", {}, ACCOUNT, REGION)

    with pytest.raises(ValidationError, match="exists only for a domain identity"):
        identity.get_cfn_attribute("DkimDNSTokenName1")


def test_bring_your_own_dkim_is_refused_as_not_modelled(
    aws: boto3.Session, assert_create_fails: Any
) -> None:
    template = json.loads(_identity_template("example.com"))
    template["Resources"]["Identity"]["Properties"]["DkimSigningAttributes"] = {
        "DomainSigningSelector": "s1",
        "DomainSigningPrivateKey": "key",
    }
    assert_create_fails(json.dumps(template), "Bring Your Own DKIM")


def test_deleting_the_stack_deletes_the_identity(aws: boto3.Session) -> None:
    cfn = aws.client("cloudformation")
    cfn.create_stack(StackName="s", TemplateBody=_identity_template("example.com"))
    cfn.delete_stack(StackName="s")
    assert aws.client("sesv2").list_email_identities()["EmailIdentities"] == []


def test_creating_an_existing_identity_is_refused(aws: boto3.Session) -> None:
    sesv2 = aws.client("sesv2")
    sesv2.create_email_identity(EmailIdentity="example.com")
    with pytest.raises(ClientError) as raised:
        sesv2.create_email_identity(EmailIdentity="example.com")
    assert raised.value.response["Error"]["Code"] == "AlreadyExistsException"


def test_ses_v1_domain_verification_by_its_txt_record(aws: boto3.Session) -> None:
    ses = aws.client("ses")
    token = ses.verify_domain_identity(Domain="example.com")["VerificationToken"]
    attributes = ses.get_identity_verification_attributes(Identities=["example.com"])
    assert attributes["VerificationAttributes"]["example.com"]["VerificationStatus"] == "Pending"

    aws.client("route53").change_resource_record_sets(
        HostedZoneId=_zone(aws, "example.com"),
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "_amazonses.example.com",
                        "Type": "TXT",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": f'"{token}"'}],
                    },
                }
            ]
        },
    )

    attributes = ses.get_identity_verification_attributes(Identities=["example.com"])
    assert attributes["VerificationAttributes"]["example.com"]["VerificationStatus"] == "Success"


# -- sending ---------------------------------------------------------------------------------
def test_a_send_from_an_unverified_identity_is_rejected_v2_and_v1(aws: boto3.Session) -> None:
    aws.client("sesv2").create_email_identity(EmailIdentity="example.com")  # pending
    ses_sending.set_production_access(ACCOUNT, REGION)

    message = _rejected(aws, "noreply@example.com", "someone@example.org")
    assert message == (
        "Email address is not verified. The following identities failed the check in region "
        "US-EAST-1: noreply@example.com"
    )
    with pytest.raises(ClientError) as raised:
        aws.client("ses").send_email(
            Source="Someone <noreply@example.com>",
            Destination={"ToAddresses": ["someone@example.org"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        )
    assert raised.value.response["Error"]["Code"] == "MessageRejected"


def test_the_sandbox_refuses_unverified_recipients_until_production_access(
    aws: boto3.Session,
) -> None:
    _verified_domain(aws, "purposepath.app")
    assert aws.client("sesv2").get_account()["ProductionAccessEnabled"] is False

    message = _rejected(aws, "noreply@purposepath.app", "user@example.org", "ops@purposepath.app")
    assert message.endswith("US-EAST-1: user@example.org")
    _send(aws, "noreply@purposepath.app", "ops@purposepath.app")  # a verified domain's address
    _send(aws, "noreply@purposepath.app", "success@simulator.amazonses.com")  # mailbox simulator

    ses_sending.set_production_access(ACCOUNT, REGION)

    assert aws.client("sesv2").get_account()["ProductionAccessEnabled"] is True
    _send(aws, "noreply@purposepath.app", "user@example.org")


def test_a_sender_must_be_covered_by_a_verified_identity_address_or_domain(
    aws: boto3.Session,
) -> None:
    _verified_domain(aws, "purposepath.app")
    ses_sending.set_production_access(ACCOUNT, REGION)
    _send(aws, "No Reply <noreply@purposepath.app>", "user@example.org")
    _send(aws, "noreply@mail.eu.purposepath.app", "user@example.org")  # subdomains inherit
    assert "noreply@otherpurposepath.app" in _rejected(
        aws, "noreply@otherpurposepath.app", "u@example.org"
    )
    assert "noreply@purposepath.app.evil" in _rejected(
        aws, "noreply@purposepath.app.evil", "u@example.org"
    )


def test_accepted_mail_is_in_the_outbox_newest_first_with_its_links(aws: boto3.Session) -> None:
    _verified_domain(aws, "purposepath.app")
    ses_sending.set_production_access(ACCOUNT, REGION)
    user = f"user-{uuid.uuid4().hex[:6]}@example.org"
    first = _send(aws, "noreply@purposepath.app", user, text="one")
    second = _send(
        aws,
        "noreply@purposepath.app",
        user,
        text="Verify:\nhttps://api.dev.purposepath.app/account/auth/verify-email?token=abc_-1\n"
        "Or see (http://127.0.0.1:4567/x).",
    )

    newest, older = (m.as_json() for m in outbox().messages(to=user.upper()))

    assert (newest["messageId"], older["messageId"]) == (second, first)
    assert newest["from"] == "noreply@purposepath.app"
    assert newest["to"] == [user]
    assert newest["links"] == [
        "https://api.dev.purposepath.app/account/auth/verify-email?token=abc_-1",
        "http://127.0.0.1:4567/x",
    ]
    assert newest["sentAt"].endswith("+00:00")
    assert len(outbox().messages(limit=1, to=user)) == 1


def test_a_refused_send_leaves_nothing_in_the_outbox(aws: boto3.Session) -> None:
    user = f"user-{uuid.uuid4().hex[:6]}@example.org"
    _rejected(aws, "noreply@nowhere.example", user)
    assert outbox().messages(to=user) == []


def test_a_raw_message_is_kept_with_its_text_part(aws: boto3.Session) -> None:
    _verified_domain(aws, "purposepath.app")
    ses_sending.set_production_access(ACCOUNT, REGION)
    user = f"raw-{uuid.uuid4().hex[:6]}@example.org"
    mime = email.mime.text.MIMEText("see https://x.example/a")
    mime["Subject"], mime["From"], mime["To"] = "raw", "noreply@purposepath.app", user
    aws.client("sesv2").send_email(
        FromEmailAddress="noreply@purposepath.app",
        Destination={"ToAddresses": [user]},
        Content={"Raw": {"Data": mime.as_bytes()}},
    )
    [kept] = outbox().messages(to=user)
    assert (kept.subject, links_in(kept.text)) == ("raw", ["https://x.example/a"])
