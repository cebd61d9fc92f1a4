"""pause(): a wait inside a CloudFormation call lets other CloudFormation calls run."""

from __future__ import annotations

import threading
import time

from pplocalaws.extensions.errors import cloudformation_lock
from pplocalaws.extensions.operations import pause


def test_pause_releases_the_lock_however_deeply_held_and_takes_it_back() -> None:
    lock = cloudformation_lock()
    entered = threading.Event()

    def other_call() -> None:
        with lock:
            entered.set()

    with lock, lock:  # held twice, as nested moto calls do
        other = threading.Thread(target=other_call)
        other.start()
        pause(0.3)
        assert entered.is_set(), "another CloudFormation call could not run during the pause"
        other.join(1)
        # Taken back: another thread cannot have it now.
        taken: list[bool] = []

        def probe() -> None:
            got = lock.acquire(timeout=0.05)
            taken.append(got)
            if got:
                lock.release()

        prober = threading.Thread(target=probe)
        prober.start()
        prober.join(1)
        assert taken == [False]


def test_pause_outside_a_call_is_a_plain_sleep() -> None:
    started = time.monotonic()
    pause(0.05)
    assert time.monotonic() - started >= 0.05
    pause(0)
