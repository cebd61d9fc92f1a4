"""Time as the APIs show it (ISO 8601 UTC with a ``Z``) and as keys sort it."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Millisecond ISO 8601 in UTC, e.g. ``2026-11-26T02:40:00.123Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sort_key(moment: datetime) -> str:
    """Microsecond UTC timestamp that sorts as text in time order."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an explicit offset or ``Z`` (ValueError otherwise)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("the time has no offset")
    return moment.astimezone(UTC)
