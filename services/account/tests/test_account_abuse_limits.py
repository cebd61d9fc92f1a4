"""Abuse limits through the handler in-process: per-account delay and lockout, per-IP buckets.

Each attack runs twice: against the real redis-server of the test session (as the account's
own ACL user) and with Redis unreachable (a closed port), where the same numbers hold in
this process's memory. Time is a controllable clock (``rate_limits.now``), so windows of
15 minutes pass instantly; every KDF run is counted (``passwords._derive``).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from account import lockout, passwords, rate_limits
from ppcommon.cache import RedisConnection
from ppcommon.errors import TooManyRequests
from ppcommon.observability import metrics
from pptesting.account_contract import PASSWORD, Client, unique_email

SPRAY_ADDRESS = "198.51.100.{}"  # TEST-NET-2: one address per attempt, a botnet's spray
WRONG = "not-the-password-" + "x" * 8


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, transport: Any) -> Clock:
    """The limits' clock, moved only by the test (set after the contract client's
    transport, which moves it on its own when it waits out a 429)."""
    moved = Clock()
    monkeypatch.setattr(rate_limits, "now", moved)
    return moved


@pytest.fixture
def kdf_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per PBKDF2 run (login, dummy hash for unknown emails, registration)."""
    runs: list[int] = []
    real = passwords._derive

    def counted(password: str, salt: bytes, iterations: int) -> bytes:
        runs.append(iterations)
        return real(password, salt, iterations)

    monkeypatch.setattr(passwords, "_derive", counted)
    return runs


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe goes


@pytest.fixture(params=["redis", "redis-unreachable"])
def store(request: pytest.FixtureRequest, account_aws: Any) -> str:
    """Where the limits live: the real Redis, or (unreachable) this process's memory."""
    if request.param == "redis-unreachable":
        dead = RedisConnection("127.0.0.1", _closed_port(), tls=False)
        rate_limits._limits = rate_limits.Limits(dead)
    return str(request.param)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def retry_after(self) -> int | None:
        value = self.headers.get("retry-after")
        return None if value is None else int(value)


@pytest.fixture
def send(
    invoke: Callable[[dict[str, Any]], dict[str, Any]], make_event: Any
) -> Callable[..., Answer]:
    """``send(method, path, body, ip=..., token=...)`` through the handler from ``ip``."""

    def run(
        method: str, path: str, body: Any, *, ip: str = "192.0.2.1", token: str | None = None
    ) -> Answer:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        event = make_event(method, path, headers, json.dumps(body).encode())
        event["requestContext"]["http"]["sourceIp"] = ip
        result = invoke(event)
        raw = result.get("body") or "{}"
        return Answer(
            int(result["statusCode"]),
            {name.lower(): value for name, value in (result.get("headers") or {}).items()},
            json.loads(raw) if raw else {},
        )

    return run


def _login(send: Callable[..., Answer], email: str, password: str, ip: str) -> Answer:
    return send("POST", "/auth/login", {"email": email, "password": password}, ip=ip)


# --- per account: progressive delay, then lockout ----------------------------------------


def test_200_wrong_passwords_then_the_right_one_is_locked_until_the_window_passes(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock, kdf_runs: list[int]
) -> None:
    account = client.register()
    kdf_runs.clear()
    statuses: list[int] = []
    for attempt in range(200):  # one per second, each from a new address
        statuses.append(_login(send, account.email, WRONG, SPRAY_ADDRESS.format(attempt)).status)
        clock.advance(1)
    # Only 10 guesses reached the password check (t = 0, 1, 2, 3, 5, 9, 17, 33, 65, 125):
    # every other attempt waited out a delay or the lock, and cost no hash.
    assert statuses.count(401) == lockout.LOCK_AFTER
    assert statuses.count(429) == 200 - lockout.LOCK_AFTER
    assert len(kdf_runs) == lockout.LOCK_AFTER

    locked = _login(send, account.email, PASSWORD, "192.0.2.77")
    assert locked.status == 429
    assert locked.body["error"]["code"] == "too_many_requests"
    assert "too many failed sign-ins for this account" in locked.body["error"]["message"]
    assert "reset the password" in locked.body["error"]["message"]
    # Locked at t = 125 for 15 min; now t = 200.
    assert locked.retry_after == 125 + lockout.LOCK_SECONDS - 200
    assert len(kdf_runs) == lockout.LOCK_AFTER  # the right password was not even hashed

    clock.advance(locked.retry_after - 1)
    assert _login(send, account.email, PASSWORD, "192.0.2.77").status == 429
    clock.advance(1)
    assert _login(send, account.email, PASSWORD, "192.0.2.77").status == 200
    # The success cleared the failures: the next wrong password is a plain 401, and so are
    # the two after it.
    for _ in range(lockout.DELAY_AFTER):
        assert _login(send, account.email, WRONG, "192.0.2.77").status == 401


