"""The Redis cache against a closed port and against a tiny RESP server on loopback."""

from __future__ import annotations

import io
import logging
import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from ppcommon import cache
from ppcommon.cache import RedisCache, RespError, encode_command, read_reply


class FakeRedis(socketserver.ThreadingTCPServer):
    """Enough of Redis for the client: AUTH, GET, SET key value EX ttl, DEL."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, token: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _RespHandler)
        self.token = token
        self.data: dict[bytes, bytes] = {}
        self.commands: list[list[bytes]] = []
        self.connections = 0

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _RespHandler(socketserver.StreamRequestHandler):
    server: FakeRedis

    def handle(self) -> None:
        self.server.connections += 1
        authenticated = self.server.token is None
        while True:
            try:
                command = read_reply(self.rfile)
            except RespError:
                return  # client closed the connection
            assert isinstance(command, list)
            parts = [part for part in command if isinstance(part, bytes)]
            self.server.commands.append(parts)
            name = parts[0].upper()
            if name == b"AUTH":
                authenticated = parts[1].decode() == self.server.token
                self.wfile.write(b"+OK\r\n" if authenticated else b"-WRONGPASS invalid\r\n")
            elif not authenticated:
                self.wfile.write(b"-NOAUTH Authentication required.\r\n")
            elif name == b"SET":
                self.server.data[parts[1]] = parts[2]
                self.wfile.write(b"+OK\r\n")
            elif name == b"GET":
                value = self.server.data.get(parts[1])
                self.wfile.write(b"$-1\r\n" if value is None else encode_command(value)[4:])
            elif name == b"DEL":
                removed = self.server.data.pop(parts[1], None) is not None
                self.wfile.write(b":%d\r\n" % removed)
            self.wfile.flush()


@pytest.fixture
def fake_redis() -> Iterator[FakeRedis]:
    server = FakeRedis(token="t0ken-value")
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nothing listens once the probe closes


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_round_trip_with_auth(fake_redis: FakeRedis) -> None:
    client = RedisCache("127.0.0.1", fake_redis.port, tls=False, auth_token=lambda: "t0ken-value")

    client.set("TENANT#t1:goal", '{"title": "ünïcode"}', 60)
    first = client.get("TENANT#t1:goal")
    client.delete("TENANT#t1:goal")
    second = client.get("TENANT#t1:goal")
    client.close()

    assert (first, second) == ('{"title": "ünïcode"}', None)
    assert fake_redis.commands[0] == [b"AUTH", b"t0ken-value"]
    assert [b"SET", b"TENANT#t1:goal", '{"title": "ünïcode"}'.encode(), b"EX", b"60"] in (
        fake_redis.commands
    )
    assert fake_redis.connections == 1  # one connection reused for every command


def test_wrong_token_is_a_miss_and_logged_without_the_token(
    fake_redis: FakeRedis, caplog: pytest.LogCaptureFixture
) -> None:
    client = RedisCache("127.0.0.1", fake_redis.port, tls=False, auth_token=lambda: "wrong-tok")

    with caplog.at_level(logging.WARNING, logger="ppcommon.cache"):
        client.set("k", "v", 10)

    assert client.get("k") is None
    assert fake_redis.data == {}
    assert "RespError" in caplog.text
    assert "wrong-tok" not in caplog.text


def test_unreachable_redis_is_a_miss_logged_once_and_not_retried_at_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    client = RedisCache("127.0.0.1", closed_port(), tls=False, clock=clock)
    connects: list[object] = []
    real_connect = socket.create_connection
    monkeypatch.setattr(
        socket,
        "create_connection",
        lambda *args, **kwargs: connects.append(args) or real_connect(*args, **kwargs),
    )

    with caplog.at_level(logging.WARNING, logger="ppcommon.cache"):
        assert client.get("k") is None
        client.set("k", "v", 5)
        client.delete("k")
        clock.now += cache.RETRY_AFTER
        assert client.get("k") is None

    assert len(connects) == 2  # once, then again only after RETRY_AFTER
    assert caplog.text.count("cache unavailable") == 1


def test_recovers_after_the_pause(fake_redis: FakeRedis) -> None:
    clock = FakeClock()
    tokens = iter(["wrong", "t0ken-value"])  # the first connection fails, the next works
    client = RedisCache(
        "127.0.0.1", fake_redis.port, tls=False, clock=clock, auth_token=lambda: next(tokens)
    )
    fake_redis.data[b"k"] = b"v"

    assert client.get("k") is None
    assert client.get("k") is None  # still pausing: no new connection
    connections_while_paused = fake_redis.connections
    clock.now += cache.RETRY_AFTER

    assert client.get("k") == "v"
    assert (connections_while_paused, fake_redis.connections) == (1, 2)


def test_tls_against_a_plain_server_fails_closed_as_a_miss(fake_redis: FakeRedis) -> None:
    client = RedisCache("127.0.0.1", fake_redis.port, tls=True)

    assert client.get("k") is None
    assert fake_redis.commands == []  # nothing was sent in clear text


def test_module_api_is_a_no_op_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_ENDPOINT", raising=False)

    cache.set("k", "v", 10)

    assert cache.get("k") is None
    cache.delete("k")


def test_module_api_uses_the_configured_endpoint(
    fake_redis: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_redis.token = None
    monkeypatch.setenv("REDIS_ENDPOINT", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(fake_redis.port))
    monkeypatch.setenv("REDIS_TLS", "false")

    cache.set("k", "v", 10)

    assert cache.get("k") == "v"
    assert fake_redis.commands[0][0] == b"SET"  # no AUTH without an auth secret


def test_ttl_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ttl"):
        RedisCache("127.0.0.1", 1, tls=False).set("k", "v", 0)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (b"+OK\r\n", b"OK"),
        (b":3\r\n", 3),
        (b"$-1\r\n", None),
        (b"$2\r\nhi\r\n", b"hi"),
        (b"*2\r\n$1\r\na\r\n:1\r\n", [b"a", 1]),
    ],
)
def test_reply_parser(wire: bytes, expected: object) -> None:
    assert read_reply(io.BytesIO(wire)) == expected


@pytest.mark.parametrize("wire", [b"-ERR no\r\n", b"$5\r\nhi\r\n", b"+OK", b"?x\r\n"])
def test_reply_parser_refuses_errors_and_truncation(wire: bytes) -> None:
    with pytest.raises(RespError):
        read_reply(io.BytesIO(wire))


def test_command_encoding() -> None:
    assert encode_command("GET", "ké") == b"*2\r\n$3\r\nGET\r\n$3\r\nk\xc3\xa9\r\n"


# --- AUTH: the service's ACL user, or the legacy token --------------------------------


def _secret(document: dict[str, str]) -> str:
    import json  # noqa: PLC0415 - only these tests need it

    import boto3  # noqa: PLC0415 - only these tests need it

    return str(
        boto3.client("secretsmanager").create_secret(
            Name=f"redis-{len(document)}-{sorted(document)[0]}", SecretString=json.dumps(document)
        )["ARN"]
    )


def test_the_user_secret_gives_acl_auth_and_wins_over_the_token(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_USER_SECRET_ARN", _secret({"username": "svc", "password": "pw"}))
    monkeypatch.setenv("REDIS_AUTH_SECRET_ARN", _secret({"token": "legacy-token"}))

    assert cache.redis_auth() == ("svc", "pw")


def test_the_legacy_token_still_works_alone(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_AUTH_SECRET_ARN", _secret({"token": "legacy-token"}))

    assert cache.redis_auth() == ("legacy-token",)


def test_no_secret_no_auth() -> None:
    assert cache.redis_auth() is None


@pytest.mark.parametrize(
    "document",
    [{"username": "svc"}, {"password": "hunter2-secret"}, {"username": "", "password": "x"}],
)
def test_a_malformed_user_secret_is_named_without_its_value(
    aws: None, monkeypatch: pytest.MonkeyPatch, document: dict[str, str]
) -> None:
    arn = _secret(document)
    monkeypatch.setenv("REDIS_USER_SECRET_ARN", arn)

    with pytest.raises(cache.SecretError, match="username") as raised:
        cache.redis_auth()
    assert arn in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_acl_auth_is_sent_as_username_and_password(fake_redis: FakeRedis) -> None:
    fake_redis.token = None
    client = RedisCache("127.0.0.1", fake_redis.port, tls=False, auth=lambda: ("svc", "pw"))

    client.get("k")

    assert fake_redis.commands[0] == [b"AUTH", b"svc", b"pw"]
