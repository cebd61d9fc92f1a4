"""Numbers and times outside what DynamoDB and the sort keys hold are 400s naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ppcommon.aws import resource_table
from ppcommon.errors import BadRequest
from pptesting.events import ApiClient
from traction import numbers, routes

MAX = "9.9999999999999999999999999999999999999E+125"
DIGITS_38 = "12345678901234567890123456789012345678"
DIGITS_41 = "12345678901234567890123456789012345678901"


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (0, "0"),
        (-0.0, "0"),
        (Decimal("-0"), "0"),
        (Decimal("0E-500"), "0"),
        (7, "7"),
        (-1, "-1"),
        (0.1, "0.1"),
        (42.5, "42.5"),
        (Decimal("1E-130"), "1E-130"),
        (Decimal("-1E-130"), "-1E-130"),
        (Decimal(MAX), MAX),
        (Decimal("-" + MAX), "-" + MAX),
        (int(DIGITS_38), DIGITS_38),
        (Decimal(DIGITS_38 + "E-60"), DIGITS_38 + "E-60"),
        (10**40, "1E+40"),  # one significant digit: trailing zeros do not count
        (Decimal("1.500"), "1.5"),
        (1e-130, "1E-130"),
        (1.5e125, "1.5E+125"),
    ],
)
def test_storable_numbers(value: Any, stored: str) -> None:
    result = numbers.storable(numbers.as_decimal(value))

    assert result == Decimal(stored)
    assert str(result) == str(Decimal(stored))


@pytest.mark.parametrize(
    "value",
    [
        Decimal("1E-131"),
        Decimal("-1E-131"),
        Decimal("1E+126"),
        Decimal("-1E+126"),
        Decimal(DIGITS_41),
        int(DIGITS_41),
        Decimal("1." + "0" * 37 + "1"),  # 39 significant digits
        1e-200,
        1e200,
        Decimal("1E-200"),
        Decimal("1E+200"),
        # In DynamoDB's range, but boto3's serialiser would have to round it (Etiny -165).
        Decimal("1." + DIGITS_38[1:] + "E-130"),
    ],
)
def test_numbers_dynamodb_cannot_hold_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match=r"1E-130 to 9\.99"):
        numbers.storable(numbers.as_decimal(value))


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("inf")])
def test_non_finite_numbers_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="finite"):
        numbers.storable(numbers.as_decimal(value))


@pytest.mark.parametrize("value", [True, "1", None, [1], {"n": 1}])
def test_non_numbers_are_type_errors(value: Any) -> None:
    with pytest.raises(TypeError):
        numbers.as_decimal(value)


def test_every_storable_number_is_what_boto3_sends() -> None:
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415 - only this test

    for text in ("1E-130", MAX, DIGITS_38, "1." + DIGITS_38[1:36] + "E-130", "0"):
        serialised = TypeSerializer().serialize(numbers.storable(Decimal(text)))
        assert Decimal(serialised["N"]) == Decimal(text)


@pytest.mark.parametrize("value", [Decimal("12.5"), 12.5, 12])
def test_the_route_field_takes_int_float_and_decimal(value: Any) -> None:
    # ppcommon.http may hand JSON numbers over as int, float or Decimal.
    assert routes._number({"target": value}, "target") == Decimal("12.5" if value != 12 else 12)


@pytest.mark.parametrize("value", [Decimal("1E+126"), Decimal(DIGITS_41), Decimal("NaN")])
def test_the_route_field_names_itself(value: Any) -> None:
    with pytest.raises(BadRequest, match=r"^field 'value' must be"):
        routes._number({"value": value}, "value")


def new_kpi_id(api: ApiClient, token: str) -> str:
    goal = api("POST", "/goals", token=token, body={"title": "g"}).body["goalId"]
    body = {"name": "n", "unit": "u", "target": 1}
    kpi_id: str = api("POST", f"/goals/{goal}/kpis", token=token, body=body).body["kpiId"]
    return kpi_id


@pytest.mark.parametrize("raw", ["1e-200", "1e200", DIGITS_41, "-" + DIGITS_41, "1E400"])
def test_the_issues_numbers_are_400_never_500(api: ApiClient, token: str, raw: str) -> None:
    kpi_id = new_kpi_id(api, token)
    goal = api("POST", "/goals", token=token, body={"title": "g"}).body["goalId"]

    reading = api("POST", f"/kpis/{kpi_id}/readings", token=token, body=f'{{"value": {raw}}}')
    kpi = api(
        "POST",
        f"/goals/{goal}/kpis",
        token=token,
        body=f'{{"name": "n", "unit": "u", "target": {raw}}}',
    )

    assert (reading.status, kpi.status) == (400, 400)
    assert reading.body["error"]["code"] == "bad_request"
    # Whichever refuses it (the JSON parser or the route), the message names the field.
    assert "'value'" in reading.body["error"]["message"]
    assert "'target'" in kpi.body["error"]["message"]


def test_a_storable_extreme_is_stored(api: ApiClient, token: str) -> None:
    kpi_id = new_kpi_id(api, token)

    result = api("POST", f"/kpis/{kpi_id}/readings", token=token, body='{"value": 1E-130}')

    assert (result.status, result.body["value"]) == (201, 1e-130)


@pytest.mark.parametrize(
    "recorded_at",
    [
        "0001-01-01T00:00:00+01:00",  # year 0 in UTC
        "9999-12-31T23:59:59-01:00",  # year 10000 in UTC
        "1969-12-31T23:59:59Z",
        "0999-01-01T00:00:00Z",
        "1970-01-01T00:59:59+01:00",  # 1969 in UTC
        "\uff12\uff10\uff12\uff16-01-01T00:00:00Z",  # fullwidth digits
    ],
)
def test_times_outside_the_sort_keys_years_are_400(
    api: ApiClient, token: str, recorded_at: str
) -> None:
    kpi_id = new_kpi_id(api, token)

    result = api(
        "POST",
        f"/kpis/{kpi_id}/readings",
        token=token,
        body={"value": 1, "recordedAt": recorded_at},
    )

    assert (result.status, result.body["error"]["message"]) == (400, routes.RECORDED_AT_REFUSED)


@pytest.mark.parametrize("recorded_at", ["1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"])
def test_the_first_and_last_instants_are_stored_with_fixed_width_keys(
    api: ApiClient, token: str, recorded_at: str
) -> None:
    kpi_id = new_kpi_id(api, token)

    body = {"value": 1, "recordedAt": recorded_at}
    result = api("POST", f"/kpis/{kpi_id}/readings", token=token, body=body)

    assert result.status == 201
    readings = [
        item["sk"]
        for item in resource_table("traction").scan()["Items"]
        if item["sk"].startswith("READING#")
    ]
    assert [len(sk.split("#")[1]) for sk in readings] == [len("19700101T000000000000Z")]


def test_due_dates_take_ascii_digits_only(api: ApiClient, token: str) -> None:
    result = api(
        "POST",
        "/goals",
        token=token,
        body={"title": "t", "dueDate": "\uff12\uff10\uff12\uff17-01-01"},
    )

    assert (result.status, result.body["error"]["message"]) == (
        400,
        "field 'dueDate' must be a date as YYYY-MM-DD",
    )
