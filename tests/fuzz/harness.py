"""The fuzz session's machinery: a token through the real sign-up flow, then schemathesis.

Two parts, both free of pytest so they can be driven against a fake in the unit tests:

- :class:`Account`: register (202) -> the verification mail in the local AWS's outbox
  (``GET <local aws>/_localaws/ses/outbox?to=ADDR``) -> follow its link from ``/auth/``
  on against the account service's own base URL -> login. Rate limits (429) met on the
  way are waited out for ``Retry-After`` seconds, as a client should.
- :func:`fuzz`: every operation of a service's OpenAPI document, in positive and negative
  generation modes, with a bounded number of examples and a fixed seed, each response
  checked by schemathesis (no 5xx, response schema, documented status, content type).
  It counts requests, 5xx answers and the operations that failed a check.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
# coaching and traction first: fuzzing the account's logout-all ends the sessions it is
# given, and its limits (429) would only slow the others' token refreshes.
SERVICES = ("coaching", "traction", "account")
# Per operation and generation mode; the seed fixes what is generated.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "13"))
MAX_RETRY_AFTER = 60  # seconds; the longest wait the contract's limits ask of one client
PASSWORD_BYTES = 24

# (status, headers, body) of one HTTP exchange; the unit tests pass a fake.
Answer = tuple[int, Mapping[str, str], Any]
Http = Callable[[str, str, dict[str, Any] | None, Mapping[str, str]], Answer]


def document(service: str) -> Path:
    return ROOT / "services" / service / "contract" / "openapi.yaml"


def urllib_http(
    method: str, url: str, body: dict[str, Any] | None, headers: Mapping[str, str]
) -> Answer:
    """One request with the standard library; JSON in, JSON (or None) out."""
    data = json.dumps(body).encode() if body is not None else None
    sent = {**headers, **({"Content-Type": "application/json"} if data else {})}
    request = urllib.request.Request(url, data=data, method=method, headers=sent)  # noqa: S310 - loopback URLs of the local system
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310 - same
            status, answer_headers, raw = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, dict(error.headers), error.read()
    return status, answer_headers, json.loads(raw) if raw else None


class FlowError(AssertionError):
    """A step of the sign-up flow did not answer as the contract says."""


@dataclass
class Account:
    """A fresh verified account on the local system, and access tokens for it."""

    account_url: str  # the account service's base URL through the gateway
    aws_url: str  # the local AWS (its control endpoints)
    http: Http = urllib_http
    sleep: Callable[[float], None] = time.sleep
    email: str = field(default_factory=lambda: f"fuzz-{secrets.token_hex(6)}@example.com")
    password: str = field(default_factory=lambda: secrets.token_urlsafe(PASSWORD_BYTES))

    def create(self) -> None:
        """Register, follow the emailed verification link; then :meth:`login` works."""
        registration = {
            "email": self.email,
            "password": self.password,
            "name": "Fuzz",
            "tenantName": "Fuzz tenant",
        }
        self._expect(202, "POST", "/auth/register", registration)
        link = self._mailed_link()
        # The link names the public base URL; follow its path from /auth/ on against ours.
        parsed = urllib.parse.urlsplit(link)
        path = parsed.path[parsed.path.index("/auth/") :]
        self._expect(200, "GET", f"{path}?{parsed.query}", None)

    def login(self) -> str:
        body = self._expect(
            200, "POST", "/auth/login", {"email": self.email, "password": self.password}
        )
        return str(body["accessToken"])

    def token_still_valid(self, token: str) -> bool:
        status, _, _ = self.http(
            "GET", f"{self.account_url}/auth/me", None, {"Authorization": f"Bearer {token}"}
        )
        return status == 200

    def _mailed_link(self) -> str:
        query = urllib.parse.urlencode({"to": self.email, "limit": 1})
        for _ in range(20):  # the send happens before register answers; allow for lag
            status, _, body = self.http(
                "GET", f"{self.aws_url}/_localaws/ses/outbox?{query}", None, {}
            )
            if status != 200:
                raise FlowError(f"the local AWS's outbox answered {status}: {body}")
            messages = body.get("messages", []) if isinstance(body, dict) else []
            links = [link for m in messages for link in m.get("links", []) if "/auth/" in link]
            if links:
                return str(links[0])
            self.sleep(0.5)
        raise FlowError(f"no verification mail reached the outbox for {self.email}")

    def _expect(self, status: int, method: str, path: str, body: dict[str, Any] | None) -> Any:
        for _ in range(5):
            got, headers, answer = self.http(method, f"{self.account_url}{path}", body, {})
            if got != 429:
                break
            # An abuse limit the fuzzing itself spent: wait as the answer says, then retry.
            wait = int({k.lower(): v for k, v in headers.items()}.get("retry-after", "1"))
            self.sleep(min(max(wait, 1), MAX_RETRY_AFTER))
        if got != status:
            raise FlowError(
                f"{method} {path.split('?', maxsplit=1)[0]} answered {got}, not {status}: {answer}"
            )
        return answer


class LiveToken:
    """An account's access token, signed in again when a fuzzed request ended it."""

    def __init__(self, account: Account) -> None:
        self.account = account
        self.token = account.login()
        self.signed_in_at = time.monotonic()  # when a login last spent the address's bucket

    def __call__(self) -> str:
        if not self.account.token_still_valid(self.token):
            self.token = self.account.login()
            self.signed_in_at = time.monotonic()
        return self.token


