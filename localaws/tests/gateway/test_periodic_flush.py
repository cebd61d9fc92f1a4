"""The flush lifecycle the log shipper and the metrics publisher share."""

from __future__ import annotations

import threading

import pytest

from pplocalaws.gateway.periodic_flush import PeriodicFlush


class Counting(PeriodicFlush):
    def __init__(self, flush_seconds: float, *, fail_first: bool = False) -> None:
        super().__init__("counting", flush_seconds)
        self.flushes = 0
        self.fail_first = fail_first
        self.flushed = threading.Event()

    def flush(self) -> None:
        self.flushes += 1
        if self.fail_first and self.flushes == 1:
            raise RuntimeError("first flush breaks")
        self.flushed.set()


def test_stop_flushes_on_the_caller_even_if_never_started() -> None:
    collector = Counting(flush_seconds=3600)

    collector.stop()

    assert collector.flushes == 1


def test_a_failing_flush_is_logged_and_the_next_one_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    collector = Counting(flush_seconds=0.01, fail_first=True)
    collector.start()

    assert collector.flushed.wait(timeout=10)  # a later flush ran after the first failed
    collector.stop()

    assert "counting: flush failed" in caplog.text
    assert collector._thread is None  # the thread really ended


def test_stop_wakes_a_long_wait_at_once() -> None:
    collector = Counting(flush_seconds=3600)
    collector.start()
    stopping = threading.Thread(target=collector.stop)

    stopping.start()
    stopping.join(timeout=5)

    assert not stopping.is_alive()  # not the hour's wait: notified
    assert collector.flushes == 1  # only stop's own flush


def test_the_base_has_no_flush_of_its_own() -> None:
    with pytest.raises(NotImplementedError):
        PeriodicFlush("bare", 1).flush()
