"""Login latency under a 20-client password-spraying load, as a ratio to idle, in one run.

The account's Lambda handler runs in this process (moto in-process for AWS, a local
``redis-server`` with the stage's ACL users for the limits and revocations), on real
HTTP API events, as one execution environment: requests are served one at a time in
arrival order (``ExecutionEnvironment``), so a legitimate login's latency includes the
attack requests queued before it. Legitimate users sign in with their right password, one
after another, each time from an address of its own (people sign in from many places):

1. idle: nobody else is calling;
2. spraying, limits on: 20 attacker threads, each from one source address, send wrong
   passwords round-robin across 200 email addresses (real accounts and unknown ones, never
   the legitimate users'), each sending its next request as soon as the last is answered,
   ignoring every 429;
3. spraying, limits off: the same attack with the IP buckets and the account lockout
   replaced by no-ops (what the service did before the limits), as the comparison.

Prints per phase: legitimate p50/p95 and the ratio of p50 to idle, legitimate logins that
succeeded (all must), attacker requests sent, answered 429, and that reached the password
KDF. No pass/fail on time: figures for the issue (it exits 1 only when a legitimate login
failed). The KDF runs at ``--iterations`` (50,000 by default, a twelfth of production, so
the limits-off phase ends in reasonable time on a shared machine; the ratios are what
matter). Timing starts in the attack's steady state: each attacker address has spent its
20-token login burst before (a spray that has been running for a minute).

    python bench/login_spraying.py [--logins 20] [--iterations 50000] [--clients 20]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local_system import percentile

REGION = "us-east-1"
STAGE = "bench"
KEY_SET_PARAMETER = f"/purposepath/{STAGE}/signing-keys"
PASSWORD = "bench-password-" + "0123456789"
SPRAYED = "Winter2026!-spray"  # the one password tried against every address


def _environment() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # moto's fake credentials
            "AWS_DEFAULT_REGION": REGION,
            "STAGE": STAGE,
            "POWERTOOLS_SERVICE_NAME": "account",
            "POWERTOOLS_METRICS_NAMESPACE": "PurposePath",
            "POWERTOOLS_TRACE_DISABLED": "true",
            # One log line per refused or failed login would drown the table (the logging
            # is tested elsewhere); EMF lines are printed to a buffer during the phases.
            "POWERTOOLS_LOG_LEVEL": "CRITICAL",
            "LOG_LEVEL": "CRITICAL",
            "SIGNING_KEYS_PARAMETER": KEY_SET_PARAMETER,
        }
    )
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_LAMBDA_FUNCTION_NAME"):
        os.environ.pop(name, None)


@contextmanager
def account_in_process() -> Iterator[Any]:
    """moto, a local redis-server as the limits' and revocations' store, the account's
    tables, keys and Redis user; yields the running redis server."""
    from moto import mock_aws  # noqa: PLC0415 - after the environment is set

    from pptesting import redis_server  # noqa: PLC0415

    if not redis_server.available():
        raise SystemExit("redis-server is not on PATH (apt-get install redis-server)")
    _environment()
    with redis_server.acl_redis(stage=STAGE) as server, mock_aws():
        import boto3  # noqa: PLC0415

        from account import lockout, rate_limits  # noqa: PLC0415
        from pptesting import aws as testaws  # noqa: PLC0415
        from pptesting import reset_ppcommon  # noqa: PLC0415

        for logical, name in testaws.create_tables(
            "users", "tokens", "tenants", "sessions", stage=STAGE
        ).items():
            os.environ[testaws.table_variable(logical)] = name
        os.environ["JWT_SECRET_ARN"] = testaws.create_jwt_secret(stage=STAGE)
        session = boto3.session.Session()
        kms = session.client("kms")
        kid = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
            "KeyId"
        ]
        value = {"active": kid, "accepted": [kid], "legacyHs256Until": ""}
        session.client("ssm").put_parameter(
            Name=KEY_SET_PARAMETER, Value=json.dumps(value), Type="String"
        )
        # Registration mails a verification link: SES (and moto) send only from a verified
        # identity; the bench users are then verified directly rather than by the link.
        os.environ["EMAIL_FROM"] = "no-reply@bench.purposepath.app"
        os.environ["PUBLIC_BASE_URL"] = "https://api.bench.purposepath.app/account"
        session.client("sesv2").create_email_identity(EmailIdentity=os.environ["EMAIL_FROM"])
        username, password = server.users["account"]
        secret = session.client("secretsmanager").create_secret(
            Name=f"purposepath/redis-user/{STAGE}/account",
            SecretString=json.dumps({"username": username, "password": password}),
        )
        os.environ.update(
            {
                "REDIS_ENDPOINT": "127.0.0.1",
                "REDIS_PORT": str(server.port),
                "REDIS_TLS": "false",
                "REDIS_USER_SECRET_ARN": secret["ARN"],
            }
        )
        reset_ppcommon()
        rate_limits.reset()
        lockout.reset()
        yield server


@dataclass(frozen=True)
class Context:
    """The Lambda context fields Powertools' logger reads."""

    function_name: str = f"purposepath-account-api-{STAGE}"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        f"arn:aws:lambda:{REGION}:123456789012:function:purposepath-account-api-{STAGE}"
    )
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = f"/aws/lambda/purposepath-account-api-{STAGE}"
    log_stream_name: str = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def http_event(path: str, body: dict[str, Any], source_ip: str) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 POST with a JSON body from ``source_ip``."""
    return {
        "version": "2.0",
        "routeKey": f"POST {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "host": "bench.localhost"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "bench",
            "domainName": "bench.localhost",
            "domainPrefix": "bench",
            "http": {
                "method": "POST",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": "bench",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"POST {path}",
            "stage": "$default",
            "time": "03/Dec/2026:00:00:00 +0000",
            "timeEpoch": 1796256000000,
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


class ExecutionEnvironment:
    """One Lambda execution environment: one request at a time, in arrival order.

    A Lambda environment never runs two invocations at once, and the handler relies on it
    (Powertools keeps the current event on the app and its routers). Every caller, attacker
    or legitimate, takes a ticket; a request's latency includes its wait in the queue,
    which is what an attack costs the people behind it.
    """

    def __init__(self) -> None:
        self._turn = threading.Condition()
        self._issued = 0
        self._serving = 0

    @contextmanager
    def serving(self) -> Iterator[None]:
        with self._turn:
            ticket, self._issued = self._issued, self._issued + 1
            while ticket != self._serving:
                self._turn.wait()
        try:
            yield
        finally:
            with self._turn:
                self._serving += 1
                self._turn.notify_all()


ENVIRONMENT = ExecutionEnvironment()


def call(path: str, body: dict[str, Any], source_ip: str) -> int:
    from account.app import lambda_handler  # noqa: PLC0415 - imported once the env is set

    with ENVIRONMENT.serving():
        return int(lambda_handler(http_event(path, body, source_ip), Context())["statusCode"])


def register(email: str, address: str) -> None:
    """A verified user (registered through the handler, verified directly)."""
    from account import users  # noqa: PLC0415 - imported once the env is set

    body = {"email": email, "password": PASSWORD, "name": "Bench", "tenantName": "Bench Co"}
    status = call("/auth/register", body, address)
    registered = users.find_by_email(email)
    if status >= 300 or registered is None:
        raise SystemExit(f"registering a bench user answered {status}")
    users.mark_verified(registered.user_id)


@dataclass
class Attack:
    """What the attacker threads sent and got, and the KDF runs of the phase."""

    sent: int = 0
    limited: int = 0
    kdf_runs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int) -> None:
        with self.lock:
            self.sent += 1
            self.limited += status == 429


@contextmanager
def counting_kdf(attack: Attack) -> Iterator[None]:
    from account import passwords  # noqa: PLC0415

    real = passwords._derive

    def counted(password: str, salt: bytes, iterations: int) -> bytes:
        with attack.lock:
            attack.kdf_runs += 1
        return real(password, salt, iterations)

    passwords._derive = counted  # type: ignore[assignment]  # restored below
    try:
        yield
    finally:
        passwords._derive = real  # type: ignore[assignment]  # restored


@contextmanager
def limits_off() -> Iterator[None]:
    """The service as it was before the limits: every check a no-op."""
    from account import lockout, rate_limits  # noqa: PLC0415

    saved = (rate_limits.check, lockout.before_attempt, lockout.failed, lockout.succeeded)
    rate_limits.check = lambda router, bucket: None  # type: ignore[assignment]  # bench only
    lockout.before_attempt = lockout.failed = lockout.succeeded = lambda key: None  # type: ignore[assignment]  # bench only
    try:
        yield
    finally:
        rate_limits.check, lockout.before_attempt, lockout.failed, lockout.succeeded = saved  # type: ignore[assignment]  # restored


def legitimate_logins(users: list[str], rounds: int, phase: int) -> tuple[list[float], int]:
    """Seconds per legitimate login (sorted) and how many answered 200."""
    samples, succeeded = [], 0
    for index in range(rounds):
        email = users[index % len(users)]
        address = f"10.{phase}.{index // 250}.{index % 250 + 1}"
        began = time.perf_counter()
        status = call("/auth/login", {"email": email, "password": PASSWORD}, address)
        samples.append(time.perf_counter() - began)
        succeeded += status == 200

    return sorted(samples), succeeded


def attacker_address(phase: int, number: int) -> str:
    return f"203.0.{phase}.{number + 1}"


def spray(
    targets: list[str], clients: int, phase: int, attack: Attack, stop: threading.Event
) -> list[threading.Thread]:
    def attacker(number: int) -> None:
        address = attacker_address(phase, number)
        index = number
        while not stop.is_set():
            email = targets[index % len(targets)]
            index += clients
            attack.record(call("/auth/login", {"email": email, "password": SPRAYED}, address))

    threads = [
        threading.Thread(target=attacker, args=(number,), daemon=True) for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Phase:
    name: str
    samples: list[float]
    succeeded: int
    attack: Attack | None


def run_phase(
    name: str,
    number: int,
    users: list[str],
    targets: list[str],
    rounds: int,
    clients: int,
    settle: Callable[[int], None],
) -> Phase:
    if not clients:
        samples, succeeded = legitimate_logins(users, rounds, number)
        return Phase(name, samples, succeeded, None)
    attack, stop = Attack(), threading.Event()
    settle(number)
    with counting_kdf(attack):
        threads = spray(targets, clients, number, attack, stop)
        samples, succeeded = legitimate_logins(users, rounds, number)
        stop.set()
        for thread in threads:
            thread.join()
    return Phase(name, samples, succeeded, attack)


def report(phases: list[Phase], rounds: int) -> None:
    idle = percentile(phases[0].samples, 0.5)
    print(
        f"  {'phase':<28} {'p50 ms':>9} {'p95 ms':>9} {'x idle':>7} {'legit ok':>9} "
        f"{'attack sent':>12} {'429':>7} {'KDF runs':>9}"
    )
    for phase in phases:
        p50, p95 = percentile(phase.samples, 0.5), percentile(phase.samples, 0.95)
        attack = phase.attack
        sent = f"{attack.sent:>12} {attack.limited:>7} {attack.kdf_runs:>9}" if attack else ""
        print(
            f"  {phase.name:<28} {p50 * 1000:9.1f} {p95 * 1000:9.1f} {p50 / idle:7.2f} "
            f"{phase.succeeded:>4}/{rounds:<4} {sent}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--logins", type=int, default=20, help="legitimate logins per phase")
    parser.add_argument("--iterations", type=int, default=50_000, help="PBKDF2 iterations")
    parser.add_argument("--clients", type=int, default=20, help="attacker threads")
    options = parser.parse_args()
    # Powertools warns at every flush of an invocation that counted nothing (a success).
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    with account_in_process():
        from account import passwords, rate_limits  # noqa: PLC0415

        passwords.ITERATIONS = options.iterations
        run = uuid.uuid4().hex[:8]
        users = [f"legit-{run}-{n}@bench.purposepath.app" for n in range(3)]
        victims = [f"victim-{run}-{n}@bench.purposepath.app" for n in range(20)]
        for number, email in enumerate(users + victims):
            register(email, f"192.0.2.{number + 1}")  # 5 registrations per address a minute
        unknown = [f"nobody-{run}-{n}@bench.purposepath.app" for n in range(180)]
        targets = victims + unknown
        call("/auth/login", {"email": users[0], "password": PASSWORD}, "192.0.2.250")  # warm

        def attack_under_way(phase: int) -> None:
            """Timing starts in the attack's steady state: each attacker address has
            spent its login burst already (with the limits off, there is none to spend)."""
            for number in range(options.clients):
                for _ in range(rate_limits.BUCKETS["login"].burst):
                    rate_limits.take("login", attacker_address(phase, number))

        with contextlib.redirect_stdout(io.StringIO()):  # the EMF lines of every login
            phases = [
                run_phase("idle", 1, users, targets, options.logins, 0, lambda phase: None),
                run_phase(
                    f"{options.clients} spraying, limits on",
                    2,
                    users,
                    targets,
                    options.logins,
                    options.clients,
                    attack_under_way,
                ),
            ]
            with limits_off():
                phases.append(
                    run_phase(
                        f"{options.clients} spraying, limits off",
                        3,
                        users,
                        targets,
                        options.logins,
                        options.clients,
                        lambda phase: None,
                    )
                )
    print(
        f"login under password spraying: account handler in-process, moto, local redis-server; "
        f"PBKDF2 {options.iterations} iterations; {options.logins} legitimate logins per phase"
    )
    report(phases, options.logins)
    failed = [phase.name for phase in phases if phase.succeeded != options.logins]
    if failed:
        print(f"  legitimate logins failed in: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