@dataclass
class Tally:
    """What fuzzing one service did and found."""

    service: str
    requests: int = 0
    server_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # operation (mode) -> first failure

    def line(self) -> str:
        counts = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.service}: {self.requests} generated requests, {self.server_errors} 5xx, "
            f"{len(self.failures)} failing operations (statuses {counts})"
        )


def fuzz(
    service: str,
    base_url: str,
    token: Callable[[], str],
    *,
    max_examples: int,
    seed: int,
    transport: Mapping[str, Any] | None = None,
) -> Tally:
    """Fuzz every operation of ``service``'s document at ``base_url``.

    ``token()`` is asked once per operation (the account's ``logout-all`` ends the
    session it is fuzzed with, so the next operation must get a live token). ``transport``
    goes to schemathesis's ``case.call`` (``{"app": wsgi_app}`` calls in-process).
    """
    schema = schemathesis.openapi.from_path(document(service))
    tally = Tally(service)
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = {"Authorization": f"Bearer {token()}"}
        for mode in MODES:
            error = _run(operation, mode, base_url, headers, tally, max_examples, seed, transport)
            if error is not None:
                tally.failures[f"{operation.label} ({mode.value})"] = error
    return tally


def failures(tallies: list[Tally]) -> list[str]:
    """Every failing operation of every service, one line each."""
    return [
        f"{tally.service} {operation}: {failure}"
        for tally in tallies
        for operation, failure in tally.failures.items()
    ]


def fuzz_services(
    services: tuple[str, ...], gateway_url: str, token: Callable[[], str], report: list[str]
) -> None:
    """Fuzz ``services`` behind ``gateway_url``; their lines join ``report``.

    Raises AssertionError naming every 5xx and failing operation (the report holds them).
    """
    tallies = [
        fuzz(service, f"{gateway_url}/{service}", token, max_examples=MAX_EXAMPLES, seed=SEED)
        for service in services
    ]
    report.extend(tally.line() for tally in tallies)
    found = failures(tallies)
    report.extend(found)
    if not all(tally.requests > 0 for tally in tallies):
        raise AssertionError(f"a service was sent no request: {report}")
    if sum(tally.server_errors for tally in tallies) or found:
        raise AssertionError("\n".join(report))


def _run(
    operation: Any,
    mode: schemathesis.GenerationMode,
    base_url: str,
    headers: dict[str, str],
    tally: Tally,
    max_examples: int,
    seed: int,
    transport: Mapping[str, Any] | None,
) -> str | None:
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers, **(transport or {}))
        tally.requests += 1
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            tally.server_errors += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    test = hypothesis.given(operation.as_strategy(generation_mode=mode))(check)
    test = hypothesis.settings(
        max_examples=max_examples,
        deadline=None,  # a login's KDF is slow by design
        database=None,  # nothing carried between runs: the same seed, the same requests
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
        report_multiple_bugs=False,
    )(test)
    test = hypothesis.seed(seed)(test)
    try:
        test()
    except hypothesis.errors.Unsatisfiable:
        if mode is schemathesis.GenerationMode.NEGATIVE:
            return None  # nothing in the operation can be made invalid (no parameter, no body)
        raise
    # schemathesis groups the distinct failures of one case in a BaseExceptionGroup.
    except (Exception, BaseExceptionGroup) as error:  # every failure is reported, not raised
        return _first_line(error)
    return None


def _first_line(error: BaseException) -> str:
    """The failure's headline and its reproduction (schemathesis notes a curl command)."""
    text = str(error).strip() or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    notes = [
        note.strip() for block in getattr(error, "__notes__", []) for note in block.splitlines()
    ]
    curl = [line for line in [*lines, *notes] if line.startswith("curl ")][:1]
    return " | ".join([*lines[:6], *curl])  # the token is [Filtered] in schemathesis's curl
