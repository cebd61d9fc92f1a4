"""Coaching tests: ppcommon and the service on sys.path, moto with the shared tables."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# ppcommon/pptesting and the service package, as the artifact lays them side by side.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from pptesting import tokens
from pptesting.aws import service_aws
from pptesting.events import ApiClient, load_event

EVENTS = Path(__file__).resolve().parent / "tests" / "events"


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every invocation that publishes only the cold-start metric.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics:UserWarning")


@pytest.fixture(autouse=True)
def coaching_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with service_aws(monkeypatch, "coaching", "coaching"):
        yield


@pytest.fixture
def api() -> ApiClient:
    from coaching.app import lambda_handler  # noqa: PLC0415 - after the sys.path setup

    return ApiClient(lambda_handler, load_event(EVENTS / "http_api_v2.json"))


@pytest.fixture
def token_for() -> Callable[..., str]:
    """``token_for(user, tenant)``: a valid access token signed with the test secret."""

    def make(user_id: str = "user-1", tenant_id: str = "tenant-1") -> str:
        return tokens.sign(tokens.claims(user_id, tenant_id))

    return make


@pytest.fixture
def token(token_for: Callable[..., str]) -> str:
    return token_for()
