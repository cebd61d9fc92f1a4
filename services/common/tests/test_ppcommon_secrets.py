from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from ppcommon import secrets
from ppcommon.config import ConfigurationError
from pptesting.aws import TEST_JWT_SECRET


class CountingSecretsManager:
    def __init__(self, secret_string: str) -> None:
        self.secret_string = secret_string
        self.calls: list[str] = []

    def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
        self.calls.append(SecretId)
        return {"SecretString": self.secret_string}


@pytest.fixture
def fake_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> CountingSecretsManager:
    fake = CountingSecretsManager(json.dumps({"secret": TEST_JWT_SECRET}))
    # Replace the module secrets reads clients from, leaving ppcommon.aws itself intact.
    monkeypatch.setattr(secrets, "aws", SimpleNamespace(client=lambda name: fake))
    monkeypatch.setenv("JWT_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:1:secret:jwt")
    return fake


def test_secret_is_the_utf8_bytes_of_the_secret_key(jwt_secret_arn: str) -> None:
    assert secrets.jwt_secret() == TEST_JWT_SECRET.encode("utf-8")


def test_secret_is_read_once_per_container(fake_secrets_manager: CountingSecretsManager) -> None:
    for _ in range(3):
        assert secrets.jwt_secret() == TEST_JWT_SECRET.encode()

    assert fake_secrets_manager.calls == ["arn:aws:secretsmanager:us-east-1:1:secret:jwt"]


def test_reset_cache_reads_again(fake_secrets_manager: CountingSecretsManager) -> None:
    secrets.jwt_secret()
    secrets.reset_cache()
    secrets.jwt_secret()

    assert len(fake_secrets_manager.calls) == 2


@pytest.mark.parametrize(
    ("secret_string", "reason"),
    [
        ("p" * 80, "not valid JSON"),
        (json.dumps(["p" * 80]), "not an object"),
        (json.dumps({"value": "p" * 80}), '"secret" string key'),
        (json.dumps({"secret": "p" * 63}), "63 characters, fewer than 64"),
    ],
)
def test_malformed_secret_is_named_never_printed(
    fake_secrets_manager: CountingSecretsManager, secret_string: str, reason: str
) -> None:
    fake_secrets_manager.secret_string = secret_string

    with pytest.raises(secrets.SecretError, match=reason) as raised:
        secrets.jwt_secret()

    assert "ppppp" not in str(raised.value)
    assert "arn:aws:secretsmanager:us-east-1:1:secret:jwt" in str(raised.value)


def test_missing_arn_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET_ARN"):
        secrets.jwt_secret()


def test_secret_missing_in_secrets_manager_fails_clearly(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = boto3.client("secretsmanager").create_secret(Name="x", SecretBinary=b"\x00")["ARN"]
    monkeypatch.setenv("JWT_SECRET_ARN", arn)

    with pytest.raises(secrets.SecretError, match="no SecretString"):
        secrets.jwt_secret()
