"""boto3 clients and DynamoDB tables, created on first use and kept for the container.

boto3 is imported lazily: it is the largest import a request may need, and ``/health``
or a rejected token should not pay for it. Clients honour ``AWS_ENDPOINT_URL`` (the local
gateway points it at the local AWS), so they are created plainly.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from ppcommon.config import settings

if TYPE_CHECKING:
    from botocore.config import Config


@cache
def _config() -> Config:
    from botocore.config import Config  # noqa: PLC0415 - lazy: see the module docstring

    # Standard retry mode backs off on throttling; the timeouts stay well inside the
    # function's 10 s so a slow dependency surfaces as a clean 500, not a Lambda timeout.
    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=2,
        read_timeout=4,
    )


@cache
def _session() -> Any:
    # A session of our own (not boto3's default, which test mocks replace) keeps the
    # loaded service models, so a client made again after ``reset()`` is cheap.
    import boto3  # noqa: PLC0415 - lazy: see the module docstring

    return boto3.session.Session()


@cache
def client(name: str) -> Any:
    """A boto3 client for service ``name`` (e.g. "secretsmanager"), one per container."""
    return _session().client(name, config=_config())


@cache
def _dynamodb() -> Any:
    return _session().resource("dynamodb", config=_config())


@cache
def resource_table(logical: str) -> Any:
    """The boto3 DynamoDB ``Table`` for logical table ``logical`` (e.g. "coaching")."""
    return _dynamodb().Table(settings().table(logical))


def reset() -> None:
    """Forget every cached client and table (tests: a new moto mock, new settings)."""
    resource_table.cache_clear()
    _dynamodb.cache_clear()
    client.cache_clear()
