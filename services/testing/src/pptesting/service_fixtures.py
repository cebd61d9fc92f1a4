"""The pytest wiring every single-table Python service's tests share (coaching, traction).

A fresh container per test, the API called in-process, and tokens. A service's
``tests/conftest.py`` is the one line that brings these in (pytest finds fixtures and hooks
by name in a conftest)::

    from pptesting.service_fixtures import *  # noqa: F403

The service is the project the test lives in (``services/<service>/tests/...``): its name
is its package and its table, its handler ``<service>.app.lambda_handler``, its events
the project's ``tests/events``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pptesting import tokens
from pptesting.aws import service_aws
from pptesting.events import ApiClient, load_event

__all__ = [
    "api",
    "pytest_configure",
    "service",
    "service_container",
    "service_folder",
    "token",
    "token_for",
]


def project_folder(test_file: Path) -> Path:
    """The service project a test file belongs to: the nearest folder with a pyproject.toml."""
    for folder in test_file.resolve().parents:
        if (folder / "pyproject.toml").is_file() and (folder / "src").is_dir():
            return folder
    raise LookupError(f"{test_file} is not inside a service project (services/<name>/tests)")


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every invocation that publishes only the cold-start metric.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics:UserWarning")


@pytest.fixture
def service(request: pytest.FixtureRequest) -> str:
    """The service under test: its project folder's name (``coaching``, ``traction``)."""
    return project_folder(request.path).name


@pytest.fixture
def service_folder(request: pytest.FixtureRequest) -> Path:
    return project_folder(request.path)


@pytest.fixture(autouse=True)
def service_container(monkeypatch: pytest.MonkeyPatch, service: str) -> Iterator[None]:
    """Every test: a fresh container of the service against moto with its own table."""
    with service_aws(monkeypatch, service, service):
        yield


@pytest.fixture
def api(service: str, service_folder: Path) -> ApiClient:
    """The service's Lambda handler, called in-process as API Gateway would."""
    handler = importlib.import_module(f"{service}.app").lambda_handler
    events = service_folder / "tests" / "events"
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
