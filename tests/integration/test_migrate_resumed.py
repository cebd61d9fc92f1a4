"""Issue 7: `invoke migrate` interrupted after each later step, then finished, verified,
repeated and told to delete the legacy stack (the second half of the interruptions; the
first half and the fixture are in test_migrate.py).
"""

from __future__ import annotations

import pytest

from tests.integration.support import dump
from tests.integration.test_migrate import (
    FIRST_HALF,
    LEGACY,
    SECOND_HALF,
    SHARED,
    LegacyStage,
    assert_migrated,
    call,
    interrupted_after,
    legacy_stage,  # noqa: F401 - the fixture, shared with the first half
)

pytestmark = pytest.mark.integration


def test_migrate_interrupted_after_each_later_step_finishes_the_job(
    legacy_stage: LegacyStage,  # noqa: F811 - the fixture imported above
) -> None:
    aws = legacy_stage.aws
    assert call(f"{legacy_stage.gateway_url}/account/health")[1]["runtime"] == "legacy"
    # Where the first half ends: one run that stops after its last step.
    arrived = legacy_stage.migrate("--yes", env={"PPDEPLOY_MIGRATE_STOP_AFTER": FIRST_HALF[-1]})
    assert arrived.returncode == 130, dump(arrived)
    assert f"stopping after step {FIRST_HALF[-1]} " in arrived.stdout, dump(arrived)

    interrupted_after(legacy_stage, SECOND_HALF)
    finished = legacy_stage.migrate("--yes")

    assert finished.returncode == 0, dump(finished)
    assert "verify passed" in finished.stdout
    assert f"is kept in {LEGACY} until a person deletes it" in finished.stdout
    assert_migrated(legacy_stage)
    verified = aws.invoke("verify", "--stage", "dev", "--local")
    assert verified.returncode == 0, dump(verified)

    again = legacy_stage.migrate("--yes")
    assert again.returncode == 0, dump(again)
    assert "re-pointed" not in again.stdout
    assert f"{SHARED}: unchanged" in again.stdout
    assert "already done: api.dev.purposepath.app/account is served by the new account API" in (
        again.stdout
    )

    deleted = legacy_stage.migrate("--yes", "--delete-legacy")
    assert deleted.returncode == 0, dump(deleted)
    assert f"{LEGACY}: deleted" in deleted.stdout
    assert f"until a person deletes them: {LEGACY}-refresh-tokens, {LEGACY}-tenants, " in (
        deleted.stdout
    )
    assert LEGACY not in [
        s["StackName"] for s in aws.client("cloudformation").describe_stacks()["Stacks"]
    ]
    assert_migrated(legacy_stage)
