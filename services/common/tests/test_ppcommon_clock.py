"""ppcommon.clock: instants the services accept, and keys that stay fixed-width."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ppcommon.clock import iso, parse_instant, sort_key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T09:30:00Z", datetime(2026, 11, 26, 9, 30, tzinfo=UTC)),
        ("2026-11-26T10:30:00+01:00", datetime(2026, 11, 26, 9, 30, tzinfo=UTC)),
        ("1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("1970-01-01T01:00:00+01:00", datetime(1970, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("9999-12-31T23:59:59+00:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_instants_in_range_parse_to_utc(text: str, expected: datetime) -> None:
    moment = parse_instant(text)
    assert moment == expected
    assert moment.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC: used to raise OverflowError (a 500)
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59.999999Z",
        "1970-01-01T00:59:59+01:00",  # 1969 in UTC
        "0999-06-01T00:00:00Z",
    ],
)
def test_instants_outside_utc_years_1970_to_9999_are_value_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"1970\.\.9999"):
        parse_instant(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-26T09:30:00", "no offset"),
        ("yesterday", "Invalid isoformat"),
        ("", "Invalid isoformat"),
        ("2026-02-30T00:00Z", "day is out of range"),
    ],
)
def test_instants_without_offset_or_not_a_time_are_value_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_instant(text)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 26, 2, 40, 0, 123456, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_sort_key_and_iso_are_fixed_width(moment: datetime) -> None:
    assert len(sort_key(moment)) == len("20261126T024000123456Z")
    assert len(iso(moment)) == len("2026-11-26T02:40:00.123Z")


def test_sort_key_matches_the_format_it_always_had() -> None:
    moment = datetime(2026, 11, 26, 3, 40, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert sort_key(moment) == "20261126T024000123456Z"
    assert sort_key(moment) == moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    assert iso(moment) == "2026-11-26T02:40:00.123Z"


def test_sort_keys_sort_as_text_in_time_order() -> None:
    moments = [
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=UTC),
    ]
    assert sorted(sort_key(moment) for moment in moments) == [sort_key(m) for m in moments]


@pytest.mark.parametrize(
    "moment", [datetime(1969, 12, 31, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)]
)
def test_keys_refuse_instants_outside_the_range(moment: datetime) -> None:
    with pytest.raises(ValueError, match=r"1970\.\.9999"):
        sort_key(moment)
    with pytest.raises(ValueError, match=r"1970\.\.9999"):
        iso(moment)
