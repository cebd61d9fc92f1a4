"""The engine's reserved-concurrency preflight against the local AWS's Lambda (in-process):
GetAccountSettings there reports the local account's quota, so the preflight refuses
locally what it refuses on AWS."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from ppdeploy.config import Stage
from ppdeploy.decide import preflight
from ppdeploy.errors import InputError
from pplocalaws.resources import lambda_concurrency, register

PROD = Stage(
    name="prod",
    region="us-east-1",
    account_id="123456789012",
    domain="api.purposepath.app",
    account_reserved_concurrency=100,
)


@pytest.fixture
def lambda_client() -> Iterator[object]:
    with mock_aws():
        register()
        yield boto3.client("lambda", region_name="us-east-1")


def test_a_standard_local_account_gives_prod_its_reservation(
    lambda_client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(lambda_concurrency.LIMIT_SETTING, "1000")
    preflight.check_reserved_concurrency(PROD, lambda_client)


def test_a_new_local_account_refuses_prod_its_reservation(
    lambda_client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(lambda_concurrency.LIMIT_SETTING, "10")
    with pytest.raises(InputError, match="can reserve at most 0") as refused:
        preflight.check_reserved_concurrency(PROD, lambda_client)
    assert "quota is 10" in (refused.value.cause or "")
