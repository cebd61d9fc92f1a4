"""Service settings read from the environment the service template sets.

Reading settings never fails: a missing variable is reported when the value is used,
naming the variable, so ``GET /health`` answers even on a half-configured function.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType

# Logical table name -> environment variable (the service template passes only its own).
TABLE_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        logical: f"{logical.upper()}_TABLE"
        for logical in ("users", "tokens", "tenants", "sessions", "coaching", "traction")
    }
)


class ConfigurationError(RuntimeError):
    """The function's environment lacks a value the code needs (a deployment defect)."""


@dataclass(frozen=True)
class Settings:
    stage: str
    jwt_secret_arn: str | None
    tables: Mapping[str, str] = field(default_factory=dict)
    redis_endpoint: str | None = None
    redis_port: int = 6379
    # Legacy: an AUTH token secret ``{"token": ...}``, used only when no user secret is set.
    redis_auth_secret_arn: str | None = None
    # The service's own Redis ACL user, ``{"username": ..., "password": ...}``.
    redis_user_secret_arn: str | None = None
    # ElastiCache runs with in-transit encryption; only a local Redis turns TLS off.
    redis_tls: bool = True
    # The SSM parameter holding the access-token key set (``ppcommon.signing_keys``).
    signing_keys_parameter: str | None = None

    def table(self, logical: str) -> str:
        """The physical name of table ``logical`` (e.g. "users" -> ``USERS_TABLE``)."""
        variable = TABLE_VARIABLES.get(logical)
        if variable is None:
            known = ", ".join(TABLE_VARIABLES)
            raise ConfigurationError(f"unknown table {logical!r}: use one of {known}")
        name = self.tables.get(logical)
        if not name:
            raise ConfigurationError(
                f"table {logical!r} is not configured: environment variable {variable} is "
                f"unset; set it in the service template from the shared stack's export"
            )
        return name

    def require_jwt_secret_arn(self) -> str:
        if not self.jwt_secret_arn:
            raise ConfigurationError(
                "JWT secret is not configured: environment variable JWT_SECRET_ARN is unset; "
                "set it in the service template from the purposepath-jwt-secret-arn export"
            )
        return self.jwt_secret_arn


def _optional(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _port(name: str, default: int) -> int:
    raw = _optional(name)
    if raw is None:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a port number; set 1-65535") from None
    if not 0 < port < 65536:
        raise ConfigurationError(f"{name}={raw!r} is outside 1-65535; set a valid port")
    return port


def load_settings() -> Settings:
    """Read the settings from ``os.environ`` now (uncached; tests use it directly)."""
    tables = {
        logical: value
        for logical, variable in TABLE_VARIABLES.items()
        if (value := _optional(variable)) is not None
    }
    return Settings(
        stage=_optional("STAGE") or "local",
        jwt_secret_arn=_optional("JWT_SECRET_ARN"),
        tables=MappingProxyType(tables),
        redis_endpoint=_optional("REDIS_ENDPOINT"),
        redis_port=_port("REDIS_PORT", 6379),
        redis_auth_secret_arn=_optional("REDIS_AUTH_SECRET_ARN"),
        redis_user_secret_arn=_optional("REDIS_USER_SECRET_ARN"),
        redis_tls=(_optional("REDIS_TLS") or "true").lower() not in ("false", "0", "no"),
        signing_keys_parameter=_optional("SIGNING_KEYS_PARAMETER"),
    )


@cache
def settings() -> Settings:
    """The container's settings, read once (the environment of a Lambda never changes)."""
    return load_settings()
