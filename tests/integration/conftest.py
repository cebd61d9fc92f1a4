"""Integration fixtures: one real local AWS server for the session, reset between tests.

A set-up that many tests share (a deployed stage) is made once per session and saved as a
snapshot of the server's whole state; later tests restore it instead of deploying again
(``LocalAws.start_from``). A restore is exact (``test_state_snapshots.py`` proves it) and undoes
whatever the previous test did, so nothing leaks from one test to the next.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ppdeploy.aws import local_aws as process
from tests.integration.support import LocalAws, free_port


@pytest.fixture(scope="session")
def local_aws_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAws]:
    state = tmp_path_factory.mktemp("ppdeploy-state")
    previous = os.environ.get("PPDEPLOY_STATE_DIR")
    os.environ["PPDEPLOY_STATE_DIR"] = str(state)
    # Test-only fault injection (a template asks for it in a resource's Metadata).
    os.environ["PPDEPLOY_LOCALAWS_FAULTS"] = "1"
    try:
        status = process.start(free_port())
        assert status.url
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and key != "PPDEPLOY_LOCAL_ENDPOINT"
        }
        env.update(PPDEPLOY_STATE_DIR=str(state), NO_COLOR="1")
        yield LocalAws(endpoint=status.url, env=env)
    finally:
        process.stop()
        if previous is None:
            os.environ.pop("PPDEPLOY_STATE_DIR", None)
        else:
            os.environ["PPDEPLOY_STATE_DIR"] = previous


@pytest.fixture
def local_aws(local_aws_server: LocalAws) -> LocalAws:
    """The session's local AWS, emptied before the test."""
    local_aws_server.reset()
    return local_aws_server


# The longest modules first (measured with --durations; slowest first). With
# `-n auto --dist loadfile` each module runs whole on one worker, in collection order, so
# starting the long ones first keeps one of them from starting last and running alone.
LONGEST_FIRST = (
    "test_migrate.py",
    "test_migrate_resumed.py",
    "test_zero_downtime.py",
    "test_migrate_domain_stack.py",
    "test_iam_enforced.py",
    "test_guards.py",
    "test_deploy_all.py",
    "test_engine_alone.py",
    "test_ops.py",
    "test_migrate_no_domain.py",
    "test_switch_runtime.py",
    "test_bootstrap.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module's own order is kept
