"""The three services as the verify journey meets them, in memory, answering as their
contracts say: registration with a verification mail, the per-account delay after 3 failed
sign-ins, the mailed links, revocation that takes effect a little after it is written, and
the purge of a deleted account's data.

Time is the journey's fake clock (``Services.clock``); the mail goes to ``FakeMailbox``.
Tests break one answer (``broken``) or one rule and check the journey stops there.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from ppdeploy.workflows.mailbox import MailKind, MailNotFound
from ppdeploy.workflows.verify import Created, Journey, Response

URLS = {s: f"https://api.example/{s}" for s in ("account", "coaching", "traction")}
PUBLIC = "https://api.dev.purposepath.app/account"  # the links' host: not the journey's


def ok(body: Any) -> Response:
    return Response(200, {}, body, 1.0)


def error(
    status: int, code: str, message: str = "", headers: dict[str, str] | None = None
) -> Response:
    return Response(status, headers or {}, {"error": {"code": code, "message": message}}, 1.0)


@dataclass
class Sent:
    to: str
    kind: MailKind
    link: str
    at: float


@dataclass
class Services:
    runtime: str = "python"
    broken: dict[tuple[str, str], Response] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    clock: float = 1_000.0
    revocation_delay: float = 0.3
    purge_delay: float = 2.0
    ignores_revocation: set[str] = field(default_factory=set)  # services that never check it
    revoked_from: dict[str, float] = field(default_factory=dict)  # token -> when it stops
    reset_at: float | None = None  # a reset ends every session issued before it
    logins: int = 0
    deleted_at: float | None = None
    password: str | None = None
    email: str = ""
    verified: bool = False
    failures: int = 0
    last_failure: float = 0.0
    delay_after: int = 3  # consecutive failures before the delay (the contract: 3)
    mail: list[Sent] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # unused token -> kind
    issued: dict[str, float] = field(default_factory=dict)  # access token -> when

    def answer(
        self, service: str, method: str, path: str, token: str | None, body: Any = None
    ) -> Response:
        self.calls.append((service, method, path))
        self.clock += 0.01  # every answer takes a little time
        if (method, path.split("?", maxsplit=1)[0]) in self.broken:
            return self.broken[(method, path.split("?", maxsplit=1)[0])]
        if path == "/health":
            return ok({"status": "ok", "service": service, "runtime": self.runtime})
        if token is not None and not token.endswith("good"):
            return error(401, "unauthorized", "bad token")
        if token is not None and self.revoked(service, token):
            return error(401, "unauthorized", "revoked")
        return self.front_door(method, path, body) or self.routes(
            service, method, path, token, body
        )

    def revoked(self, service: str, token: str) -> bool:
        if service in self.ignores_revocation:
            return False
        deletion = None if self.deleted_at is None else self.deleted_at + self.revocation_delay
        reset = None
        if self.reset_at is not None and self.issued.get(token, 0) < self.reset_at:
            reset = self.reset_at + self.revocation_delay
        moments = [m for m in (self.revoked_from.get(token), deletion, reset) if m is not None]
        return bool(moments) and self.clock >= min(moments)

    def send(self, kind: MailKind) -> None:
        secret = f"tok{len(self.mail)}"
        self.tokens[secret] = kind
        route = "verify-email" if kind == "verify" else "password-reset"
        self.mail.append(
            Sent(self.email, kind, f"{PUBLIC}/auth/{route}?token={secret}", self.clock)
        )

    def use(self, query: str, kind: str, *, consume: bool) -> bool:
        secret = urllib.parse.parse_qs(query).get("token", [""])[0]
        if self.tokens.get(secret) != kind:
            return False
        if consume:
            del self.tokens[secret]
        return True

    def front_door(self, method: str, path: str, body: Any) -> Response | None:  # noqa: PLR0911 - one answer per route, as the service has
        route, _, query = path.partition("?")
        if (method, route) == ("POST", "/auth/register"):
            self.email, self.password = body["email"], body["password"]
            self.send("verify")
            return Response(202, {}, {"status": "verification_sent", "message": "..."}, 1.0)
        if (method, route) == ("POST", "/auth/login"):
            return self.login(body)
        if (method, route) == ("GET", "/auth/verify-email"):
            if not self.use(query, "verify", consume=True):
                return error(400, "invalid_token")
            self.verified = True
            return ok({"status": "verified"})
        if (method, route) == ("POST", "/auth/password-reset"):
            self.send("reset")
            return Response(202, {}, {"status": "reset_sent", "message": "..."}, 1.0)
        if (method, route) == ("GET", "/auth/password-reset"):
            return (
                ok({"status": "valid"})
                if self.use(query, "reset", consume=False)
                else error(400, "invalid_token")
            )
        if (method, route) == ("POST", "/auth/password-reset/confirm"):
            if not self.use(f"token={body['token']}", "reset", consume=True):
                return error(400, "invalid_token")
            self.password, self.verified, self.failures = body["newPassword"], True, 0
            self.reset_at = self.clock
            return Response(204, {}, None, 1.0)
        return None

    def login(self, body: Any) -> Response:
        if self.failures >= self.delay_after:
            wait = 2 ** (self.failures - self.delay_after)
            if self.clock < self.last_failure + wait:
                message = f"too many failed sign-ins for this account; try again in {wait} s"
                return error(429, "too_many_requests", message, {"retry-after": str(wait)})
        if self.deleted_at is not None or body["password"] != self.password:
            self.failures += 1
            self.last_failure = self.clock
            return error(401, "unauthorized", "invalid email or password")
        self.failures = 0
        if not self.verified:
            return error(403, "email_not_verified", "verify your email first")
        self.logins += 1
        access = f"a.s{self.logins}.good"
        self.issued[access] = self.clock
        return ok({"tokenType": "Bearer", "accessToken": access, "refreshToken": f"r{self.logins}"})

    def routes(  # noqa: PLR0911 - one answer per route, as the services have
        self, service: str, method: str, path: str, token: str | None, body: Any
    ) -> Response:
        if token is None and path not in ("/auth/refresh",):
            return error(401, "unauthorized", "no token")
        if (method, path) == ("DELETE", "/auth/me"):
            if not body or body.get("password") != self.password:
                return error(401, "unauthorized", "password required")
            self.deleted_at = self.clock
            return Response(204, {}, None, 1.0)
        if (method, path) == ("POST", "/auth/logout"):
            assert token is not None
            self.revoked_from[token] = self.clock + self.revocation_delay
            return Response(204, {}, None, 1.0)
        if method == "DELETE":
            return Response(204, {}, None, 1.0)
        if (method, path) == ("GET", "/auth/me"):
            return ok({"email": self.email, "userId": "u", "tenantId": "t"})
        if (method, path) == ("POST", "/auth/refresh"):
            self.logins += 1
            access = f"a.r{self.logins}.good"
            self.issued[access] = self.clock
            return ok({"accessToken": access, "refreshToken": f"rr{self.logins}"})
        answers: dict[tuple[str, str], tuple[int, Any]] = {
            ("GET", "/tenants/current"): (200, {"name": "Verify Tenant"}),
            ("POST", "/sessions"): (201, {"status": "active", "sessionId": "s"}),
            ("GET", "/sessions"): (200, {"items": [], "nextCursor": None}),
            ("POST", "/sessions/s/messages"): (201, {"coachReply": {"text": "hi"}}),
            ("GET", "/sessions/s/messages"): (
                200,
                {"items": [{"role": "user"}, {"role": "coach"}], "nextCursor": None},
            ),
            ("POST", "/goals"): (201, {"goalId": "g"}),
            ("GET", "/goals"): (200, {"items": [], "nextCursor": None}),
            ("POST", "/goals/g/kpis"): (201, {"kpiId": "k"}),
            ("POST", "/kpis/k/readings"): (201, {}),
            ("GET", "/kpis/k/readings"): (200, {"items": [{"value": 3}], "nextCursor": None}),
        }
        status, answer = answers[(method, path)]
        return Response(status, {}, answer, 1.0)

    def leftovers(self, created: Created) -> list[str]:
        """The purge probe: the journey's items until the purge has run."""
        assert (created.user_id, created.tenant_id) == ("u", "t")
        if self.deleted_at is not None and self.clock >= self.deleted_at + self.purge_delay:
            return []
        return [f"{created.session_id} and {created.kpi_id} under t"]


@dataclass
class FakeMailbox:
    """The services' sent mail, as the local outbox would show it."""

    services: Services
    asked: list[tuple[str, str, float]] = field(default_factory=list)

    def latest_link(self, to: str, kind: MailKind, since: float) -> str:
        self.asked.append((to, kind, since))
        for sent in reversed(self.services.mail):
            if sent.to == to and sent.kind == kind and sent.at >= since:
                return sent.link
        raise MailNotFound(f"no {kind} mail", cause="none sent", fix="send one")


class FakeJourney(Journey):
    def __init__(self, services: Services, *, mailbox: bool = True, **fields: Any) -> None:
        self.said: list[str] = []
        fields.setdefault("purge_probe", services.leftovers)
        super().__init__(
            urls=dict(URLS),
            report=self.said.append,
            settle_seconds=0.0,
            now=lambda: services.clock,
            clock=lambda: services.clock,
            sleep=self.wait,
            mailbox=FakeMailbox(services) if mailbox else None,
            **fields,
        )
        self.services = services

    def wait(self, seconds: float) -> None:
        self.services.clock += seconds

    def call(
        self, service: str, method: str, path: str, *, body: Any = None, token: str | None = None
    ) -> Response:
        return self.services.answer(service, method, path, token, body)
