"""Decisions about the shared stack's signing key slots and the legacy HS256 window.

The shared template holds two KMS signing key slots, A and B, each ``active``,
``previous`` or ``absent`` (its parameters ``SigningKeyAState`` / ``SigningKeyBState``).
A rotation makes the absent slot active (a new key) and the active one previous, so tokens
signed before the rotation still verify; retiring makes the previous slot absent (its key
is scheduled for deletion) once every access token it signed has expired: the longest
access token lifetime plus the verifiers' clock skew after the rotation began
(``SigningKeysRotatedAt``). ``LegacyHs256Until`` ends the window in which HS256 tokens of
the legacy JWT secret are still accepted.

These parameters are operated, not configured: only ``invoke rotate-signing-key`` and
``invoke migrate`` change them, and every other deploy keeps their deployed values
(``carried``), or an ordinary ``deploy-shared`` would undo a rotation.

Everything here only decides, over parameter values and times; errors say what, why and
how to go on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ppdeploy.errors import InputError, RefusedError

SLOTS = ("A", "B")
STATES = ("active", "previous", "absent")
ROTATED_AT = "SigningKeysRotatedAt"
LEGACY_UNTIL = "LegacyHs256Until"
# The access token lifetime the verifiers allow (ppcommon.jwt) and their clock skew.
MAX_ACCESS_TTL_SECONDS = 3600
CLOCK_SKEW_SECONDS = 60
OVERLAP_SECONDS = MAX_ACCESS_TTL_SECONDS + CLOCK_SKEW_SECONDS
LEGACY_WINDOW_SECONDS = MAX_ACCESS_TTL_SECONDS + CLOCK_SKEW_SECONDS
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def state_parameter(slot: str) -> str:
    return f"SigningKey{slot}State"


def key_logical_id(slot: str) -> str:
    """The slot's AWS::KMS::Key in the shared template."""
    return f"SigningKey{slot}"


OPERATED_PARAMETERS = (*(state_parameter(slot) for slot in SLOTS), ROTATED_AT, LEGACY_UNTIL)


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class KeySlots:
    """The deployed state of the two slots and when the last rotation began."""

    states: Mapping[str, str]
    rotated_at: datetime | None

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, str], stack: str) -> KeySlots:
        missing = [state_parameter(s) for s in SLOTS if state_parameter(s) not in parameters]
        if missing:
            raise InputError(
                f"{stack} has no signing key slots",
                cause=f"the deployed stack has no parameter {', '.join(missing)}: it was "
                "deployed from a template before the signing keys",
                fix="deploy the shared stack first (`invoke deploy-shared`), then rotate",
            )
        states = {slot: parameters[state_parameter(slot)] for slot in SLOTS}
        return cls(states, parse_time(parameters.get(ROTATED_AT, "")))

    def slot_in(self, state: str) -> str | None:
        found = [slot for slot in SLOTS if self.states[slot] == state]
        return found[0] if found else None


@dataclass(frozen=True)
class Change:
    """The parameters a rotation step sets, and the key it deletes (if any)."""

    parameters: dict[str, str]
    summary: str
    deletes_key: str | None = None  # logical id the stateful guard must let go


def start_rotation(slots: KeySlots, stack: str, now: datetime) -> Change:
    """The absent slot becomes active (a new key), the active one previous."""
    active = slots.slot_in("active")
    absent = slots.slot_in("absent")
    previous = slots.slot_in("previous")
    if previous is not None or absent is None or active is None:
        # The template's Rules keep exactly one slot active, so no absent slot means
        # the other one is previous.
        retire_after = _retire_after(slots)
        raise RefusedError(
            f"{stack}: refused to rotate: slot {previous} still holds the previous key",
            cause="a rotation needs an absent slot for the new key; the previous key is "
            f"retired once the tokens it signed have expired (from {retire_after})",
            fix="retire it first with `invoke rotate-signing-key --retire`, then rotate",
        )
    return Change(
        parameters={
            state_parameter(absent): "active",
            state_parameter(active): "previous",
            ROTATED_AT: format_time(now),
        },
        summary=f"slot {absent}: new key, now signing; slot {active}: previous key, still accepted",
    )


def _retire_after(slots: KeySlots) -> str:
    if slots.rotated_at is None:
        return "now"
    return format_time(slots.rotated_at + timedelta(seconds=OVERLAP_SECONDS))


def check_overlap(overlap_seconds: int | None, *, is_local: bool) -> int:
    """The overlap to wait; a shorter one only on the local AWS (for tests)."""
    if overlap_seconds is None:
        return OVERLAP_SECONDS
    if not is_local:
        raise InputError(
            "--overlap-seconds is refused on AWS",
            cause=f"access tokens live up to {MAX_ACCESS_TTL_SECONDS} s (+{CLOCK_SKEW_SECONDS} s "
            "skew); retiring their key earlier signs people out",
            fix="leave --overlap-seconds out (it is for tests on the local AWS, with --local)",
        )
    if overlap_seconds < 0:
        raise InputError(
            f"--overlap-seconds {overlap_seconds} is negative",
            fix="give 0 or more seconds",
        )
    return overlap_seconds


def retire(slots: KeySlots, stack: str, now: datetime, overlap_seconds: int) -> Change:
    """The previous slot becomes absent, once its last token has expired."""
    previous = slots.slot_in("previous")
    if previous is None:
        raise RefusedError(
            f"{stack}: nothing to retire: no slot holds a previous key",
            cause=f"the slots are A={slots.states['A']}, B={slots.states['B']}",
            fix="rotate first with `invoke rotate-signing-key` (without --retire)",
        )
    # A rotation through the engine always records its time; without one (slots set by
    # hand) there is nothing to wait from.
    if slots.rotated_at is not None:
        possible = slots.rotated_at + timedelta(seconds=overlap_seconds)
        if now < possible:
            raise RefusedError(
                f"{stack}: refused to retire slot {previous}'s key before {format_time(possible)}",
                cause=f"the rotation began at {format_time(slots.rotated_at)}; access tokens "
                f"it signed until then live up to {overlap_seconds} s including clock skew, "
                "and would be refused once their key is gone",
                fix=f"run `invoke rotate-signing-key --retire` again at or after "
                f"{format_time(possible)}",
            )
    return Change(
        parameters={state_parameter(previous): "absent"},
        summary=f"slot {previous}: previous key retired (scheduled for deletion)",
        deletes_key=key_logical_id(previous),
    )


def legacy_window_end(now: datetime) -> str:
    """When a legacy HS256 window opened at ``now`` closes by itself."""
    return format_time(now + timedelta(seconds=LEGACY_WINDOW_SECONDS))


def carried(
    declared: Mapping[str, object], given: Mapping[str, str], deployed: Mapping[str, str]
) -> dict[str, str]:
    """``given`` plus the deployed value of each operated parameter it leaves out.

    Only parameters the template declares are carried. One the stack does not have yet (a
    first deploy, or a template that just gained it) is given its template default
    explicitly: the parameters are part of the stack's fingerprint, so a first deploy and
    the unchanged deploy after it must send the same ones.
    """
    result = dict(given)
    for name in OPERATED_PARAMETERS:
        if name not in declared or name in given:
            continue
        if name in deployed:
            result[name] = deployed[name]
        else:
            definition = declared[name]
            default = definition.get("Default") if isinstance(definition, Mapping) else None
            if default is not None:
                result[name] = str(default)
    return result
