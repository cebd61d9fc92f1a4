"""schemathesis against every service through the local gateway, with a real token.

The same fuzzing runs inside the e2e journey (``tests/e2e``) on the system it brings up, so
the default ``nox`` run starts the whole system once; this session (``nox -s fuzz``) fuzzes
alone, for longer runs: it starts the system as the e2e test does (``invoke up`` on a private
state folder and free ports) and stops whatever happens. A fresh account signs up through
the real flow (register -> the verification mail in the local outbox -> its link -> login);
each service is then fuzzed from its OpenAPI document with that account's token: no 5xx,
every response as documented (schema, status, content type).

``FUZZ_MAX_EXAMPLES`` (default 10) examples per operation and generation mode (positive
and negative), ``FUZZ_SEED`` (default 13) fixes what is generated. The auth routes' abuse
limits answer 429 to most of the fuzzer's requests: expected and documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.running_system import System, explain, stopped_afterwards
from tests.fuzz import harness


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    """The whole local system, up; everything it started is stopped afterwards."""
    with stopped_afterwards(tmp_path / "state") as here:
        up = here.up()
        assert up.returncode == 0, explain(up)
        yield here


def test_no_service_answers_5xx_or_off_its_document(system: System, fuzz_report: list[str]) -> None:
    account = harness.Account(f"{system.gateway_url}/account", system.aws_url)
    account.create()

    harness.fuzz_services(
        harness.SERVICES, system.gateway_url, harness.LiveToken(account), fuzz_report
    )
