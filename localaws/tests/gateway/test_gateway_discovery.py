"""Reading integrations' targets, and when the catalog re-reads the local AWS."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pplocalaws.gateway.discovery import Catalog, Topology, function_name_of

ARN = "arn:aws:lambda:us-east-1:123456789012:function:purposepath-account-api-dev"


@pytest.mark.parametrize(
    "uri",
    [
        ARN,
        f"{ARN}:live",
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}/invocations",
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{ARN}:7/invocations",
    ],
)
def test_the_function_is_read_from_every_lambda_uri_form(uri: str) -> None:
    assert function_name_of(uri) == "purposepath-account-api-dev"


@pytest.mark.parametrize("uri", ["", "https://example.com/backend", "arn:aws:sqs:x"])
def test_a_uri_naming_no_function_gives_none(uri: str) -> None:
    assert function_name_of(uri) is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Reader:
    """Returns a new Topology per reading (or raises), counting the readings."""

    def __init__(self) -> None:
        self.readings = 0
        self.fail = False

    def __call__(self) -> Topology:
        self.readings += 1
        if self.fail:
            raise ConnectionError("local AWS down")
        return Topology(functions={})


def _catalog(
    reader: Reader, clock: Clock, background: list[Callable[[], None]] | None = None
) -> Catalog:
    queue = background if background is not None else []
    return Catalog(
        reader,
        refresh_interval=1.0,
        expire_after=3.0,
        miss_refresh_interval=0.25,
        clock=clock,
        in_background=queue.append,
    )


def test_the_first_request_reads_and_the_next_ones_within_a_second_do_not() -> None:
    reader, clock = Reader(), Clock()
    catalog = _catalog(reader, clock)

    first = catalog.current()
    clock.now += 0.9
    second = catalog.current()

    assert reader.readings == 1
    assert second is first


def test_an_older_reading_is_served_while_a_background_refresh_runs() -> None:
    reader, clock, background = Reader(), Clock(), []
    catalog = _catalog(reader, clock, background)
    first = catalog.current()
    clock.now += 1.5

    served = catalog.current()
    catalog.current()  # a refresh is already queued: no second one

    assert served is first
    assert len(background) == 1
    background[0]()
    assert reader.readings == 2
    assert catalog.current() is not first


def test_an_expired_reading_is_refreshed_before_use() -> None:
    reader, clock, background = Reader(), Clock(), []
    catalog = _catalog(reader, clock, background)
    first = catalog.current()
    clock.now += 3.5

    assert catalog.current() is not first
    assert reader.readings == 2
    assert background == []


def test_a_miss_rereads_unless_a_reading_is_very_recent() -> None:
    reader, clock = Reader(), Clock()
    catalog = _catalog(reader, clock)
    catalog.current()

    catalog.after_miss()
    assert reader.readings == 1
    clock.now += 0.3
    catalog.after_miss()
    assert reader.readings == 2


def test_a_failed_reading_keeps_the_last_good_one_and_says_why() -> None:
    reader, clock = Reader(), Clock()
    catalog = _catalog(reader, clock)
    good = catalog.current()
    reader.fail = True
    clock.now += 5

    assert catalog.current() is good
    assert catalog.last_error == "ConnectionError: local AWS down"
    clock.now += 0.5
    catalog.current()
    assert reader.readings == 2  # a down local AWS is not asked again at once
    reader.fail = False
    clock.now += 5
    catalog.current()
    assert catalog.last_error is None


def test_without_any_reading_an_empty_topology_is_served() -> None:
    reader, clock = Reader(), Clock()
    reader.fail = True

    assert _catalog(reader, clock).current() == Topology()
