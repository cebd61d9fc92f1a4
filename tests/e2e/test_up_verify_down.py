"""The README's main command from nothing: ``invoke up``, ``invoke verify``, ``invoke down``.

A private state folder and free ports, so it never meets another local system. ``up``
must prepare the local SES (sender verified, out of the sandbox) and end with every verify
step passing and the endpoints printed; the services must really use the local Redis when
``redis-server`` is installed; the front door holds through the gateway (a new account
signs in only after following the link ``invoke outbox`` shows, wrong passwords end in 429
with Retry-After, malformed bodies are 415/400, a foreign Host is 421 and a foreign Origin
403); every service is fuzzed from its OpenAPI document through the gateway with a signed-in
account (the data services while the login bucket refills, the account service last: the
fuzz session's checks, ``tests/fuzz``, on this system instead of a second one); ``down``
must leave no process of ours behind (checked by pid, every descendant included, and by
port).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from ppcommon.cache import RespError, encode_command, read_reply
from pplocalaws import control
from pptesting import tokens
from tests.e2e.running_system import (
    System,
    explain,
    listening,
    stopped_afterwards,
    with_descendants,
)
from tests.fuzz import harness, report

pytestmark = pytest.mark.e2e


def _redis_session(port: int, secret: dict[str, str]) -> Callable[..., object]:
    """Commands on the local Redis as the Redis user whose secret this is (ACL login)."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    stream = connection.makefile("rwb")

    def call(*command: str) -> object:
        stream.write(encode_command(*command))
        stream.flush()
        return read_reply(stream)

    assert call("AUTH", secret["username"], secret["password"]) == b"OK"
    return call


def _status(url: str, token: str) -> int:
    """The HTTP status of a GET of ``url`` with ``token`` as its Bearer token."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - the local gateway's loopback URL
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - same
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def _revocations(call: Callable[..., object]) -> set[str]:
    """The kinds of revocation key present (jti, sid, user, tenant), by a full SCAN."""
    kinds, cursor = set(), b"0"
    while True:
        reply = call("SCAN", cursor.decode(), "MATCH", "rev:*", "COUNT", "1000")
        assert isinstance(reply, list)
        cursor, keys = reply
        kinds |= {key.decode().split(":")[1] for key in keys}
        if cursor == b"0":
            return kinds


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # names in lower case
    body: Any


def _http(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """One request to the local gateway, every header as given (Host and Origin too)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        sent = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        raw = answer.read()
        found = {name.lower(): value for name, value in answer.getheaders()}
    finally:
        connection.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(answer.status, found, parsed)


def _post_json(port: int, path: str, document: object, token: str | None = None) -> Answer:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return _http(port, "POST", path, body=json.dumps(document).encode(), headers=headers)


def _patient(send: Callable[[], Answer]) -> Answer:
    """``send()``, again once after a per-address 429's Retry-After: every journey and this
    test come from 127.0.0.1, so the per-IP buckets (login: 20, then 1 per 3 s) may be
    spent by the journeys before this test's own requests. The account's own 429 ("for
    this account") is what the test checks: never waited out."""
    answer = send()
    message = (
        str(answer.body.get("error", {}).get("message", ""))
        if isinstance(answer.body, dict)
        else ""
    )
    wait = answer.headers.get("retry-after", "")
    if answer.status == 429 and "for this account" not in message and wait.isdigit():
        time.sleep(min(int(wait), 60))
        answer = send()
    return answer


def _login(port: int, document: object) -> Answer:
    return _patient(lambda: _post_json(port, "/account/auth/login", document))


def _code(answer: Answer) -> object:
    return answer.body.get("error", {}).get("code") if isinstance(answer.body, dict) else None


@dataclasses.dataclass(frozen=True)
class SignedIn:
    email: str
    password: str
    token: str


def _front_door_through_the_gateway(system: System) -> None:
    """The account's front door as a person (and an attacker) meets it on the gateway.

    Between signing in and the burst of wrong passwords the per-address login bucket must
    refill (the burst must meet the account's own limit): the data services are fuzzed with
    the signed-in account's token in that time instead of a bare wait.
    """
    signed_in = _sign_up(system)
    _malformed_and_foreign_requests(system.gateway_port, signed_in.token)
    account = harness.Account(
        f"{system.gateway_url}/account",
        system.aws_url,
        email=signed_in.email,
        password=signed_in.password,
    )
    token = harness.LiveToken(account)
    harness.fuzz_services(("coaching", "traction"), system.gateway_url, token, report.LINES)
    _wrong_password_burst(
        system.gateway_port, signed_in.email, signed_in.password, token.signed_in_at
    )


