"""The pytest wiring every Python service's tests share: a fresh container, the API, tokens.

A service's ``conftest.py`` puts ``services/common`` and its ``src`` on ``sys.path``,
imports these names (pytest finds fixtures and hooks by name in the conftest) and
defines ``service``, the service's name, which is also its package and its table::

    @pytest.fixture
    def service() -> str:
        return "coaching"

The handler is ``<service>.app.lambda_handler``; the events are the service's
``tests/events``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pptesting import tokens
from pptesting.aws import service_aws
from pptesting.events import ApiClient, load_event

SERVICES_DIR = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every invocation that publishes only the cold-start metric.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics:UserWarning")


@pytest.fixture(autouse=True)
def service_container(monkeypatch: pytest.MonkeyPatch, service: str) -> Iterator[None]:
    """Every test: a fresh container of the service against moto with its own table."""
    with service_aws(monkeypatch, service, service):
        yield


@pytest.fixture
def api(service: str) -> ApiClient:
    """The service's Lambda handler, called in-process as API Gateway would."""
    # Imported here, after the conftest's sys.path setup, and per service.
    handler = importlib.import_module(f"{service}.app").lambda_handler
    events = SERVICES_DIR / service / "tests" / "events"
    return ApiClient(handler, load_event(events / "http_api_v2.json"))


@pytest.fixture
def token_for() -> Callable[..., str]:
    """``token_for(user, tenant)``: a valid access token signed with the test secret."""

    def make(user_id: str = "user-1", tenant_id: str = "tenant-1") -> str:
        return tokens.sign(tokens.claims(user_id, tenant_id))

    return make


@pytest.fixture
def token(token_for: Callable[..., str]) -> str:
    return token_for()
