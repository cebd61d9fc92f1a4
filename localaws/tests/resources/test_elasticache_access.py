"""What ElastiCache accepts as a user id, passwords and access string (no moto, no network)."""

from __future__ import annotations

import pytest

from pplocalaws.resources.elasticache_access import (
    ElastiCacheRefusal,
    check_identifier,
    checked_passwords,
    is_enabled,
    parsed_access_string,
)

CONTRACT_ACCESS_STRINGS = (
    "on ~rev:* ~cache:* +@read +@write +@connection -@dangerous",
    "on ~rev:* +get +mget +ping +hello +auth",
    "off",
    "off +get ~keys*",
    "on ~* &* +@all",
    "on %R~rev:* %W~cache:* %RW~x allchannels resetkeys allkeys -@all +client|setname",
    "on ~a +select|0 +client|list -client|kill",
)


@pytest.mark.parametrize("access_string", CONTRACT_ACCESS_STRINGS)
def test_the_access_strings_redis_accepts_are_accepted(access_string: str) -> None:
    assert parsed_access_string(access_string) == tuple(access_string.split())


@pytest.mark.parametrize(
    ("access_string", "cause"),
    [
        ("on ~a +nosuchcommand", "Redis has no command 'nosuchcommand'"),
        ("on ~a +@nosuchcategory", "no command category"),
        ("on ~a +client|nosuch", "client has no subcommand 'nosuch'"),
        ("on ~a -get|x", "get has no subcommands to block"),
        ("on ~a +client|list|x", "one subcommand"),
        ("on ~a +", "Redis has no command ''"),
        ("on %X~a", "not a Redis ACL rule"),
        ("on ~a >secret-password-1234", "(a password rule)"),
        ("on ~a nopass", "passwords are set with Passwords"),
        ("on reset ~a", "reset is not allowed"),
        ("on ~a +config", "config is a restricted command"),
        ("on ~a -shutdown", "shutdown is a restricted command"),
        ("on (~a +get)", "selectors"),
        ("on ~a +get hello", "not a Redis ACL rule"),
        ("   ", "AccessString is missing or blank"),
    ],
)
def test_what_redis_or_elasticache_refuses_is_refused_naming_the_rule(
    access_string: str, cause: str
) -> None:
    with pytest.raises(ElastiCacheRefusal, match="InvalidParameterValue") as refused:
        parsed_access_string(access_string)
    assert cause in str(refused.value)


def test_a_password_rule_is_refused_without_echoing_the_password() -> None:
    with pytest.raises(ElastiCacheRefusal) as refused:
        parsed_access_string("on ~a >a-secret-password-123")
    assert "a-secret-password-123" not in str(refused.value)


def test_a_user_is_on_only_when_its_access_string_says_so() -> None:
    assert is_enabled(("on", "~a"))
    assert not is_enabled(("~a", "+get"))  # RBAC: neither on nor off means off
    assert not is_enabled(("on", "off"))


@pytest.mark.parametrize("identifier", ["a", "purposepath-dev-account", "x1-2"])
def test_valid_identifiers(identifier: str) -> None:
    assert check_identifier("UserId", identifier) == identifier


@pytest.mark.parametrize("identifier", ["", "1a", "Upper", "a--b", "a-", "a_b", "a.b"])
def test_invalid_identifiers_are_refused_naming_the_property(identifier: str) -> None:
    with pytest.raises(ElastiCacheRefusal, match="UserGroupId") as refused:
        check_identifier("UserGroupId", identifier)
    assert "lowercase letter" in str(refused.value)


GOOD = "a-good-password-0123"


def test_one_or_two_valid_passwords_are_accepted() -> None:
    assert checked_passwords("u", [GOOD]) == (GOOD,)
    assert checked_passwords("u", [GOOD, GOOD + "x"]) == (GOOD, GOOD + "x")
    assert checked_passwords("u", ["x" * 16, "y" * 128]) == ("x" * 16, "y" * 128)


@pytest.mark.parametrize(
    ("passwords", "cause"),
    [
        ([], "at least one password"),
        ([GOOD, GOOD + "1", GOOD + "2"], "3 passwords given, at most 2"),
        ([GOOD, GOOD], "must be unique"),
        (["x" * 15], "15 characters long, not 16 to 128"),
        (["x" * 129], "129 characters long"),
        ([GOOD + "/"], 'one of / " @'),
        ([GOOD + '"'], 'one of / " @'),
        ([GOOD + "@"], 'one of / " @'),
        ([GOOD + " x"], "whitespace"),
        ([GOOD + "é"], "outside printable ASCII"),
        (["{{resolve:secretsmanager:s:SecretString:p}}"], "unresolved dynamic reference"),
    ],
)
def test_invalid_passwords_are_refused_without_echoing_them(
    passwords: list[str], cause: str
) -> None:
    with pytest.raises(ElastiCacheRefusal) as refused:
        checked_passwords("u", passwords)
    message = str(refused.value)
    assert cause in message
    assert "user u" in message
    for password in passwords:
        assert password not in message
