"""``invoke verify``: a real journey through the deployed services, not a ping.

Health of every service (status and body), then the front door (``front_door``): a new
user registers (202: a verification mail is on its way), cannot sign in until the address
is verified (403 ``email_not_verified``), and a burst of wrong passwords is stopped (429
with ``Retry-After``; even the right password waits). With a ``Mailbox`` (locally, the local
AWS's SES outbox) the journey follows the mailed verification link and signs in; the user
and tenant ids come from ``GET /auth/me``. Then a coaching session with a message read
back, a traction goal with a KPI reading read back, a token refresh, two requests that must
be refused (no token, tampered token), a password reset by mailed link (the old sessions
end everywhere, the new password signs in). Then sessions end everywhere: a second
session logs out and its access token is refused by every service within one second; the
account is deleted (refused without its password) and its token is refused everywhere, it
cannot log in again, and its coaching and traction data is purged (read in the tables when
the journey is given a ``purge_probe``: the APIs cannot show a deleted account's data).

Without a mailbox (on AWS, mail goes to inboxes the engine cannot read) the steps that need
a verified account are skipped, each said so with the reason and the fix, and ``run``
keeps them for its ``Outcome`` (``Journey.outcome()``): ``invoke verify`` then exits 7
(incomplete), not 0.

What the journey created is removed at the end, also after a failure (an account that was
never verified cannot sign in to remove itself: it stays, at the mailbox simulator's
address). The first failed step stops the journey and is reported with what was expected
and what came back.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ppdeploy.errors import PPDeployError
from ppdeploy.workflows import front_door, local_client
from ppdeploy.workflows.front_door import Account
from ppdeploy.workflows.mailbox import Mailbox

TIMEOUT_SECONDS = 30.0
SETTLE_SECONDS = 20.0  # how long health may take to show a change just deployed
SETTLE_POLL_SECONDS = 0.5
# Logout, logout-everywhere, a password change and account deletion end the session in every
# service within one second (the revocation store, cached at most 1 s per container).
REVOCATION_SECONDS = 1.0
REVOCATION_WAIT_SECONDS = 3.0  # how long to keep asking, to report how late a refusal came
REVOCATION_POLL_SECONDS = 0.1
# Deletion events reach the purge functions asynchronously (SNS, then Lambda's retries).
PURGE_SECONDS = 20.0
PURGE_POLL_SECONDS = 0.5
# A route of each service that must refuse a request without a valid token.
PROTECTED = {"account": "/auth/me", "coaching": "/sessions", "traction": "/goals"}


class VerifyFailed(PPDeployError):
    """A step of the journey did not answer as the contract says."""

    exit_code = 6


class VerifyIncomplete(PPDeployError):
    """Every step that ran passed, but some could not run (no mailbox, no table access)."""

    exit_code = 7


@dataclass(frozen=True)
class Skipped:
    """A step the journey could not take here: why, and how to have it checked."""

    label: str
    reason: str
    fix: str


@dataclass(frozen=True)
class Outcome:
    """What a journey that did not fail proved: how many steps passed, which were skipped."""

    passed: int
    skipped: tuple[Skipped, ...]

    def incomplete(self, stage: str) -> VerifyIncomplete | None:
        """The error ``invoke verify`` ends with when steps were skipped, else None."""
        if not self.skipped:
            return None
        return VerifyIncomplete(
            f"verify: stage {stage} passed {self.passed} steps but skipped "
            f"{len(self.skipped)}: {', '.join(s.label for s in self.skipped)}",
            cause="; ".join(sorted({s.reason for s in self.skipped})),
            fix="; ".join(sorted({s.fix for s in self.skipped})),
        )


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: Any
    milliseconds: float


@dataclass
class Created:
    """What the journey created, by id: the purge check looks for it after the deletion."""

    user_id: str
    tenant_id: str
    session_id: str | None = None
    kpi_id: str | None = None


# Leftovers of a deleted account in the tables, described for a person (empty: all gone).
PurgeProbe = Callable[[Created], list[str]]


@dataclass
class Journey:
    """The base URL of each service and what the journey created, for clean-up."""

    urls: Mapping[str, str]  # service -> base URL without trailing slash
    report: Callable[[str], None]
    expected_runtime: str | None = None
    settle_seconds: float = SETTLE_SECONDS
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    purge_probe: PurgeProbe | None = None
    # Where the mailed links are read (locally the SES outbox); None: no mailbox (on AWS).
    mailbox: Mailbox | None = None
    now: Callable[[], float] = time.monotonic
    clock: Callable[[], float] = time.time  # wall clock: when a mail was asked for
    sleep: Callable[[float], None] = time.sleep
    passed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    # Locally, the journey's own loopback address (see ``local_client``); built on first use.
    _opener: urllib.request.OpenerDirector | None = field(default=None, repr=False)

    def _open(self, request: urllib.request.Request) -> Any:
        if self._opener is None:
            self._opener = local_client.opener(local_client.client_address(self.urls.values()))
        return self._opener.open(request, timeout=TIMEOUT_SECONDS)

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        token: str | None = None,
    ) -> Response:
        url = f"{self.urls[service]}{path}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) URLs built from stage outputs
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        started = time.perf_counter()
        try:
            with self._open(request) as answer:
                status, headers, raw = answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            status, headers, raw = error.code, dict(error.headers), error.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise VerifyFailed(
                f"{method} {url} did not answer",
                cause=str(getattr(error, "reason", error)),
                fix="check that the stage is deployed and, locally, that `invoke up` ran",
            ) from error
        elapsed = (time.perf_counter() - started) * 1000
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw.decode(errors="replace")
        return Response(status, headers, parsed, elapsed)

    def step(
        self,
        label: str,
        response: Response,
        status: int,
        check: Callable[[Any], bool] = lambda _body: True,
    ) -> Any:
        """Report the step; raise unless the status and the body are what the contract says."""
        passed = response.status == status and check(response.body)
        mark = "ok  " if passed else "FAIL"
        self.passed += passed
        self.report(f"{mark} {label}: {response.status} in {response.milliseconds:.0f} ms")
        if not passed:
            raise VerifyFailed(
                f"verify failed at '{label}'",
                cause=f"expected {status}, got {response.status}: "
                f"{json.dumps(response.body)[:500]}",
                fix="read the service's logs (`invoke logs --service NAME`)",
            )
        return response.body

    def fail(self, label: str, what: str, cause: str, fix: str) -> VerifyFailed:
        """Report ``label`` failed (``what`` came back); the error to raise."""
        self.report(f"FAIL {label}: {what}")
        return VerifyFailed(f"verify failed at '{label}'", cause=cause, fix=fix)

    def outcome(self) -> Outcome:
        """What the journey proved so far: the steps that passed, those it skipped."""
        return Outcome(self.passed, tuple(self.skipped))

    def skip(self, label: str, reason: str, fix: str) -> None:
        """Report ``label`` as not taken here, and keep it for the outcome."""
        self.report(f"skip {label}: {reason}")
        self.skipped.append(Skipped(label, reason, fix))


def _tamper(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{head}.{payload}.{flipped}"


def _health(journey: Journey) -> None:
    for service in sorted(journey.urls):

        def healthy(body: Any, service: str = service) -> bool:
            return (
                isinstance(body, dict)
                and body.get("status") == "ok"
                and body.get("service") == service
                and (
                    service != "account"
                    or journey.expected_runtime is None
                    or body.get("runtime") == journey.expected_runtime
                )
            )

        response = journey.call(service, "GET", "/health")
        deadline = time.monotonic() + journey.settle_seconds
        # A change just deployed takes a moment to serve everywhere (API Gateway and Lambda
        # roll it out; the local gateway rereads what is deployed): health may wait for it.
        while not (response.status == 200 and healthy(response.body)):
            if time.monotonic() >= deadline:
                break
            time.sleep(SETTLE_POLL_SECONDS)
            response = journey.call(service, "GET", "/health")
        journey.step(f"{service} health", response, 200, healthy)


@contextmanager
def _cleaning_up(journey: Journey) -> Iterator[None]:
    try:
        yield
    finally:
        for cleanup in reversed(journey.cleanups):
            try:
                cleanup()
            except VerifyFailed as error:
                journey.report(f"warn clean-up: {error.what}")


# The steps that need a signed-in account: skipped, and said so, without a mailbox.
NEEDS_A_VERIFIED_ACCOUNT = (
    "follow the verification link and log in",
    "coaching session and message",
    "traction goal, KPI and reading",
    "token refresh and refused tokens",
    "password reset by mailed link",
    "logout ends the session everywhere",
    "account deletion and purge",
)
NO_MAILBOX_REASON = (
    "no mailbox: the verification mail went to the SES mailbox simulator, which the engine "
    "cannot read, and an unverified account cannot sign in"
)
NO_MAILBOX_FIX = (
    "these steps run in the full journey on this machine (`invoke up`, then "
    "`invoke verify --local`, where the local SES outbox is the mailbox)"
)


def run(journey: Journey) -> None:
    """The journey through the services in ``journey.urls`` (account is required); raises
    VerifyFailed at the first step that fails. What passed and what was skipped (no mailbox,
    no table access): ``journey.outcome()``."""
    _health(journey)
    account = Account.fresh()
    with _cleaning_up(journey):
        asked_at = front_door.register_unverified(journey, account)
        front_door.wrong_password_burst(journey, account)
        if journey.mailbox is None:
            for label in NEEDS_A_VERIFIED_ACCOUNT:
                journey.skip(label, NO_MAILBOX_REASON, NO_MAILBOX_FIX)
            return
        front_door.verify_email(journey, journey.mailbox, account, asked_at)
        journey.cleanups.append(
            lambda: journey.step(
                "clean-up: remove the user and tenant",
                journey.call(
                    "account",
                    "DELETE",
                    "/auth/me",
                    body={"password": account.password},
                    token=account.access,
                ),
                204,
            )
        )
        me = journey.step(
            "who am I",
            journey.call("account", "GET", "/auth/me", token=account.access),
            200,
            lambda body: (
                body.get("email") == account.email
                and bool(body.get("userId"))
                and bool(body.get("tenantId"))
            ),
        )
        created = Created(me["userId"], me["tenantId"])
        if "coaching" in journey.urls:
            created.session_id = _coaching(journey, account)
        if "traction" in journey.urls:
            created.kpi_id = _traction(journey, account)
        refreshed = journey.step(
            "refresh the token",
            journey.call(
                "account", "POST", "/auth/refresh", body={"refreshToken": account.refresh}
            ),
            200,
            lambda body: (
                bool(body.get("accessToken")) and body.get("refreshToken") != account.refresh
            ),
        )
        account.access, account.refresh = refreshed["accessToken"], refreshed["refreshToken"]
        journey.step(
            "the refreshed token works",
            journey.call("account", "GET", "/tenants/current", token=account.access),
            200,
            lambda body: body.get("name") == "Verify Tenant",
        )
        for service, path in PROTECTED.items():
            if service in journey.urls:
                journey.step(
                    f"{service}: no token is refused", journey.call(service, "GET", path), 401
                )
                journey.step(
                    f"{service}: a tampered token is refused",
                    journey.call(service, "GET", path, token=_tamper(account.access)),
                    401,
                )
        ended, ended_at = front_door.reset_password(journey, journey.mailbox, account)
        _refused_everywhere(journey, ended, "after the password reset", since=ended_at)
        _logout_ends_the_session_everywhere(
            journey, account.email, account.password, account.access
        )
        _deletion_erases_everywhere(
            journey, account.email, account.password, account.access, created
        )


def _coaching(journey: Journey, account: Account) -> str:
    token = account.access
    session = journey.step(
        "coaching: start a session",
        journey.call("coaching", "POST", "/sessions", body={"topic": "verify"}, token=token),
        201,
        lambda body: body.get("status") == "active",
    )
    session_id = session["sessionId"]
    journey.cleanups.append(
        lambda: journey.step(
            "clean-up: remove the coaching session",
            journey.call("coaching", "DELETE", f"/sessions/{session_id}", token=account.access),
            204,
        )
    )
    journey.step(
        "coaching: send a message",
        journey.call(
            "coaching",
            "POST",
            f"/sessions/{session_id}/messages",
            body={"text": "How do I verify a deploy?"},
            token=token,
        ),
        201,
        lambda body: bool(body.get("coachReply", {}).get("text")),
    )
    journey.step(
        "coaching: read the messages back",
        journey.call("coaching", "GET", f"/sessions/{session_id}/messages", token=token),
        200,
        lambda body: [m.get("role") for m in body.get("items", [])] == ["user", "coach"],
    )
    return str(session_id)


def _traction(journey: Journey, account: Account) -> str:
    token = account.access
    goal = journey.step(
        "traction: create a goal",
        journey.call("traction", "POST", "/goals", body={"title": "verify"}, token=token),
        201,
        lambda body: bool(body.get("goalId")),
    )
    goal_id = goal["goalId"]
    journey.cleanups.append(
        lambda: journey.step(
            "clean-up: remove the goal",
            journey.call("traction", "DELETE", f"/goals/{goal_id}", token=account.access),
            204,
        )
    )
    kpi = journey.step(
        "traction: add a KPI",
        journey.call(
            "traction",
            "POST",
            f"/goals/{goal_id}/kpis",
            body={"name": "deploys", "unit": "count", "target": 10},
            token=token,
        ),
        201,
        lambda body: bool(body.get("kpiId")),
    )
    journey.step(
        "traction: record a reading",
        journey.call(
            "traction", "POST", f"/kpis/{kpi['kpiId']}/readings", body={"value": 3}, token=token
        ),
        201,
    )
    journey.step(
        "traction: read the readings back",
        journey.call("traction", "GET", f"/kpis/{kpi['kpiId']}/readings", token=token),
        200,
        lambda body: [r.get("value") for r in body.get("items", [])] == [3],
    )
    return str(kpi["kpiId"])


# Sessions end everywhere


def _protected(journey: Journey) -> dict[str, str]:
    return {service: path for service, path in PROTECTED.items() if service in journey.urls}


def _logout_ends_the_session_everywhere(
    journey: Journey, email: str, password: str, other_session: str
) -> None:
    """A second session logs out: its token is refused everywhere, the first one still works."""
    second = journey.step(
        "log in a second session",
        front_door.login_call(journey, email, password),
        200,
        lambda body: bool(body.get("accessToken") and body.get("refreshToken")),
    )
    token = second["accessToken"]
    for service, path in _protected(journey).items():
        journey.step(
            f"{service}: the second session's token works",
            journey.call(service, "GET", path, token=token),
            200,
        )
    journey.step(
        "log the second session out",
        journey.call(
            "account",
            "POST",
            "/auth/logout",
            body={"refreshToken": second["refreshToken"]},
            token=token,
        ),
        204,
    )
    _refused_everywhere(journey, token, "after logout", since=journey.now())
    journey.step(
        "the first session still works",
        journey.call("account", "GET", "/auth/me", token=other_session),
        200,
        lambda body: body.get("email") == email,
    )


def _refused_everywhere(journey: Journey, token: str, after: str, *, since: float) -> None:
    """Every service refuses ``token`` to a request sent more than REVOCATION_SECONDS after
    ``since`` (a monotonic time). The services are asked in turn, every poll interval, until
    each has refused once or REVOCATION_WAIT_SECONDS passed; a request sent after the limit
    that was still served fails the step, so a late refusal is told from a missing one."""
    pending = _protected(journey)
    first_refusal: dict[str, float] = {}
    not_refused_late: dict[str, tuple[float, int]] = {}  # service -> (sent, status)
    last: dict[str, Response] = {}
    while pending:
        for service, path in list(pending.items()):
            sent = journey.now() - since
            last[service] = response = journey.call(service, "GET", path, token=token)
            if response.status == 401:
                first_refusal[service] = sent
                del pending[service]
            elif sent > REVOCATION_SECONDS:
                not_refused_late.setdefault(service, (sent, response.status))
        if not pending or journey.now() - since >= REVOCATION_WAIT_SECONDS:
            break
        journey.sleep(REVOCATION_POLL_SECONDS)
    for service in _protected(journey):
        label = f"{service}: the token is refused {after}"
        if service in not_refused_late:
            sent, status = not_refused_late[service]
            refused = (
                f"the first refusal came to a request sent {first_refusal[service]:.2f} s after"
                if service in first_refusal
                else f"none was refused in {REVOCATION_WAIT_SECONDS:.0f} s"
            )
            raise journey.fail(
                label,
                f"{status} to a request sent {sent:.2f} s {after}",
                cause=f"a request sent {sent:.2f} s {after} got {status}, not 401; {refused}; "
                f"the limit is {REVOCATION_SECONDS:.0f} s",
                fix=f"read {service}'s logs (`invoke logs --service {service}`): every "
                "authenticated request checks the revocation store (cached at most 1 s)",
            )
        journey.step(f"{label} (within {first_refusal[service]:.2f} s)", last[service], 401)


def _deletion_erases_everywhere(
    journey: Journey, email: str, password: str, token: str, created: Created
) -> None:
    """Deleting the account needs its password, ends its sessions, and purges its data."""
    journey.step(
        "deleting the account without its password is refused",
        journey.call("account", "DELETE", "/auth/me", token=token),
        401,
    )
    journey.step(
        "delete the account with its password",
        journey.call("account", "DELETE", "/auth/me", body={"password": password}, token=token),
        204,
    )
    since = journey.now()
    # Everything the journey made is the purge's to remove now; a clean-up would only be
    # refused (the token is revoked) and hide what the purge left.
    journey.cleanups.clear()
    _refused_everywhere(journey, token, "after the deletion", since=since)
    journey.step(
        "the deleted account cannot log in",
        front_door.login_call(journey, email, password),
        401,
    )
    if created.session_id is not None or created.kpi_id is not None:
        _purged(journey, created)


def _purged(journey: Journey, created: Created) -> None:
    label = "the deleted account's coaching and traction data is purged"
    if journey.purge_probe is None:
        journey.skip(
            label,
            "verify was given no access to the tables",
            "run verify where the stage's tables can be read (`invoke verify`)",
        )
        return
    started = journey.now()
    while True:
        try:
            left = journey.purge_probe(created)
        except Exception as error:  # the SDK's errors: access denied, no table, no endpoint
            raise journey.fail(
                label,
                "the tables could not be read",
                cause=str(error)[:500],
                fix="verify reads the coaching and traction tables with the credentials in "
                "use: grant them dynamodb:Query on the stage's tables",
            ) from error
        waited = journey.now() - started
        if not left:
            journey.report(f"ok   {label}: after {waited:.1f} s")
            return
        if waited >= PURGE_SECONDS:
            raise journey.fail(
                label,
                f"{len(left)} partition(s) still hold items after {waited:.0f} s",
                cause="still present: " + "; ".join(left),
                fix="read the purge functions' logs (`invoke logs --service coaching` or "
                "`traction`) and their dead-letter queues (purposepath-<svc>-purge-dlq-<stage>)",
            )
        journey.sleep(PURGE_POLL_SECONDS)


def _partitions(created: Created) -> list[tuple[str, str]]:
    """(table, partition key) of what the journey created, in the services' key design
    (coaching/store.py, traction/store.py): sessions under the user, a session's messages,
    the tenant's goals and KPIs, a KPI's readings."""
    user = f"TENANT#{created.tenant_id}#USER#{created.user_id}"
    tenant = f"TENANT#{created.tenant_id}"
    found = []
    if created.session_id is not None:
        found += [("coaching", user), ("coaching", f"{user}#SESSION#{created.session_id}")]
    if created.kpi_id is not None:
        found += [("traction", tenant), ("traction", f"{tenant}#KPI#{created.kpi_id}")]
    return found


@dataclass(frozen=True)
class TableProbe:
    """Counts what is left of a deleted account in the stage's tables (a PurgeProbe).

    ``client`` is a low-level DynamoDB client of the target (AWS or the local AWS); reads are
    strongly consistent, so a purge that finished is seen at once.
    """

    client: Any
    tables: Mapping[str, str]  # "coaching"/"traction" -> physical table name

    @classmethod
    def for_stage(cls, client: Any, stage: str) -> TableProbe:
        from ppdeploy import naming  # noqa: PLC0415 - only the probe needs the names

        return cls(client, {name: naming.table(name, stage) for name in ("coaching", "traction")})

    def __call__(self, created: Created) -> list[str]:
        left = []
        for table, pk in _partitions(created):
            answer = self.client.query(
                TableName=self.tables[table],
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                Select="COUNT",
                ConsistentRead=True,
            )
            # Without a filter, a page counts every item it read: a first page of 0 is empty.
            if answer["Count"]:
                left.append(f"{answer['Count']} item(s) in {self.tables[table]} under {pk}")
        return left