def _sign_up(system: System) -> SignedIn:
    """Register, refused until the mailed link is followed, then signed in."""
    port = system.gateway_port
    # The SES mailbox simulator's address form (``verify.front_door.journey_email``).
    email = f"success+e2e-{uuid.uuid4().hex[:12]}@simulator.amazonses.com"
    password = uuid.uuid4().hex
    registration = {"email": email, "password": password, "name": "E2E", "tenantName": "E2E"}
    credentials = {"email": email, "password": password}

    registered = _patient(lambda: _post_json(port, "/account/auth/register", registration))
    assert registered.status == 202, registered
    refused = _login(port, credentials)
    assert (refused.status, _code(refused)) == (403, "email_not_verified"), refused

    # `invoke outbox --json` shows the verification mail; its link, followed on the
    # gateway (the path from /auth/ on: the link names the stage's public domain),
    # verifies the address.
    shown = system.invoke("outbox", "--json", "--to", email, "--limit", "5")
    assert shown.returncode == 0, explain(shown)
    messages = json.loads(shown.stdout)["messages"]
    assert [m["subject"] for m in messages] == ["Verify your PurposePath email"], messages
    assert messages[0]["to"] == [email]
    (link,) = [x for x in messages[0]["links"] if "/auth/verify-email" in x]
    assert link in messages[0]["text"].splitlines()  # alone on its own line
    parts = urllib.parse.urlsplit(link)
    follow = f"/account{parts.path[parts.path.index('/auth/') :]}?{parts.query}"
    verified = _patient(lambda: _http(port, "GET", follow))
    assert (verified.status, verified.body) == (200, {"status": "verified"}), verified
    signed_in = _login(port, credentials)
    assert signed_in.status == 200, signed_in
    return SignedIn(email, password, signed_in.body["accessToken"])


def _malformed_and_foreign_requests(port: int, token: str) -> None:
    # Malformed bodies are refused by the service, not parsed: a form or text body that a
    # cross-site page can send without a preflight (415), JSON nested past 32 levels (400).
    auth = {"Authorization": f"Bearer {token}"}
    as_text = _http(
        port,
        "POST",
        "/traction/goals",
        body=b'{"title":"t"}',
        headers={**auth, "Content-Type": "text/plain"},
    )
    assert (as_text.status, _code(as_text)) == (415, "unsupported_media_type"), as_text
    deep = b'{"title":' + b"[" * 100 + b"]" * 100 + b"}"
    nested = _http(
        port,
        "POST",
        "/traction/goals",
        body=deep,
        headers={**auth, "Content-Type": "application/json"},
    )
    assert nested.status == 400, nested

    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    rebound = _http(port, "GET", "/account/health", headers={"Host": f"evil.example:{port}"})
    assert rebound.status == 421, rebound
    assert _code(rebound), rebound  # the shared error shape (the contract names no code)
    foreign = _http(port, "GET", "/account/health", headers={"Origin": "https://evil.example"})
    assert foreign.status == 403, foreign
    assert _code(foreign), foreign
    assert _http(port, "GET", "/account/health").status == 200  # no Origin: curl, servers


def _wrong_password_burst(port: int, email: str, password: str, last_login: float) -> None:
    """Wrong passwords for this account end in the account's own 429, the right one too."""
    credentials = {"email": email, "password": password}
    # Wrong passwords for this account: 401 three times (more only if an answer took longer
    # than the delay), then 429 with Retry-After, and the right password waits too (the
    # check comes before the password hash).
    wrong = {"email": email, "password": password + "x"}
    # The burst and the right password must meet the account's limit, not the per-address
    # bucket the journeys spent: even empty, it holds 5 logins after 15 s (1 per 3 s).
    # ``last_login`` (time.monotonic()) was the bucket's last spend.
    time.sleep(max(0.0, 15 - (time.monotonic() - last_login)))
    statuses = []
    for _ in range(10):
        stopped = _post_json(port, "/account/auth/login", wrong)
        statuses.append(stopped.status)
        if stopped.status != 401:
            break
    assert statuses.count(401) >= 3, statuses
    assert (stopped.status, _code(stopped)) == (429, "too_many_requests"), stopped
    assert stopped.headers["retry-after"].isdigit()
    assert int(stopped.headers["retry-after"]) >= 1
    assert "for this account" in stopped.body["error"]["message"]
    assert _post_json(port, "/account/auth/login", credentials).status == 429


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    with stopped_afterwards(tmp_path / "state") as here:  # whatever failed, nothing left running
        yield here


