"""SES through the local AWS server: the control endpoints (outbox, verification link,
verify-identity, production access) as ``pplocalaws.control`` calls them, and IAM's
``ses:SendEmail`` for role sessions with ``ses:FromAddress`` and ``ses:Recipients``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from pplocalaws import control
from pplocalaws.extensions import install
from pplocalaws.iam.serving import EnforcingServer
from pplocalaws.local_endpoints import install as add_local_endpoints
from pplocalaws.resources.ses_identities import set_link_base

ACCOUNT = "123456789012"
REGION = "us-east-1"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    install()
    server = EnforcingServer("127.0.0.1", 0)
    add_local_endpoints(server)
    server.start()
    address = f"http://127.0.0.1:{server.port}"
    set_link_base(address)
    yield address
    set_link_base("http://127.0.0.1:4566")
    server.stop()


def _client(url: str, service: str, credentials: dict[str, str] | None = None) -> Any:
    return boto3.session.Session().client(
        service, endpoint_url=url, region_name=REGION, **(credentials or ADMIN)
    )


def _get(address: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(address, timeout=10) as answer:  # noqa: S310 - loopback test server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _address(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def test_following_the_mailed_link_verifies_an_address(url: str) -> None:
    address = _address("link")
    sesv2 = _client(url, "sesv2")
    sesv2.create_email_identity(EmailIdentity=address)

    [mail] = control.ses_outbox(url, to=address)
    assert (mail["from"], mail["to"]) == ("no-reply-aws@amazon.com", [address])
    [link] = mail["links"]
    assert link.startswith(f"{url}/_localaws/ses/verify-identity?")
    assert sesv2.get_email_identity(EmailIdentity=address)["VerificationStatus"] == "PENDING"

    assert _get(link) == (200, {"identity": address, "verificationStatus": "SUCCESS"})
    assert sesv2.get_email_identity(EmailIdentity=address)["VerificationStatus"] == "SUCCESS"
    status, body = _get(link.replace("token=", "token=x"))
    assert status == 200  # already verified: following an old link changes nothing
    assert body["verificationStatus"] == "SUCCESS"


def test_a_link_with_a_wrong_token_is_refused(url: str) -> None:
    address = _address("wrong")
    _client(url, "sesv2").create_email_identity(EmailIdentity=address)
    [link] = control.ses_outbox(url, to=address)[0]["links"]

    status, body = _get(link.replace("token=", "token=x"))

    assert status == 400
    assert "not the link" in body["message"]


def test_verify_identity_follows_the_link_for_its_owner(url: str) -> None:
    address = _address("control")
    _client(url, "sesv2").create_email_identity(EmailIdentity=address)

    answer = control.ses_verify_identity(url, address)

    assert answer == {"identity": address, "verificationStatus": "SUCCESS"}


def test_verify_identity_refuses_a_domain_and_an_unknown_identity(url: str) -> None:
    _client(url, "sesv2").create_email_identity(EmailIdentity="verify-refusal.example")
    with pytest.raises(control.LocalAwsProblem, match="DKIM CNAME records"):
        control.ses_verify_identity(url, "verify-refusal.example")
    with pytest.raises(control.LocalAwsProblem, match="no identity"):
        control.ses_verify_identity(url, _address("nobody"))


@pytest.mark.parametrize("limit", ["0", "1001", "many"])
def test_the_outbox_refuses_a_bad_limit(url: str, limit: str) -> None:
    status, body = _get(f"{url}/_localaws/ses/outbox?limit={limit}")
    assert status == 400
    assert "limit" in body["message"]


def _session(url: str, statements: list[dict[str, Any]]) -> dict[str, str]:
    role = f"r-{uuid.uuid4().hex[:8]}"
    iam = _client(url, "iam")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")
    iam.put_role_policy(
        RoleName=role,
        PolicyName="p",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    answer = _client(url, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="fn"
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


def _send(url: str, credentials: dict[str, str], sender: str, to: str) -> str:
    answer = _client(url, "sesv2", credentials).send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
    )
    return str(answer["MessageId"])


def test_production_access_and_a_role_sessions_send_with_ses_conditions(url: str) -> None:
    sender = _address("noreply")
    _client(url, "sesv2").create_email_identity(EmailIdentity=sender)
    control.ses_verify_identity(url, sender)
    arn = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/{sender}"
    credentials = _session(
        url,
        [
            {
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": arn,
                "Condition": {
                    "StringEquals": {"ses:FromAddress": sender},
                    "ForAllValues:StringLike": {"ses:Recipients": "*@example.org"},
                },
            }
        ],
    )
    user = f"user-{uuid.uuid4().hex[:6]}@example.org"
    assert _client(url, "sesv2").get_account()["ProductionAccessEnabled"] is False
    with pytest.raises(ClientError) as sandboxed:
        _send(url, credentials, sender, user)
    assert sandboxed.value.response["Error"]["Code"] == "MessageRejected"
    assert user in sandboxed.value.response["Error"]["Message"]

    granted = control.ses_grant_production_access(url)

    assert granted == {"account": ACCOUNT, "region": REGION, "productionAccessEnabled": True}
    assert _client(url, "sesv2").get_account()["ProductionAccessEnabled"] is True
    message_id = _send(url, credentials, sender, user)
    assert control.ses_outbox(url, to=user)[0]["messageId"] == message_id
    with pytest.raises(ClientError) as denied:
        _send(url, credentials, sender, "someone@example.net")  # ses:Recipients
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"  # SES v2 JSON
    assert f"ses:SendEmail on resource: {arn}" in denied.value.response["Error"]["Message"]
