"""A rolled-back update is a settled state: services deploy on a shared stack in it.

| shared stack status           | usable | service deploy's ensure_shared            |
|-------------------------------|--------|-------------------------------------------|
| CREATE/UPDATE/IMPORT_COMPLETE | yes    | goes on, says nothing                     |
| UPDATE_ROLLBACK_COMPLETE      | yes    | goes on, says the last update rolled back |
| *_IN_PROGRESS                 | no     | DeployError naming the status             |
| UPDATE_ROLLBACK_FAILED        | no     | DeployError naming the status             |
| ROLLBACK_COMPLETE (never made)| no     | DeployError naming the status             |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from ppdeploy import config, naming
from ppdeploy.decide import health
from ppdeploy.errors import DeployError
from ppdeploy.events import Recorder, StackNote
from ppdeploy.workflows.service_deploy import ensure_shared
from ppdeploy.workflows.session import StageSession
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

SHARED = naming.shared_stack("dev")


@dataclass
class StubTarget:
    description: str = "a fake target"

    def client(self, service: str) -> Any:
        raise AssertionError(f"no {service} client in a unit test")


def session_on(status: str) -> tuple[StageSession, Recorder]:
    cfn = FakeCloudFormation()
    cfn.stacks[SHARED] = stack_state(SHARED, status)
    recorder = Recorder()
    session = StageSession(config.stage("dev"), StubTarget(), cfn, recorder, assume_yes=True)  # type: ignore[arg-type]
    return session, recorder


@pytest.mark.parametrize(
    "status",
    ["CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"],
)
def test_completed_and_rolled_back_states_are_usable(status: str) -> None:
    assert health.usable(status)


@pytest.mark.parametrize(
    "status",
    [
        "UPDATE_IN_PROGRESS",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        "UPDATE_ROLLBACK_FAILED",
        "ROLLBACK_COMPLETE",
        "CREATE_FAILED",
        "DELETE_FAILED",
    ],
)
def test_broken_or_busy_states_are_not(status: str) -> None:
    assert not health.usable(status)


def test_a_service_deploys_on_a_shared_stack_whose_update_rolled_back() -> None:
    session, recorder = session_on("UPDATE_ROLLBACK_COMPLETE")

    ensure_shared(session, "coaching")  # no error

    notes = [e for e in recorder.events if isinstance(e, StackNote) and e.stack == SHARED]
    assert any("rolled back" in note.text for note in notes)


def test_a_settled_shared_stack_is_used_silently() -> None:
    session, recorder = session_on("UPDATE_COMPLETE")

    ensure_shared(session, "coaching")

    assert not [e for e in recorder.events if isinstance(e, StackNote)]


def test_a_shared_stack_stuck_in_a_failed_rollback_still_blocks() -> None:
    session, _ = session_on("UPDATE_ROLLBACK_FAILED")

    with pytest.raises(DeployError, match="is UPDATE_ROLLBACK_FAILED"):
        ensure_shared(session, "coaching")
