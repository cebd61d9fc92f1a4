"""``invoke verify``: a real journey through the deployed services, not a ping.

Health of every service (status and body), then a new tenant and user, login, a coaching
session with a message read back, a traction goal with a KPI reading read back, a token
refresh, and two requests that must be refused (no token, tampered token). What the
journey created is removed at the end, also after a failure. The first failed step stops
the journey and is reported with what was expected and what came back.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ppdeploy.errors import PPDeployError

TIMEOUT_SECONDS = 30.0
SETTLE_SECONDS = 20.0  # how long health may take to show a change just deployed
SETTLE_POLL_SECONDS = 0.5
# A route of each service that must refuse a request without a valid token.
PROTECTED = {"account": "/auth/me", "coaching": "/sessions", "traction": "/goals"}


class VerifyFailed(PPDeployError):
    """A step of the journey did not answer as the contract says."""

    exit_code = 6


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: Any
    milliseconds: float


@dataclass
class Journey:
    """The base URL of each service and what the journey created, for clean-up."""

    urls: Mapping[str, str]  # service -> base URL without trailing slash
    report: Callable[[str], None]
    expected_runtime: str | None = None
    settle_seconds: float = SETTLE_SECONDS
    cleanups: list[Callable[[], None]] = field(default_factory=list)

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
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - see above
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
        self.report(f"{mark} {label}: {response.status} in {response.milliseconds:.0f} ms")
        if not passed:
            raise VerifyFailed(
                f"verify failed at '{label}'",
                cause=f"expected {status}, got {response.status}: "
                f"{json.dumps(response.body)[:500]}",
                fix="read the service's logs (`invoke logs --service NAME`)",
            )
        return response.body


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


def run(journey: Journey) -> None:
    """The journey through the services in ``journey.urls`` (account is required); raises
    VerifyFailed at the first step that fails."""
    _health(journey)
    email = f"verify-{uuid.uuid4().hex[:12]}@verify.purposepath.app"
    password = secrets.token_urlsafe(18)
    with _cleaning_up(journey):
        journey.step(
            "register a tenant and user",
            journey.call(
                "account",
                "POST",
                "/auth/register",
                body={
                    "email": email,
                    "password": password,
                    "name": "Verify Journey",
                    "tenantName": "Verify Tenant",
                },
            ),
            201,
            lambda body: bool(body.get("userId") and body.get("tenantId")),
        )
        tokens = journey.step(
            "log in",
            journey.call(
                "account", "POST", "/auth/login", body={"email": email, "password": password}
            ),
            200,
            lambda body: body.get("tokenType") == "Bearer" and bool(body.get("accessToken")),
        )
        access = tokens["accessToken"]
        journey.cleanups.append(
            lambda: journey.step(
                "clean-up: remove the user and tenant",
                # Deleting an account re-authenticates: the password, not the token alone.
                journey.call(
                    "account", "DELETE", "/auth/me", token=access, body={"password": password}
                ),
                204,
            )
        )
        journey.step(
            "who am I",
            journey.call("account", "GET", "/auth/me", token=access),
            200,
            lambda body: body.get("email") == email,
        )
        if "coaching" in journey.urls:
            _coaching(journey, access)
        if "traction" in journey.urls:
            _traction(journey, access)
        refreshed = journey.step(
            "refresh the token",
            journey.call(
                "account", "POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]}
            ),
            200,
            lambda body: (
                bool(body.get("accessToken")) and body.get("refreshToken") != tokens["refreshToken"]
            ),
        )
        access = refreshed["accessToken"]
        journey.step(
            "the refreshed token works",
            journey.call("account", "GET", "/tenants/current", token=access),
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
                    journey.call(service, "GET", path, token=_tamper(access)),
                    401,
                )


def _coaching(journey: Journey, token: str) -> None:
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
            journey.call("coaching", "DELETE", f"/sessions/{session_id}", token=token),
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


def _traction(journey: Journey, token: str) -> None:
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
            journey.call("traction", "DELETE", f"/goals/{goal_id}", token=token),
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