def test_up_verify_down_from_nothing(system: System) -> None:
    assert not system.state.exists()  # from nothing: no state, no build, nothing running

    # (--skip-tests: the services' own tests run in the functional session; run here again
    # they would add half a minute and test nothing about deploying, serving or stopping.)
    up = system.up()

    assert up.returncode == 0, explain(up)
    assert "up: every verify step passed" in up.stdout, explain(up)
    # The local SES was made to send as an operator makes SES send on AWS, saying so.
    assert "ses: the local account is out of the SES sandbox" in up.stdout, explain(up)
    assert "ok   follow the verification link" in up.stdout
    assert re.search(r"ok   a burst of wrong passwords is stopped \(after \d+ wrong", up.stdout)
    assert " fail " not in up.stdout
    for mapping in ("account", "coaching", "traction"):
        assert f"http://127.0.0.1:{system.gateway_port}/{mapping}" in up.stdout
        assert f"https://api.dev.purposepath.app/{mapping}" in up.stdout
    ours = with_descendants(system.server_pids())
    assert len(system.server_pids()) == 2
    assert len(ours) > 2  # the two servers, their workers and (when installed) Redis

    exports = {
        e["Name"]: e["Value"] for e in system.aws("cloudformation").list_exports()["Exports"]
    }  # type: ignore[attr-defined]
    redis_host = exports["purposepath-redis-endpoint-dev"]
    redis_port = int(exports["purposepath-redis-port-dev"])
    real_redis = redis_host == "127.0.0.1"
    assert real_redis == (shutil.which("redis-server") is not None)
    if real_redis:
        secrets = system.aws("secretsmanager")

        def user_secret(service: str) -> dict[str, str]:
            arn = exports[f"purposepath-{service}-redis-user-secret-arn-dev"]
            return json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])  # type: ignore[attr-defined, no-any-return]

        account = _redis_session(redis_port, user_secret("account"))
        # up's journey logged out and deleted its account through the gateway: the account
        # service wrote those revocations as its own Redis user.
        assert {"jti", "sid", "user"} <= _revocations(account)
        # A data service's user reads revocations and can write nothing (least privilege).
        coaching = _redis_session(redis_port, user_secret("coaching"))
        with pytest.raises(RespError, match="NOPERM"):
            coaching("SET", "rev:user:forged", "1")

    # A token signed by any key but the account service's KMS key, even naming that key's
    # id, is refused by every service through the gateway (a compromised data service, or
    # anyone, cannot mint tokens).
    key_set = system.aws("ssm").get_parameter(Name="/purposepath/dev/signing-keys")  # type: ignore[attr-defined]
    active_kid = json.loads(key_set["Parameter"]["Value"])["active"]
    forged = tokens.sign(tokens.claims(), tokens.OTHER_SIGNING_KEY, kid=active_kid)
    # (Each route answers other than 401 to a valid token of an unknown user: 404, 200, 200.)
    for route in ("account/tenants/current", "coaching/sessions", "traction/goals"):
        assert _status(f"http://127.0.0.1:{system.gateway_port}/{route}", forged) == 401, route

    verify = system.invoke("verify", "--local")

    assert verify.returncode == 0, explain(verify)
    assert "verify: stage dev passed every step" in verify.stdout
    assert " skip " not in verify.stdout
    _front_door_through_the_gateway(system)
    if real_redis:
        assert {"jti", "sid", "user"} <= _revocations(account)
    # Every purge the journeys' deletions caused ran to completion under the functions' own
    # roles: none was retried into a dead-letter queue (the verify journey only reads the
    # deleted user's partitions, so a failing tenant purge would otherwise go unseen).
    invocations = control.async_invocations(f"http://127.0.0.1:{system.aws_port}", 60)
    assert invocations["idle"], invocations
    assert invocations["deadLettered"] == invocations["dropped"] == 0, invocations["recent"]
    assert invocations["succeeded"] >= 4  # user.deleted and tenant.deleted, twice each
    # The account service last: fuzzing its logout-all and deletions ends sessions, and its
    # abuse limits answer 429 to most of the fuzzer's requests (documented, expected).
    fuzzed = harness.Account(f"{system.gateway_url}/account", system.aws_url)
    fuzzed.create()
    harness.fuzz_services(("account",), system.gateway_url, harness.LiveToken(fuzzed), report.LINES)
    ports = [system.gateway_port, system.aws_port, *([redis_port] if real_redis else [])]
    assert all(listening(port) for port in ports)

    down = system.invoke("down")

    assert down.returncode == 0, explain(down)
    assert "stopped: local gateway, local AWS" in down.stdout
    assert with_descendants(ours) == set(), "processes left behind"
    assert [port for port in ports if listening(port)] == []
    assert system.server_pids() == set()