def _waited_sequence(
    send: Callable[..., Answer], clock: Clock, email: str, attempts: int
) -> list[tuple[int, int | None, str]]:
    """A patient attacker: every 429 is waited out exactly, then the next guess is sent."""
    seen: list[tuple[int, int | None, str]] = []
    for attempt in range(attempts):
        answer = _login(send, email, WRONG, SPRAY_ADDRESS.format(attempt))
        seen.append((answer.status, answer.retry_after, answer.body["error"]["message"]))
        if answer.retry_after:
            clock.advance(answer.retry_after)
            answer = _login(send, email, WRONG, SPRAY_ADDRESS.format(attempt))
            assert answer.status == 401, "the wait Retry-After named was enough"
    return seen


def test_delays_grow_1_2_4_to_a_60_s_cap_then_a_15_min_lock(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock
) -> None:
    account = client.register()
    for _ in range(lockout.DELAY_AFTER):
        assert _login(send, account.email, WRONG, "192.0.2.5").status == 401
    waits = []
    for _ in range(8):
        answer = _login(send, account.email, WRONG, "192.0.2.5")
        assert answer.status == 429
        waits.append(answer.retry_after)
        clock.advance(answer.retry_after or 0)
        assert _login(send, account.email, WRONG, "192.0.2.5").status == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, lockout.LOCK_SECONDS]


def test_delay_counts_from_the_last_failure(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock
) -> None:
    account = client.register()
    for _ in range(5):  # n = 5: the next attempt waits 4 s from the last failure
        _login(send, account.email, WRONG, "192.0.2.6")
        clock.advance(100)
    clock.advance(-100 + 3)
    assert _login(send, account.email, WRONG, "192.0.2.6").retry_after == 1
    clock.advance(1)
    assert _login(send, account.email, WRONG, "192.0.2.6").status == 401


def test_an_unknown_email_gets_exactly_the_same_treatment(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock, kdf_runs: list[int]
) -> None:
    known = client.register().email
    passwords.burn_equivalent_time(WRONG)  # its dummy hash is made once per container
    kdf_runs.clear()
    started = clock.value
    as_known = _waited_sequence(send, clock, known, 14)
    known_kdf, elapsed_known = len(kdf_runs), clock.value - started
    kdf_runs.clear()
    started = clock.value
    as_unknown = _waited_sequence(send, clock, unique_email(), 14)
    assert as_unknown == as_known
    assert len(kdf_runs) == known_kdf
    assert clock.value - started == elapsed_known
    assert (429, lockout.LOCK_SECONDS, as_known[-1][2]) in as_known


def test_a_completed_password_reset_clears_the_lockout(
    store: str,
    client: Client,
    send: Callable[..., Answer],
    clock: Clock,
    mailbox: Callable[[str], list[str]],
) -> None:
    account = client.register()
    _waited_sequence(send, clock, account.email, lockout.LOCK_AFTER)
    assert _login(send, account.email, PASSWORD, "192.0.2.8").status == 429
    asked = send("POST", "/auth/password-reset", {"email": account.email}, ip="192.0.2.8")
    assert asked.status == 202
    link = mailbox(account.email)[-1]
    token = parse_qs(urlsplit(link).query)["token"][0]
    new_password = "a-new-password-after-the-lock"
    confirmed = send(
        "POST",
        "/auth/password-reset/confirm",
        {"token": token, "newPassword": new_password},
        ip="192.0.2.8",
    )
    assert confirmed.status == 204
    assert _login(send, account.email, new_password, "192.0.2.8").status == 200


def test_clear_email_forgets_the_failures(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock
) -> None:
    account = client.register()
    _waited_sequence(send, clock, account.email, lockout.LOCK_AFTER)
    lockout.clear_email(account.email)
    assert _login(send, account.email, PASSWORD, "192.0.2.8").status == 200


