"""``invoke rotate-signing-key`` and the legacy window decide on the deployed parameters.

The decisions (``decide.signing_keys``) are tested on plain values; the workflow runs
against the fake CloudFormation adapter with a small deployed template, so each test reads
back the parameters the change set was made with and what the stateful guard let through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ppdeploy import config, naming, templates
from ppdeploy.aws.cloudformation import ResourceChange
from ppdeploy.decide import signing_keys
from ppdeploy.errors import InputError, RefusedError
from ppdeploy.events import Recorder
from ppdeploy.model import StackSpec
from ppdeploy.workflows import signing_key_rotation
from ppdeploy.workflows.migration.sequence import hs256_still_issued
from ppdeploy.workflows.session import StageSession
from tests.unit.fake_cloudformation import FakeCloudFormation, stack_state

SHARED = naming.shared_stack("dev")
ROTATED = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

# The operated parameters and the two keys, as the shared template declares them.
DEPLOYED_TEMPLATE = """
Parameters:
  Stage: {Type: String}
  SigningKeyAState: {Type: String, Default: active}
  SigningKeyBState: {Type: String, Default: absent}
  SigningKeysRotatedAt: {Type: String, Default: ""}
  LegacyHs256Until: {Type: String, Default: ""}
Conditions:
  HasSigningKeyA: !Not [!Equals [!Ref SigningKeyAState, absent]]
  HasSigningKeyB: !Not [!Equals [!Ref SigningKeyBState, absent]]
Resources:
  SigningKeyA: {Type: AWS::KMS::Key, Condition: HasSigningKeyA}
  SigningKeyB: {Type: AWS::KMS::Key, Condition: HasSigningKeyB}
