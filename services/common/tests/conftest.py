"""ppcommon unit tests: fake AWS credentials, moto, and a fresh container per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from pptesting import reset_ppcommon
from pptesting.aws import FAKE_AWS_ENVIRONMENT, create_jwt_secret, use_reused_clients


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every invocation that publishes only the cold-start metric.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics:UserWarning")


@pytest.fixture(autouse=True)
def fresh_container(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in (
        "JWT_SECRET_ARN",
        "REDIS_ENDPOINT",
        "REDIS_PORT",
        "REDIS_AUTH_SECRET_ARN",
        "REDIS_USER_SECRET_ARN",
        "REDIS_TLS",
        "SIGNING_KEYS_PARAMETER",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    use_reused_clients(monkeypatch)  # a fresh container's clients, not made again
    reset_ppcommon()
    yield
    reset_ppcommon()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def jwt_secret_arn(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    arn = create_jwt_secret()
    monkeypatch.setenv("JWT_SECRET_ARN", arn)
    return arn
