"""The revocation store: key scheme, one MGET per check, the 1 s bound, the failure rule,
and the ACL split (only the account user writes), against a real redis-server."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from ppcommon import revocations
from ppcommon.cache import RedisConnection
from ppcommon.config import ConfigurationError
from ppcommon.errors import Unauthorized
from ppcommon.http import app_handler, bearer_claims, build_app
from ppcommon.jwt import Claims
from ppcommon.revocations import (
    MemoryRevocationStore,
    RedisRevocationStore,
    RevocationChecker,
    RevocationStoreError,
    SessionStoreUnavailable,
)
from pptesting import redis_server, tokens
from pptesting.events import HttpResult, LambdaContext, http_event, load_event

needs_redis = pytest.mark.skipif(
    not redis_server.available(),
    reason="redis-server is not installed: the revocation store's Redis tests need it "
    "(apt-get install redis-server); the in-memory store's tests still run",
)

CLAIMS = Claims(
    user_id="u1",
    tenant_id="t1",
    role="owner",
    expires_at=int(time.time()) + 900,
    token_id="j1",
    session_id="s1",
    issued_at=int(time.time()),
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingConnection(RedisConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round_trips: list[list[tuple[str, ...]]] = []

    def pipeline(self, commands: Any) -> list[object]:
        self.round_trips.append([tuple(command) for command in commands])
        return super().pipeline(commands)


@pytest.fixture
def server() -> Iterator[redis_server.AclRedis]:
    if not redis_server.available():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server.acl_redis() as running:
        yield running


def connect(server: redis_server.AclRedis, who: str, cls: type = RedisConnection) -> Any:
    username, password = server.users[who]
    return cls("127.0.0.1", server.port, tls=False, auth=lambda: (username, password))


def configure(
    monkeypatch: pytest.MonkeyPatch, server: redis_server.AclRedis, who: str, port: int = 0
) -> None:
    """This process becomes a container of service ``who`` with its own Redis user secret."""
    username, password = server.users[who]
    arn = boto3.client("secretsmanager").create_secret(
        Name=f"purposepath/redis/{who}/{time.time_ns()}",
        SecretString=json.dumps({"username": username, "password": password}),
    )["ARN"]
    monkeypatch.setenv("REDIS_ENDPOINT", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(port or server.port))
    monkeypatch.setenv("REDIS_TLS", "false")
    monkeypatch.setenv("REDIS_USER_SECRET_ARN", arn)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", who)
    from pptesting import reset_ppcommon  # noqa: PLC0415 - a new container's caches

    reset_ppcommon()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- semantics, in memory (no Redis needed) ----------------------------------------------


def test_keys_follow_the_contract() -> None:
    assert revocations.revocation_keys(CLAIMS) == [
        "rev:jti:j1",
        "rev:sid:s1",
        "rev:user:u1",
        "rev:tenant:t1",
    ]
    legacy = Claims("u", "t", "owner", 0, "j")
    assert revocations.revocation_keys(legacy) == ["rev:jti:j", "rev:user:u", "rev:tenant:t"]


@pytest.mark.parametrize(
    ("key", "revoked"),
    [
        ("rev:jti:j1", True),
        ("rev:sid:s1", True),
        ("rev:user:u1", True),
        ("rev:tenant:t1", True),
        ("rev:user:someone-else", False),
    ],
)
def test_any_one_key_revokes(key: str, revoked: bool) -> None:
    store = MemoryRevocationStore()
    store.put([(key, 60)])
    checker = RevocationChecker(store)

    if revoked:
        with pytest.raises(Unauthorized, match="revoked"):
            checker.check(CLAIMS, method="GET")
    else:
        checker.check(CLAIMS, method="GET")


def test_results_are_cached_for_less_than_a_second() -> None:
    clock = FakeClock()
    store = MemoryRevocationStore(clock)
    checker = RevocationChecker(store, clock=clock)
    checker.check(CLAIMS, method="GET")
    store.put([("rev:sid:s1", 60)])

    checker.check(CLAIMS, method="GET")  # still the cached answer
    clock.now += revocations.CHECK_CACHE_SECONDS

    with pytest.raises(Unauthorized):
        checker.check(CLAIMS, method="GET")
    assert revocations.CHECK_CACHE_SECONDS < 1


def test_memory_store_entries_expire() -> None:
    clock = FakeClock()
    store = MemoryRevocationStore(clock)
    store.put([("rev:jti:j1", 5)])
    clock.now += 5

    assert not store.any_exists(["rev:jti:j1"])


def test_without_redis_the_module_api_uses_process_memory() -> None:
    revocations.check(CLAIMS, method="POST")
    revocations.revoke_access(CLAIMS)  # logout: the jti and the session

    with pytest.raises(Unauthorized):
        revocations.check(CLAIMS, method="GET")  # the writer's own cache was dropped


def test_a_lambda_function_without_redis_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "purposepath-coaching-api-test")

    with pytest.raises(ConfigurationError, match="REDIS_ENDPOINT is unset"):
        revocations.check(CLAIMS, method="GET")


def test_revoke_token_expires_with_the_token_and_skips_expired_ones() -> None:
    store = MemoryRevocationStore()
    revocations._checker = RevocationChecker(store)

    revocations.revoke_token("gone", expires_at=100, now=200)
    revocations.revoke_token("live", expires_at=1000, now=200)

    assert not store.any_exists(["rev:jti:gone"])
    assert store._expiry["rev:jti:live"] - time.monotonic() == pytest.approx(800, abs=2)


@pytest.mark.parametrize("empty", ["", None])
def test_revoking_an_empty_id_is_a_programming_error(empty: Any) -> None:
    with pytest.raises(ValueError, match="empty"):
        revocations.revoke_user(empty)


# --- against redis-server with the stage's ACL users -------------------------------------


@needs_redis
def test_one_mget_round_trip_per_check_then_the_cache(server: redis_server.AclRedis) -> None:
    connection = connect(server, "coaching", CountingConnection)
    checker = RevocationChecker(RedisRevocationStore(connection))

    checker.check(CLAIMS, method="GET")
    checker.check(CLAIMS, method="GET")

    assert connection.round_trips == [
        [("MGET", "rev:jti:j1", "rev:sid:s1", "rev:user:u1", "rev:tenant:t1")]
    ]


@needs_redis
@pytest.mark.parametrize(
    ("revoke", "what"),
    [
        (lambda: revocations.revoke_token("j1", CLAIMS.expires_at), "jti"),
        (lambda: revocations.revoke_sessions(["other", "s1"]), "sid"),
        (lambda: revocations.revoke_user("u1"), "user"),
        (lambda: revocations.revoke_tenant("t1"), "tenant"),
    ],
)
def test_a_revocation_by_account_is_refused_by_another_service_within_a_second(
    server: redis_server.AclRedis,
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    revoke: Any,
    what: str,
) -> None:
    coaching = RevocationChecker(RedisRevocationStore(connect(server, "coaching")))
    coaching.check(CLAIMS, method="GET")  # allowed, and now cached in coaching
    configure(monkeypatch, server, "account")

    revoke()
    revoked_at = time.monotonic()
    while True:
        try:
            coaching.check(CLAIMS, method="GET")
        except Unauthorized:
            break
        time.sleep(0.01)
    assert time.monotonic() - revoked_at < 1.0


@needs_redis
def test_ttls_follow_the_contract(
    server: redis_server.AclRedis, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, server, "account")
    revocations.revoke_access(CLAIMS, now=CLAIMS.expires_at - 600)
    revocations.revoke_user("u9")
    admin = connect(server, "account")

    ttls = admin.pipeline(
        [
            ("TTL", "rev:jti:j1"),
            ("TTL", "rev:sid:s1"),
            ("TTL", "rev:user:u9"),
            ("GET", "rev:user:u9"),
        ]
    )

    assert ttls[0] == pytest.approx(600, abs=2)
    assert ttls[1:3] == [revocations.REVOCATION_TTL] * 2
    assert ttls[3] == b"1"


@needs_redis
def test_a_reader_user_cannot_write_revocations(
    server: redis_server.AclRedis, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, server, "traction")

    with pytest.raises(RevocationStoreError, match="NOPERM"):
        revocations.revoke_user("u1")
    with pytest.raises(RevocationStoreError, match="NOPERM"):
        revocations.revoke_sessions(["a", "b", "c"])  # three refusals read: still in step
    revocations.check(CLAIMS, method="POST")  # reading is what it may do
    assert server.users["traction"][1] not in repr(revocations.checker().store)


@needs_redis
def test_a_reader_user_cannot_touch_other_keys(server: redis_server.AclRedis) -> None:
    reader = connect(server, "coaching")

    for command in (("GET", "cache:x"), ("SET", "rev:user:x", "1"), ("FLUSHALL",)):
        with pytest.raises(Exception, match="NOPERM"):
            reader.call(*command)


@needs_redis
def test_default_user_is_off(server: redis_server.AclRedis) -> None:
    anonymous = RedisConnection("127.0.0.1", server.port, tls=False)

    with pytest.raises(Exception, match="NOAUTH"):
        anonymous.call("MGET", "rev:user:u1")


# --- Redis unreachable: writes 503, reads served, logged once, metric ---------------------

router_app = build_app("demo")


@router_app.get("/thing")
def read_thing() -> dict[str, str]:
    return {"user": bearer_claims(router_app).user_id}


@router_app.post("/thing")
def write_thing() -> dict[str, str]:
    return {"user": bearer_claims(router_app).user_id}


handler = app_handler(router_app)
TEMPLATE = load_event(Path(__file__).parent / "events" / "http_api_v2.json")


def call(method: str, token: str) -> HttpResult:
    return HttpResult.from_response(
        handler(http_event(TEMPLATE, method, "/thing", token=token), LambdaContext())
    )


def emf_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            if "RevocationCheckUnavailable" in document:
                found.append(document)
    return found


@needs_redis
def test_when_redis_is_down_writes_get_503_and_reads_are_served_with_a_metric(
    server: redis_server.AclRedis,
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(monkeypatch, server, "coaching")
    tokens.install_test_keys()

    def token() -> str:  # a new token each time: no cached check answers for it
        return tokens.sign(tokens.claims("u1", "t1"))

    assert call("POST", token()).status == 200  # Redis up: checked and allowed
    server.stop()

    with caplog.at_level(logging.ERROR, logger="ppcommon.revocations"):
        writes = [call("POST", token()) for _ in range(2)]
        reads = [call("GET", token()) for _ in range(3)]

    assert [w.status for w in writes] == [503, 503]
    assert writes[0].body == {
        "error": {
            "code": "session_store_unavailable",
            "message": "the session store is unavailable; retry shortly",
        }
    }
    assert [r.status for r in reads] == [200, 200, 200]
    metrics = emf_lines(capsys.readouterr().out)
    assert len(metrics) == 3  # one per unchecked read
    directive = metrics[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PurposePath/coaching"
    assert directive["Metrics"] == [{"Name": "RevocationCheckUnavailable", "Unit": "Count"}]
    assert caplog.text.count("revocation store unavailable") == 1  # once per container


def test_an_unreachable_store_pauses_instead_of_connecting_per_request() -> None:
    clock = FakeClock()
    connection = CountingConnection("127.0.0.1", closed_port(), tls=False)
    lines: list[str] = []
    checker = RevocationChecker(RedisRevocationStore(connection), clock=clock, emit=lines.append)

    for _ in range(3):
        checker.check(CLAIMS, method="HEAD")
    with pytest.raises(SessionStoreUnavailable):
        checker.check(CLAIMS, method="DELETE")
    clock.now += revocations.RETRY_AFTER_FAILURE
    checker.check(CLAIMS, method="GET")

    assert len(connection.round_trips) == 2  # the first try, then one after the pause
    assert len(lines) == 4


def test_writes_when_unreachable_answer_503(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_ENDPOINT", "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(closed_port()))
    monkeypatch.setenv("REDIS_TLS", "false")

    with pytest.raises(SessionStoreUnavailable) as raised:
        revocations.revoke_sessions(["s1"])
    assert raised.value.status == 503


@needs_redis
def test_a_wrong_password_is_unavailable_not_allowed(server: redis_server.AclRedis) -> None:
    username, _ = server.users["coaching"]
    wrong = RedisConnection("127.0.0.1", server.port, tls=False, auth=lambda: (username, "x"))
    checker = RevocationChecker(RedisRevocationStore(wrong), emit=lambda _: None)

    with pytest.raises(SessionStoreUnavailable):
        checker.check(CLAIMS, method="PATCH")
