"""Issue 12's keys and sessions through an in-process local AWS server with IAM on.

The account function's role signs with the shared stack's ECC key; another service's role
is refused by the key policy's Deny (``ArnNotLike aws:PrincipalArn``) even when its own
policy allows kms:Sign; every role reads the public key and the key-set parameter as its
policy allows; a secret readable only ``DateLessThan aws:CurrentTime`` closes by itself.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from pplocalaws.iam.serving import EnforcingServer
from pplocalaws.resources import register

REGION = "us-east-1"
ACCOUNT = "123456789012"
ADMIN = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_SESSION = boto3.session.Session()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    register()  # the KMS fidelity patches (resources.kms_signing) the server runs with
    server = EnforcingServer("127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def _client(endpoint: str, service: str, keys: dict[str, str] = ADMIN) -> Any:
    return _SESSION.client(service, endpoint_url=endpoint, region_name=REGION, **keys)


def _role_session(endpoint: str, role: str, statements: list[dict[str, Any]]) -> dict[str, str]:
    iam = _client(endpoint, "iam")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument="{}")
    iam.put_role_policy(
        RoleName=role,
        PolicyName="fn",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    answer = _client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="fn"
    )["Credentials"]
    return {
        "aws_access_key_id": answer["AccessKeyId"],
        "aws_secret_access_key": answer["SecretAccessKey"],
        "aws_session_token": answer["SessionToken"],
    }


class Stage:
    """A signing key with the contract's key policy, the account and coaching roles."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        suffix = uuid.uuid4().hex[:8]
        self.account_role = f"purposepath-account-api-{suffix}"
        self.coaching_role = f"purposepath-coaching-{suffix}"
        key_policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountDelegatesToIam",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "OnlyTheAccountFunctionSigns",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "kms:Sign",
                    "Resource": "*",
                    "Condition": {
                        "ArnNotLike": {
                            "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/{self.account_role}"
                        }
                    },
                },
            ],
        }
        self.key_arn = _client(endpoint, "kms").create_key(
            KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Policy=json.dumps(key_policy)
        )["KeyMetadata"]["Arn"]
        self.parameter = f"/purposepath/{suffix}/signing-keys"
        self.parameter_arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{self.parameter}"
        _client(endpoint, "ssm").put_parameter(
            Name=self.parameter, Type="String", Value='{"active":"k","accepted":["k"]}'
        )
        read_keys = [
            {"Effect": "Allow", "Action": "kms:GetPublicKey", "Resource": self.key_arn},
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": self.parameter_arn},
        ]
        sign = {"Effect": "Allow", "Action": "kms:Sign", "Resource": self.key_arn}
        self.account = _role_session(endpoint, self.account_role, [*read_keys, sign])
        self.coaching = _role_session(endpoint, self.coaching_role, read_keys)
        # The same service with a (wrong) IAM grant of kms:Sign: the key policy still denies.
        self.coaching_granted = _role_session(
            endpoint, f"{self.coaching_role}-granted", [*read_keys, sign]
        )

    def kms(self, credentials: dict[str, str]) -> Any:
        return _client(self.endpoint, "kms", credentials)


@pytest.fixture
def stage(endpoint: str) -> Stage:
    return Stage(endpoint)


def _refused(call: Any, **kwargs: Any) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    error = raised.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


SIGN = {"Message": b"header.payload", "MessageType": "RAW", "SigningAlgorithm": "ECDSA_SHA_256"}


def test_the_account_role_signs_and_the_signature_verifies_with_the_public_key(
    stage: Stage,
) -> None:
    signed = stage.kms(stage.account).sign(KeyId=stage.key_arn, **SIGN)
    public_key = stage.kms(stage.coaching).get_public_key(KeyId=stage.key_arn)["PublicKey"]
    public = load_der_public_key(public_key)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signed["Signature"], b"header.payload", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("who", ["coaching", "coaching_granted"])
def test_another_role_gets_kms_access_denied_from_the_key_policy(stage: Stage, who: str) -> None:
    credentials = getattr(stage, who)
    code, message, status = _refused(stage.kms(credentials).sign, KeyId=stage.key_arn, **SIGN)
    role = stage.coaching_role + ("-granted" if who == "coaching_granted" else "")
    assert (code, status) == ("AccessDeniedException", 400)
    assert message == (
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/fn is not authorized to perform: "
        f"kms:Sign on resource: {stage.key_arn} with an explicit deny in a resource-based policy"
    )


def test_without_the_account_statement_the_role_s_own_policy_is_not_enough(stage: Stage) -> None:
    only_one_role = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/{stage.coaching_role}"},
                "Action": "kms:GetPublicKey",
                "Resource": "*",
            }
        ],
    }
    _client(stage.endpoint, "kms").put_key_policy(
        KeyId=stage.key_arn, PolicyName="default", Policy=json.dumps(only_one_role)
    )
    code, message, _ = _refused(stage.kms(stage.account).sign, KeyId=stage.key_arn, **SIGN)
    assert code == "AccessDeniedException"
    assert message.endswith("because no resource-based policy allows the kms:Sign action")
    stage.kms(stage.coaching).get_public_key(KeyId=stage.key_arn)  # named: allowed alone


def test_a_key_pending_deletion_refuses_the_account_role_s_sign(stage: Stage) -> None:
    _client(stage.endpoint, "kms").schedule_key_deletion(KeyId=stage.key_arn, PendingWindowInDays=7)
    code, message, _ = _refused(stage.kms(stage.account).sign, KeyId=stage.key_arn, **SIGN)
    assert (code, message) == ("KMSInvalidStateException", f"{stage.key_arn} is pending deletion.")


def test_ssm_get_parameter_follows_the_identity_policy(stage: Stage) -> None:
    ssm = _client(stage.endpoint, "ssm", stage.coaching)
    value = ssm.get_parameter(Name=stage.parameter)["Parameter"]["Value"]
    assert json.loads(value)["active"] == "k"
    other = stage.parameter.replace("signing-keys", "other")
    _client(stage.endpoint, "ssm").put_parameter(Name=other, Type="String", Value="x")
    code, message, status = _refused(ssm.get_parameter, Name=other)
    assert (code, status) == ("AccessDeniedException", 400)
    assert f"ssm:GetParameter on resource: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{other}" in (
        message
    )
    code, _, _ = _refused(ssm.put_parameter, Name=stage.parameter, Value="{}", Overwrite=True)
    assert code == "AccessDeniedException"


@pytest.mark.parametrize(
    ("until", "readable"), [("2999-01-01T00:00:00Z", True), ("2020-01-01T00:00:00Z", False)]
)
def test_a_secret_readable_until_a_time_closes_by_itself(
    endpoint: str, until: str, readable: bool
) -> None:
    secret_arn = _client(endpoint, "secretsmanager").create_secret(
        Name=f"jwt-{uuid.uuid4().hex[:8]}", SecretString='{"secret":"s"}'
    )["ARN"]
    window = {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": secret_arn,
        "Condition": {"DateLessThan": {"aws:CurrentTime": until}},
    }
    credentials = _role_session(endpoint, f"r-{uuid.uuid4().hex[:8]}", [window])
    secrets = _client(endpoint, "secretsmanager", credentials)
    if readable:
        assert secrets.get_secret_value(SecretId=secret_arn)["SecretString"] == '{"secret":"s"}'
    else:
        code, message, _ = _refused(secrets.get_secret_value, SecretId=secret_arn)
        assert code == "AccessDeniedException"
        assert "because no identity-based policy allows" in message