def test_unusable_emails_are_limited_like_unknown_ones(
    store: str, send: Callable[..., Answer], clock: Clock
) -> None:
    """An address no account can have (here with U+200B) answers 401, then the same delays."""
    answers = [
        _login(send, f"someone\u200b-{attempt}@example.com", WRONG, SPRAY_ADDRESS.format(attempt))
        for attempt in range(lockout.DELAY_AFTER + 1)
    ]
    assert [answer.status for answer in answers] == [401] * lockout.DELAY_AFTER + [429]
    assert answers[-1].retry_after == 1


def test_failures_are_forgotten_a_day_after_the_last_one(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock
) -> None:
    account = client.register()
    for _ in range(lockout.DELAY_AFTER):
        _login(send, account.email, WRONG, "192.0.2.9")
    assert _login(send, account.email, WRONG, "192.0.2.9").status == 429
    clock.advance(lockout.FORGET_AFTER_SECONDS + 1)
    for _ in range(lockout.DELAY_AFTER):
        assert _login(send, account.email, WRONG, "192.0.2.9").status == 401


# --- re-authentication --------------------------------------------------------------------


def test_reauthentication_is_limited_per_user_and_a_locked_one_costs_no_kdf(
    store: str, client: Client, send: Callable[..., Answer], clock: Clock, kdf_runs: list[int]
) -> None:
    account = client.register()
    change = {"currentPassword": WRONG, "newPassword": "a-new-password-that-is-long"}
    statuses = []
    for _ in range(lockout.LOCK_AFTER):
        answer = send("POST", "/auth/password", change, token=account.access_token)
        statuses.append(answer.status)
        clock.advance(answer.retry_after or 0)
        if answer.status == 429:
            answer = send("POST", "/auth/password", change, token=account.access_token)
            assert answer.status == 401
    kdf_runs.clear()
    right = {**change, "currentPassword": PASSWORD}
    locked = send("POST", "/auth/password", right, token=account.access_token)
    assert locked.status == 429
    assert locked.retry_after == lockout.LOCK_SECONDS
    deleting = send("DELETE", "/auth/me", {"password": PASSWORD}, token=account.access_token)
    assert deleting.status == 429  # delete-me is the same re-authentication
    assert kdf_runs == []
    # The user's re-authentication key is not the login key: signing in still works.
    assert _login(send, account.email, PASSWORD, "192.0.2.10").status == 200
    clock.advance(lockout.LOCK_SECONDS)
    assert send("POST", "/auth/password", right, token=account.access_token).status == 200


# --- per source IP: token buckets -------------------------------------------------------


def test_the_login_bucket_empties_after_20_and_refills_one_per_3_s(
    store: str, send: Callable[..., Answer], clock: Clock
) -> None:
    ip = "192.0.2.20"
    for _ in range(20):  # unknown emails: each account's own limit stays out of the way
        assert _login(send, unique_email(), WRONG, ip).status == 401
    refused = _login(send, unique_email(), WRONG, ip)
    assert refused.status == 429
    assert refused.retry_after == 3
    assert refused.body["error"]["message"] == (
        "too many requests from this address; try again in 3 s"
    )
    assert _login(send, unique_email(), WRONG, "192.0.2.21").status == 401  # another address
    clock.advance(2.9)
    assert _login(send, unique_email(), WRONG, ip).retry_after == 1
    clock.advance(0.2)  # 3.1 s: one token (and a little) is back
    assert _login(send, unique_email(), WRONG, ip).status == 401
    assert _login(send, unique_email(), WRONG, ip).status == 429
    clock.advance(30)  # ten tokens back, not more
    assert [_login(send, unique_email(), WRONG, ip).status for _ in range(11)] == [401] * 10 + [429]


def test_the_bucket_follows_the_source_ip_not_a_forwarded_header(
    store: str, invoke: Callable[[dict[str, Any]], dict[str, Any]], make_event: Any, clock: Clock
) -> None:
    """X-Forwarded-For is whatever the client wrote; sourceIp is the TCP peer API Gateway
    saw. A new header value per request must not buy a new bucket."""
    statuses = []
    for attempt in range(21):
        body = json.dumps({"email": unique_email(), "password": WRONG}).encode()
        headers = {"content-type": "application/json", "x-forwarded-for": f"10.0.0.{attempt}"}
        event = make_event("POST", "/auth/login", headers, body)
        event["requestContext"]["http"]["sourceIp"] = "192.0.2.25"
        statuses.append(int(invoke(event)["statusCode"]))
    assert statuses == [401] * 20 + [429]


