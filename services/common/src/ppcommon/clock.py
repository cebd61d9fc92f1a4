"""Time as the APIs show it (ISO 8601 UTC with a ``Z``) and as keys sort it."""

from __future__ import annotations

from datetime import UTC, datetime

# Instants the services accept and store. Sort keys and ``iso`` texts hold a four-digit
# year so they sort as text; UTC years 1970..9999 keep both fixed-width (and before 1970
# nothing in this system happened).
MIN_YEAR = 1970
MAX_YEAR = 9999


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Millisecond ISO 8601 in UTC, e.g. ``2026-11-26T02:40:00.123Z``."""
    return _in_range(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sort_key(moment: datetime) -> str:
    """Microsecond UTC timestamp that sorts as text in time order (always 22 characters)."""
    utc = _in_range(moment)
    # Not strftime: its %Y does not zero-pad years below 1000 on every platform.
    return (
        f"{utc.year:04d}{utc.month:02d}{utc.day:02d}T"
        f"{utc.hour:02d}{utc.minute:02d}{utc.second:02d}{utc.microsecond:06d}Z"
    )


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with an explicit offset or ``Z``, in UTC years 1970..9999.

    ValueError otherwise (routes answer 400), including for an offset that moves the
    instant out of datetime's range (``0001-01-01T00:00:00+01:00`` is year 0 in UTC).
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the time has no offset")
    return _in_range(moment)


def _in_range(moment: datetime) -> datetime:
    """``moment`` in UTC, or ValueError when its UTC year is outside MIN_YEAR..MAX_YEAR."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"the time is outside the years {MIN_YEAR}..{MAX_YEAR} in UTC") from None
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"the time is outside the years {MIN_YEAR}..{MAX_YEAR} in UTC")
    return utc
