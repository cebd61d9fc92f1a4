"""How an ACL user reaches redis-server: config lines on stdin and ACL SETUSER arguments."""

from __future__ import annotations

import shutil

import pytest
from redis_wire import session

from pplocalaws import redis


def test_a_user_is_rebuilt_from_scratch_with_its_passwords_or_nopass() -> None:
    reader = redis.AclUser("reader", ("on", "~rev:*", "+get"), ("p" * 16, "q" * 16))
    open_default = redis.AclUser.default_with_token(None)

    assert reader.setuser_arguments() == (
        "reset",
        "on",
        "~rev:*",
        "+get",
        ">" + "p" * 16,
        ">" + "q" * 16,
    )
    assert open_default.setuser_arguments() == ("reset", "on", "~*", "&*", "+@all", "nopass")


def test_a_config_line_quotes_every_word_so_backslashes_and_quotes_survive() -> None:
    user = redis.AclUser("u", ("on", '~a"b'), ("back\\slash-0123456789",))

    assert user.config_line() == (b'user "u" "reset" "on" "~a\\"b" ">back\\\\slash-0123456789"\n')


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_apply_users_changes_and_removes_users_in_place_without_echoing_passwords() -> None:
    keeper = redis.AclUser("keeper", ("on", "~*", "+@all"), ("keeper-password-0123",))
    leaver = redis.AclUser("leaver", ("on", "~*", "+@all"), ("leaver-password-0123",))
    server = redis.start([redis.AclUser("default", ("off",)), keeper, leaver])
    assert server is not None
    try:
        session(server.port, ("AUTH", "keeper", "keeper-password-0123"), ("SET", "k", "v"))

        server.apply_users([redis.AclUser("default", ("off",)), keeper])

        assert session(server.port, ("AUTH", "leaver", "leaver-password-0123"))[0].startswith(
            "-WRONGPASS"
        )
        assert session(server.port, ("AUTH", "keeper", "keeper-password-0123"), ("GET", "k")) == [
            "+OK",
            "v",
        ]
        broken = redis.AclUser("keeper", ("on", "+nosuchcommand"), ("keeper-password-0123",))
        with pytest.raises(redis.LocalRedisError, match="refused ACL SETUSER keeper") as refused:
            server.apply_users([broken])
        assert "keeper-password-0123" not in str(refused.value)
    finally:
        server.stop()
