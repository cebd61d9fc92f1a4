"""schemathesis against every service through the local gateway, with a real token.

The system starts as the e2e test starts it (``invoke up`` on a private state folder and
free ports, its helpers reused) and stops whatever happens. A fresh account signs up
through the real flow (register -> the verification mail in the local outbox -> its link
-> login); each service is then fuzzed from its OpenAPI document with that account's
token: no 5xx, every response as documented (schema, status, content type).

Bounded so the session stays within about four minutes on two cores:
``FUZZ_MAX_EXAMPLES`` (default 10) examples per operation and generation mode (positive
and negative), ``FUZZ_SEED`` (default 13) fixes what is generated. The auth routes' abuse
limits answer 429 to most of the fuzzer's requests: expected and documented.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_up_verify_down import System, _explain, _with_descendants
from tests.fuzz import harness

# coaching and traction first: fuzzing the account's logout-all ends the sessions it is
# given, and its limits (429) would only slow the others' token refreshes.
SERVICES = ("coaching", "traction", "account")
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "13"))


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    """The whole local system, up; everything it started is stopped afterwards."""
    here = System(tmp_path / "state")
    try:
        up = here.invoke(
            "up", "--skip-tests", "--port", str(here.gateway_port),
            "--aws-port", str(here.aws_port),
        )  # fmt: skip
        assert up.returncode == 0, _explain(up)
        yield here
    finally:  # as the e2e test does: leave nothing running
        pids = _with_descendants(here.server_pids())
        here.invoke("down")
        for pid in _with_descendants(pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)


class LiveToken:
    """The account's access token, signed in again when a fuzzed request ended it."""

    def __init__(self, account: harness.Account) -> None:
        self.account = account
        self.token = account.login()

    def __call__(self) -> str:
        if not self.account.token_still_valid(self.token):
            self.token = self.account.login()
        return self.token


def test_no_service_answers_5xx_or_off_its_document(system: System, fuzz_report: list[str]) -> None:
    gateway = f"http://127.0.0.1:{system.gateway_port}"
    account = harness.Account(f"{gateway}/account", f"http://127.0.0.1:{system.aws_port}")
    account.create()
    token = LiveToken(account)

    tallies = [
        harness.fuzz(service, f"{gateway}/{service}", token, max_examples=MAX_EXAMPLES, seed=SEED)
        for service in SERVICES
    ]

    fuzz_report.extend(tally.line() for tally in tallies)
    failures = [
        f"{tally.service} {operation}: {failure}"
        for tally in tallies
        for operation, failure in tally.failures.items()
    ]
    fuzz_report.extend(failures)
    assert all(tally.requests > 0 for tally in tallies)
    assert sum(tally.server_errors for tally in tallies) == 0, "\n".join(fuzz_report)
    assert failures == [], "\n".join(fuzz_report)
