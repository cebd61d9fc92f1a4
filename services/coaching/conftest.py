"""Coaching tests: ppcommon and the service on sys.path, moto with the shared tables."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# ppcommon/pptesting and the service package, as the artifact lays them side by side.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "common"))
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from pptesting.service_fixtures import (  # noqa: F401 - pytest finds these by name here
    api,
    pytest_configure,
    service_container,
    token,
    token_for,
)


@pytest.fixture
def service() -> str:
    return "coaching"