def test_the_register_bucket_allows_5_then_one_a_minute(
    store: str, send: Callable[..., Answer], clock: Clock
) -> None:
    def register() -> Answer:
        body = {
            "email": unique_email(),
            "password": PASSWORD,
            "name": "Bucket",
            "tenantName": "Bucket Co",
        }
        return send("POST", "/auth/register", body, ip="192.0.2.30")

    assert [register().status < 300 for _ in range(5)] == [True] * 5
    refused = register()
    assert (refused.status, refused.retry_after) == (429, 60)
    clock.advance(60)
    assert register().status < 300
    assert register().status == 429


def test_the_refresh_bucket_allows_60_then_one_a_second(
    store: str, send: Callable[..., Answer], clock: Clock
) -> None:
    for _ in range(60):
        assert send("POST", "/auth/refresh", {"refreshToken": "x"}, ip="192.0.2.40").status == 401
    refused = send("POST", "/auth/refresh", {"refreshToken": "x"}, ip="192.0.2.40")
    assert (refused.status, refused.retry_after) == (429, 1)
    clock.advance(1)
    assert send("POST", "/auth/refresh", {"refreshToken": "x"}, ip="192.0.2.40").status == 401


@pytest.mark.parametrize(
    ("bucket", "burst", "seconds"),
    [
        ("login", 20, 3),
        ("register", 5, 60),
        ("password-reset", 5, 60),
        ("email-link", 20, 3),
        ("refresh", 60, 1),
    ],
)
def test_every_bucket_of_the_contract(
    store: str, clock: Clock, bucket: str, burst: int, seconds: int
) -> None:
    """The routes the merge wires (``password-reset``, ``email-link``) included."""
    for _ in range(burst):
        rate_limits.take(bucket, "192.0.2.50")
    with pytest.raises(TooManyRequests) as refused:
        rate_limits.take(bucket, "192.0.2.50")
    assert refused.value.retry_after == seconds
    clock.advance(seconds)
    rate_limits.take(bucket, "192.0.2.50")


def test_an_undefined_bucket_is_a_clear_error(account_aws: Any) -> None:
    with pytest.raises(ValueError, match="bucket 'logn' is not defined; use one of login"):
        rate_limits.take("logn", "192.0.2.1")


# --- Redis unreachable: logged once, counted --------------------------------------------


@pytest.fixture
def output(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Callable[[], str]:
    def read() -> str:
        out, err = capfd.readouterr()
        return out + err + caplog.text

    # Counted outside a handler by earlier tests (direct calls) and never flushed: dropped.
    metrics("account").clear_metrics()
    return read


def _metric_names(text: str) -> list[str]:
    """One name per data point of the EMF lines (a flush lists a name's values)."""
    names = []
    for line in text.splitlines():
        if line.startswith('{"_aws"'):
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    values = document[metric["Name"]]
                    names += [metric["Name"]] * (len(values) if isinstance(values, list) else 1)
    return names


def test_an_unreachable_store_is_logged_once_and_counted_per_request(
    account_aws: Any, send: Callable[..., Answer], clock: Clock, output: Callable[[], str]
) -> None:
    rate_limits._limits = rate_limits.Limits(
        RedisConnection("127.0.0.1", _closed_port(), tls=False)
    )
    output()
    for _ in range(3):
        assert _login(send, unique_email(), WRONG, "192.0.2.60").status == 401
    text = output()
    assert text.count("rate-limit store unavailable (ConnectionRefusedError)") == 1
    # Each request: the bucket, the account's check and its failure, all from memory.
    assert _metric_names(text).count("RateLimitStoreUnavailable") == 9
    assert _metric_names(text).count("LoginFailed") == 3


def test_lockout_and_rate_limit_metrics(
    account_aws: Any,
    send: Callable[..., Answer],
    clock: Clock,
    output: Callable[[], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    email = unique_email()
    _waited_sequence(send, clock, email, lockout.LOCK_AFTER)
    text = output()
    assert _metric_names(text).count("AccountLockedOut") == 1
    assert _metric_names(text).count("RateLimited") == lockout.LOCK_AFTER - lockout.DELAY_AFTER
    assert email not in text  # the lockout log names a prefix of the email's hash only
    locked = [r for r in caplog.records if r.getMessage().startswith("account locked out")]
    assert [getattr(record, "email", None) for record in locked] == [
        lockout.email_key(email).removeprefix("rl:fail:email:")[:12]
    ]
