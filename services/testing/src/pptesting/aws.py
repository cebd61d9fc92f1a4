"""Tables and secrets exactly as the shared template defines them, for moto tests."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from pptesting.clients import shared_session

TEST_JWT_SECRET = "test-secret-" + "0123456789abcdef" * 4  # 76 characters, above the minimum

_S = "S"

# Mirrors shared-infrastructure/template.yaml (the services brief lists the key schemas).
TABLE_SCHEMAS: dict[str, dict[str, Any]] = {
    "users": {"hash": "userId", "indexes": {"email-index": "email"}},
    "tokens": {"hash": "tokenHash", "indexes": {"session-index": "sessionId"}, "ttl": True},
    "tenants": {"hash": "tenantId", "indexes": {}},
    "sessions": {"hash": "sessionId", "indexes": {"user-index": "userId"}, "ttl": True},
    "coaching": {"hash": "pk", "range": "sk", "indexes": {}, "ttl": True},
    "traction": {"hash": "pk", "range": "sk", "indexes": {}},
}


def _session() -> boto3.session.Session:
    # moto replaces boto3's default session on every mock start; this one keeps the loaded
    # service models, and the clients made from them, across tests (pptesting.clients).
    return shared_session()


def create_table(logical: str, *, stage: str = "test", client: Any = None) -> str:
    """Create table ``logical`` inside ``mock_aws`` and return its name.

    Set the name in ``<LOGICAL>_TABLE`` (``table_variable``) with ``monkeypatch.setenv``.
    """
    schema = TABLE_SCHEMAS[logical]
    name = f"purposepath-{logical}-{stage}"
    keys = [{"AttributeName": schema["hash"], "KeyType": "HASH"}]
    attributes = {schema["hash"]}
    if "range" in schema:
        keys.append({"AttributeName": schema["range"], "KeyType": "RANGE"})
        attributes.add(schema["range"])
    indexes = []
    for index_name, index_hash in schema["indexes"].items():
        attributes.add(index_hash)
        indexes.append(
            {
                "IndexName": index_name,
                "KeySchema": [{"AttributeName": index_hash, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        )
    arguments: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": attribute, "AttributeType": _S} for attribute in sorted(attributes)
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        arguments["GlobalSecondaryIndexes"] = indexes
    client = client or _session().client("dynamodb")
    client.create_table(**arguments)
    if schema.get("ttl"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"},
        )
    return name


def dynamodb_resource() -> Any:
    """The DynamoDB resource of the mocked account (inside ``mock_aws``)."""
    return _session().resource("dynamodb")


def table_variable(logical: str) -> str:
    return f"{logical.upper()}_TABLE"


def create_tables(*logical: str, stage: str = "test") -> dict[str, str]:
    # One client for all of them: making a client costs more than creating a moto table.
    client = _session().client("dynamodb")
    return {name: create_table(name, stage=stage, client=client) for name in logical}


def create_jwt_secret(secret: str = TEST_JWT_SECRET, *, stage: str = "test") -> str:
    """Create the JWT secret in the shared format; set its ARN in ``JWT_SECRET_ARN``."""
    response = (
        _session()
        .client("secretsmanager")
        .create_secret(
            Name=f"purposepath/jwt-secret/{stage}", SecretString=json.dumps({"secret": secret})
        )
    )
    arn: str = response["ARN"]
    return arn


def signing_keys_parameter(stage: str = "test") -> str:
    return f"/purposepath/{stage}/signing-keys"


def create_signing_key(*, stage: str = "test", legacy_hs256_until: str = "") -> str:
    """A KMS ECC_NIST_P256 signing key and the key set naming it active, as the shared
    stack makes them (inside ``mock_aws``); returns the key id. Set
    ``SIGNING_KEYS_PARAMETER`` to ``signing_keys_parameter(stage)``."""
    kms = _session().client("kms")
    key_id: str = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    write_key_set(
        active=key_id, accepted=[key_id], legacy_hs256_until=legacy_hs256_until, stage=stage
    )
    return key_id


def write_key_set(
    *, active: str, accepted: list[str], legacy_hs256_until: str = "", stage: str = "test"
) -> None:
    """Write the key set parameter (compact JSON, the shared stack's format)."""
    value = json.dumps(
        {"active": active, "accepted": accepted, "legacyHs256Until": legacy_hs256_until},
        separators=(",", ":"),
    )
    _session().client("ssm").put_parameter(
        Name=signing_keys_parameter(stage), Value=value, Type="String", Overwrite=True
    )


def kms_signer(stage: str = "test") -> Callable[[Mapping[str, Any], Mapping[str, Any] | None], str]:
    """Signs claims (and an optional header) with the key set's active KMS key (moto)."""
    from ppcommon.es256 import raw_signature_from_der  # noqa: PLC0415 - keeps imports light

    def b64url(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def sign(claims: Mapping[str, Any], header: Mapping[str, Any] | None) -> str:
        ssm, kms = _session().client("ssm"), _session().client("kms")
        parameter = ssm.get_parameter(Name=signing_keys_parameter(stage))["Parameter"]
        active = json.loads(parameter["Value"])["active"]
        head = dict(header) if header is not None else {"alg": "ES256", "typ": "JWT", "kid": active}
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (head, claims)
        )
        der = kms.sign(
            KeyId=active,
            Message=signing_input.encode(),
            MessageType="RAW",
            SigningAlgorithm="ECDSA_SHA_256",
        )["Signature"]
        return f"{signing_input}.{b64url(raw_signature_from_der(der))}"

    return sign


FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "STAGE": "test",
    "POWERTOOLS_METRICS_NAMESPACE": "PurposePath",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "LOG_LEVEL": "WARNING",
}


def use_reused_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """ppcommon's clients, for this test, from the process's reusing session: a fresh
    container's clients without making them again (pptesting.clients says why it is safe)."""
    import ppcommon.aws  # noqa: PLC0415 - the package imports this module

    monkeypatch.setattr(ppcommon.aws, "_session", shared_session)


@contextmanager
def service_aws(monkeypatch: pytest.MonkeyPatch, service: str, *tables: str) -> Iterator[None]:
    """A fresh container of ``service`` against a fresh moto account: its tables, the JWT
    secret, fake credentials, no Redis (revocations in memory), every ppcommon cache
    cleared, and ``pptesting.tokens``' test key as the only accepted signing key."""
    from moto import mock_aws  # noqa: PLC0415 - test-only dependency, needed only here

    from pptesting import reset_ppcommon  # noqa: PLC0415 - the package imports this module
    from pptesting.tokens import install_test_keys  # noqa: PLC0415 - it imports this module

    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
    for name in (
        "REDIS_ENDPOINT",
        "REDIS_AUTH_SECRET_ARN",
        "REDIS_USER_SECRET_ARN",
        "SIGNING_KEYS_PARAMETER",
        "AWS_ENDPOINT_URL",
        "AWS_LAMBDA_FUNCTION_NAME",
    ):
        monkeypatch.delenv(name, raising=False)
    use_reused_clients(monkeypatch)
    with mock_aws():
        for logical, table_name in create_tables(*tables).items():
            monkeypatch.setenv(table_variable(logical), table_name)
        monkeypatch.setenv("JWT_SECRET_ARN", create_jwt_secret())
        reset_ppcommon()
        install_test_keys()
        yield
    reset_ppcommon()