"""


@dataclass
class StubTarget:
    is_local: bool = False
    description: str = "a fake target"

    def client(self, service: str) -> Any:
        raise AssertionError(f"no {service} client in a unit test")


def deployed(a: str, b: str, rotated_at: str = "", legacy: str = "") -> dict[str, str]:
    return {
        "Stage": "dev",
        "SigningKeyAState": a,
        "SigningKeyBState": b,
        "SigningKeysRotatedAt": rotated_at,
        "LegacyHs256Until": legacy,
    }


def session_with(
    parameters: dict[str, str], *, local: bool = False
) -> tuple[StageSession, FakeCloudFormation]:
    cfn = FakeCloudFormation()
    cfn.stacks[SHARED] = stack_state(SHARED, parameters=parameters)
    cfn.templates[SHARED] = DEPLOYED_TEMPLATE
    session = StageSession(
        config.stage("dev"),
        StubTarget(is_local=local),  # type: ignore[arg-type]
        cfn,  # type: ignore[arg-type]
        Recorder(),
        assume_yes=True,
    )
    session.lint = lambda _spec: None  # type: ignore[method-assign]  # cfn-lint is not the point
    return session, cfn


def sent_parameters(cfn: FakeCloudFormation) -> dict[str, str]:
    return dict(cfn._parameters)  # type: ignore[attr-defined]  # what the change set was made with


# --- the decisions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("active", "absent", {"SigningKeyBState": "active", "SigningKeyAState": "previous"}),
        ("absent", "active", {"SigningKeyAState": "active", "SigningKeyBState": "previous"}),
    ],
)
def test_a_rotation_makes_the_absent_slot_active_and_the_active_one_previous(
    a: str, b: str, expected: dict[str, str]
) -> None:
    slots = signing_keys.KeySlots.from_parameters(deployed(a, b), SHARED)
    change = signing_keys.start_rotation(slots, SHARED, ROTATED)
    assert change.parameters == {**expected, "SigningKeysRotatedAt": "2026-03-01T12:00:00Z"}
    assert change.deletes_key is None


def test_a_rotation_with_a_previous_key_still_there_is_refused_naming_the_retire() -> None:
    slots = signing_keys.KeySlots.from_parameters(
        deployed("previous", "active", "2026-03-01T12:00:00Z"), SHARED
    )
    with pytest.raises(RefusedError) as refused:
        signing_keys.start_rotation(slots, SHARED, ROTATED)
    assert "slot A" in refused.value.what
    assert "--retire" in refused.value.fix
    assert "2026-03-01T13:01:00Z" in refused.value.cause


def test_retiring_before_the_overlap_is_refused_naming_when_it_becomes_possible() -> None:
    slots = signing_keys.KeySlots.from_parameters(
        deployed("previous", "active", "2026-03-01T12:00:00Z"), SHARED
    )
    almost = ROTATED + timedelta(seconds=signing_keys.OVERLAP_SECONDS - 1)
    with pytest.raises(RefusedError) as refused:
        signing_keys.retire(slots, SHARED, almost, signing_keys.OVERLAP_SECONDS)
    assert "2026-03-01T13:01:00Z" in refused.value.what
    assert "2026-03-01T13:01:00Z" in refused.value.fix
    assert signing_keys.OVERLAP_SECONDS == 3660


def test_retiring_after_the_overlap_makes_the_previous_slot_absent_and_deletes_its_key() -> None:
    slots = signing_keys.KeySlots.from_parameters(
        deployed("previous", "active", "2026-03-01T12:00:00Z"), SHARED
    )
    change = signing_keys.retire(
        slots, SHARED, ROTATED + timedelta(seconds=3660), signing_keys.OVERLAP_SECONDS
    )
    assert change.parameters == {"SigningKeyAState": "absent"}
    assert change.deletes_key == "SigningKeyA"


def test_retiring_without_a_previous_key_is_refused() -> None:
    slots = signing_keys.KeySlots.from_parameters(deployed("active", "absent"), SHARED)
    with pytest.raises(RefusedError, match="nothing to retire"):
        signing_keys.retire(slots, SHARED, ROTATED, signing_keys.OVERLAP_SECONDS)


def test_a_shorter_overlap_is_only_for_the_local_aws() -> None:
    assert signing_keys.check_overlap(None, is_local=False) == 3660
    assert signing_keys.check_overlap(5, is_local=True) == 5
    with pytest.raises(InputError, match="refused on AWS"):
        signing_keys.check_overlap(5, is_local=False)
    with pytest.raises(InputError, match="negative"):
        signing_keys.check_overlap(-1, is_local=True)


def test_a_stack_without_slots_is_refused_naming_deploy_shared() -> None:
    with pytest.raises(InputError) as refused:
        signing_keys.KeySlots.from_parameters({"Stage": "dev"}, SHARED)
    assert "deploy-shared" in refused.value.fix


def test_the_legacy_window_lasts_the_longest_token_lifetime_and_skew() -> None:
    assert signing_keys.legacy_window_end(ROTATED) == "2026-03-01T13:01:00Z"


def test_operated_parameters_keep_their_deployed_values_unless_given() -> None:
    declared = {name: {} for name in signing_keys.OPERATED_PARAMETERS}
    now_deployed = deployed("previous", "active", "2026-03-01T12:00:00Z", "x")
    given = {"Stage": "dev", "LegacyHs256Until": "2026-03-01T13:01:00Z"}
    assert signing_keys.carried(declared, given, now_deployed) == {
        "Stage": "dev",
        "SigningKeyAState": "previous",
        "SigningKeyBState": "active",
        "SigningKeysRotatedAt": "2026-03-01T12:00:00Z",
        "LegacyHs256Until": "2026-03-01T13:01:00Z",
    }
    # A first deploy (nothing deployed) sends the template's defaults, so the unchanged
    # deploy after it, which carries the deployed values, has the same fingerprint.
    with_defaults = {
        **declared,
        "SigningKeyAState": {"Default": "active"},
        "LegacyHs256Until": {"Default": ""},
    }
    assert signing_keys.carried(with_defaults, {"Stage": "dev"}, {}) == {
        "Stage": "dev",
        "SigningKeyAState": "active",
        "LegacyHs256Until": "",
    }


# --- the workflow on the fake adapter ---------------------------------------------------------


def test_rotate_updates_the_shared_stack_changing_only_the_slot_parameters() -> None:
    session, cfn = session_with(deployed("active", "absent"))

    result = signing_key_rotation.rotate(session, retire=False, now=ROTATED)

    assert result.deploy.outcome == "updated"
    assert sent_parameters(cfn) == deployed("previous", "active", "2026-03-01T12:00:00Z")


def test_retire_lets_the_guard_pass_exactly_the_previous_key() -> None:
    session, cfn = session_with(deployed("previous", "active", "2026-03-01T12:00:00Z"))
    cfn.changes = (ResourceChange("Remove", "SigningKeyA", "AWS::KMS::Key", "key-a"),)

    signing_key_rotation.rotate(session, retire=True, now=ROTATED + timedelta(hours=2))

    assert sent_parameters(cfn)["SigningKeyAState"] == "absent"
    assert ("execute_change_set", SHARED) in cfn.calls


def test_retire_is_refused_when_the_change_would_remove_another_key() -> None:
    session, cfn = session_with(deployed("previous", "active", "2026-03-01T12:00:00Z"))
    cfn.changes = (ResourceChange("Remove", "SigningKeyB", "AWS::KMS::Key", "key-b"),)

    with pytest.raises(RefusedError, match="SigningKeyB"):
        signing_key_rotation.rotate(session, retire=True, now=ROTATED + timedelta(hours=2))
    assert ("execute_change_set", SHARED) not in cfn.calls


def test_retire_on_the_local_aws_may_wait_a_shorter_overlap() -> None:
    session, cfn = session_with(deployed("previous", "active", "2026-03-01T12:00:00Z"), local=True)
    cfn.changes = (ResourceChange("Remove", "SigningKeyA", "AWS::KMS::Key", "key-a"),)

    signing_key_rotation.rotate(
        session, retire=True, overlap_seconds=2, now=ROTATED + timedelta(seconds=2)
    )

    assert sent_parameters(cfn)["SigningKeyAState"] == "absent"


def test_rotating_a_stage_without_a_shared_stack_is_refused() -> None:
    session, cfn = session_with(deployed("active", "absent"))
    del cfn.stacks[SHARED]
    with pytest.raises(InputError, match="not deployed"):
        signing_key_rotation.rotate(session, retire=False, now=ROTATED)


def test_opening_the_legacy_window_changes_only_its_parameter() -> None:
    session, cfn = session_with(deployed("previous", "active", "2026-03-01T12:00:00Z"))

    until = signing_key_rotation.open_legacy_window(session, now=ROTATED)

    assert until == "2026-03-01T13:01:00Z"
    assert sent_parameters(cfn) == deployed(
        "previous", "active", "2026-03-01T12:00:00Z", "2026-03-01T13:01:00Z"
    )


def test_an_ordinary_deploy_keeps_the_rotated_slots(tmp_path: Path) -> None:
    """deploy-shared passes only the stage's parameters: the slots stay as rotated."""
    session, cfn = session_with(deployed("previous", "active", "2026-03-01T12:00:00Z"))
    path = tmp_path / "template.yaml"
    path.write_text(DEPLOYED_TEMPLATE + "  Extra: {Type: AWS::SNS::Topic}\n", encoding="utf-8")
    spec = StackSpec(SHARED, templates.load(path), {"Stage": "dev"})

    session.deploy(replace(spec))

    assert sent_parameters(cfn) == deployed("previous", "active", "2026-03-01T12:00:00Z")


