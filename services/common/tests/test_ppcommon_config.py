from __future__ import annotations

import pytest

from ppcommon.config import ConfigurationError, load_settings, settings


def test_tables_come_from_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACHING_TABLE", "purposepath-coaching-dev")

    assert load_settings().table("coaching") == "purposepath-coaching-dev"


def test_missing_table_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USERS_TABLE", raising=False)

    with pytest.raises(ConfigurationError, match="USERS_TABLE is unset"):
        load_settings().table("users")


def test_unknown_table_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="use one of users, tokens"):
        load_settings().table("orders")


def test_redis_defaults_to_tls_on_6379(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_ENDPOINT", "cache.internal")

    config = load_settings()

    assert (config.redis_endpoint, config.redis_port, config.redis_tls) == (
        "cache.internal",
        6379,
        True,
    )


def test_local_redis_turns_tls_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_TLS", "false")
    monkeypatch.setenv("REDIS_PORT", "6380")

    assert (load_settings().redis_tls, load_settings().redis_port) == (False, 6380)


@pytest.mark.parametrize("port", ["sixty", "0", "70000"])
def test_bad_port_is_named(monkeypatch: pytest.MonkeyPatch, port: str) -> None:
    monkeypatch.setenv("REDIS_PORT", port)

    with pytest.raises(ConfigurationError, match="REDIS_PORT"):
        load_settings()


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "dev")
    first = settings()
    monkeypatch.setenv("STAGE", "prod")

    assert settings() is first
    assert first.stage == "dev"


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        settings().stage = "prod"  # type: ignore[misc]
