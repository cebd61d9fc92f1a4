"""verify's decisions: which answers pass a step, where the journey stops, what it cleans up.

The services are a small in-memory stand-in that answers as the contract says; each test
breaks one answer and checks the journey stops there, names it, and still cleans up.
"""

from __future__ import annotations

from typing import Any

import pytest

from ppdeploy.workflows import verify
from ppdeploy.workflows.verify import Journey, Response, VerifyFailed

URLS = {s: f"https://api.example/{s}" for s in ("account", "coaching", "traction")}


class Services:
    """Answers every call of the journey as the services' contracts say."""

    def __init__(self) -> None:
        self.runtime = "python"
        self.broken: dict[tuple[str, str], Response] = {}
        self.calls: list[tuple[str, str, str]] = []

    def answer(self, service: str, method: str, path: str, token: str | None) -> Response:
        self.calls.append((service, method, path))
        if (method, path) in self.broken:
            return self.broken[(method, path)]
        if path == "/health":
            return ok({"status": "ok", "service": service, "runtime": self.runtime})
        if token is not None and not token.endswith("good"):
            return Response(401, {}, {"error": "bad token"}, 1.0)
        return self.routes(service, method, path, token)

    def routes(self, service: str, method: str, path: str, token: str | None) -> Response:
        if method == "DELETE":
            return Response(204, {}, None, 1.0)
        if token is None and path not in ("/auth/register", "/auth/login", "/auth/refresh"):
            return Response(401, {}, {"error": "no token"}, 1.0)
        answers: dict[tuple[str, str], tuple[int, Any]] = {
            ("POST", "/auth/register"): (201, {"userId": "u", "tenantId": "t"}),
            ("POST", "/auth/login"): (
                200,
                {"tokenType": "Bearer", "accessToken": "a.b.good", "refreshToken": "r1"},
            ),
            ("POST", "/auth/refresh"): (200, {"accessToken": "a.c.good", "refreshToken": "r2"}),
            ("GET", "/tenants/current"): (200, {"name": "Verify Tenant"}),
            ("POST", "/sessions"): (201, {"status": "active", "sessionId": "s"}),
            ("POST", "/sessions/s/messages"): (201, {"coachReply": {"text": "hi"}}),
            ("GET", "/sessions/s/messages"): (
                200,
                {"items": [{"role": "user"}, {"role": "coach"}]},
            ),
            ("POST", "/goals"): (201, {"goalId": "g"}),
            ("POST", "/goals/g/kpis"): (201, {"kpiId": "k"}),
            ("POST", "/kpis/k/readings"): (201, {}),
            ("GET", "/kpis/k/readings"): (200, {"items": [{"value": 3}]}),
        }
        if (method, path) == ("GET", "/auth/me"):
            return ok({"email": self.email})
        status, body = answers[(method, path)]
        return Response(status, {}, body, 1.0)

    email = ""


def ok(body: Any) -> Response:
    return Response(200, {}, body, 1.0)


class FakeJourney(Journey):
    def __init__(self, services: Services, **fields: Any) -> None:
        self.said: list[str] = []
        super().__init__(urls=URLS, report=self.said.append, settle_seconds=0.0, **fields)
        self.services = services

    def call(
        self, service: str, method: str, path: str, *, body: Any = None, token: str | None = None
    ) -> Response:
        if path == "/auth/register":
            self.services.email = body["email"]
        return self.services.answer(service, method, path, token)


def test_the_whole_journey_passes_on_services_that_keep_the_contract() -> None:
    services = Services()
    journey = FakeJourney(services)

    verify.run(journey)

    assert all(line.startswith("ok  ") for line in journey.said)
    steps = [line[4:].split(":")[0].strip() for line in journey.said]
    assert steps[:3] == ["account health", "coaching health", "traction health"]
    # A tampered token and no token are both refused by every service.
    assert sum("refused" in line for line in journey.said) == 6
    # What the journey created is removed again, newest first.
    assert [c for c in services.calls if c[1] == "DELETE"] == [
        ("traction", "DELETE", "/goals/g"),
        ("coaching", "DELETE", "/sessions/s"),
        ("account", "DELETE", "/auth/me"),
    ]


def test_health_must_report_the_runtime_asked_for() -> None:
    journey = FakeJourney(Services(), expected_runtime="dotnet")

    with pytest.raises(VerifyFailed, match="'account health'") as failed:
        verify.run(journey)

    assert '"runtime": "python"' in failed.value.cause


def test_a_wrong_answer_stops_the_journey_there_and_still_cleans_up() -> None:
    services = Services()
    services.broken[("POST", "/goals")] = Response(500, {}, {"error": "boom"}, 1.0)
    journey = FakeJourney(services)

    with pytest.raises(VerifyFailed, match="'traction: create a goal'") as failed:
        verify.run(journey)

    assert failed.value.cause.startswith("expected 201, got 500")
    assert journey.said[-1].startswith("ok   clean-up: remove the user and tenant")
    assert ("traction", "POST", "/auth/refresh") not in services.calls


def test_a_service_that_accepts_a_tampered_token_fails_verify() -> None:
    services = Services()
    journey = FakeJourney(services)
    original = services.answer

    def lenient(service: str, method: str, path: str, token: str | None) -> Response:
        if service == "coaching" and path == "/sessions" and method == "GET":
            return ok({"items": []})
        return original(service, method, path, token)

    services.answer = lenient  # type: ignore[method-assign]

    with pytest.raises(VerifyFailed, match="coaching: no token is refused"):
        verify.run(journey)


def test_a_step_passes_only_on_the_status_and_the_body_the_contract_names() -> None:
    journey = FakeJourney(Services())

    assert journey.step("fine", ok({"a": 1}), 200, lambda body: body["a"] == 1) == {"a": 1}
    with pytest.raises(VerifyFailed):
        journey.step("wrong body", ok({"a": 2}), 200, lambda body: body["a"] == 1)
    with pytest.raises(VerifyFailed, match="expected 201, got 200"):
        journey.step("wrong status", ok({}), 201)
    assert journey.said[-1].startswith("FAIL wrong status")


def test_a_tampered_token_differs_only_in_its_signature() -> None:
    head, payload, signature = verify._tamper("h.p.Asig").split(".")

    assert (head, payload) == ("h", "p")
    assert signature != "Asig"
    assert signature[1:] == "sig"