# --- migrate's legacy window ------------------------------------------------------------------


@dataclass
class StubReading:
    mappings: tuple[object, ...]
    shared: Any


@dataclass(frozen=True)
class Moved:
    """A domain mapping, as far as the window cares: moved to the new API or not."""

    done: bool


@pytest.mark.parametrize(
    ("mappings", "shared", "opens"),
    [
        # The legacy API still serves a mapping: it signs HS256.
        ((Moved(done=False),), stack_state(SHARED, parameters=deployed("active", "absent")), True),
        # Every mapping already served by the new APIs (a rerun): nothing signs HS256 there.
        ((Moved(done=True),), stack_state(SHARED, parameters=deployed("active", "absent")), False),
        # No shared stack yet: the legacy API is all there is.
        ((), None, True),
        # The shared stack predates the signing keys: the previous release signs HS256.
        ((), stack_state(SHARED, parameters={"Stage": "dev"}), True),
        # Migrated and on the signing keys: nothing signs HS256, a rerun leaves it alone.
        ((), stack_state(SHARED, parameters=deployed("active", "absent")), False),
    ],
)
def test_migrate_opens_the_legacy_window_only_while_hs256_tokens_are_issued(
    mappings: tuple[object, ...], shared: Any, opens: bool
) -> None:
    assert hs256_still_issued(StubReading(mappings, shared)) is opens  # type: ignore[arg-type]
