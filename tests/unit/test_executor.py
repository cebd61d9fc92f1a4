import threading
import time

from ppdeploy.errors import DeployError
from ppdeploy.model import DeployResult
from ppdeploy.workflows import waves


def test_a_wave_runs_in_parallel_and_waves_in_order() -> None:
    started: dict[str, float] = {}
    barrier = threading.Barrier(3, timeout=5)

    def action(name: str) -> DeployResult:
        started[name] = time.monotonic()
        if name != "shared":
            barrier.wait()  # only passes when all three services run at once
        return DeployResult(name, "created", 0.0)

    outcomes = waves.run_waves([["shared"], ["a", "b", "c"]], action, max_concurrency=4)
    assert [o.status for o in outcomes] == ["created"] * 4
    assert started["shared"] <= min(started["a"], started["b"], started["c"])


def test_concurrency_is_bounded() -> None:
    running = 0
    peak = 0
    lock = threading.Lock()

    def action(name: str) -> DeployResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return DeployResult(name, "unchanged", 0.0)

    waves.run_waves([[f"s{i}" for i in range(6)]], action, max_concurrency=2)
    assert peak == 2


def test_no_new_wave_starts_after_a_failure() -> None:
    ran: list[str] = []

    def action(name: str) -> DeployResult:
        ran.append(name)
        if name == "b":
            raise DeployError("b ended in ROLLBACK_COMPLETE")
        return DeployResult(name, "updated", 0.0)

    outcomes = waves.run_waves([["a", "b"], ["c"]], action)
    by_stack = {o.stack: o for o in outcomes}
    assert by_stack["a"].status == "updated"
    assert by_stack["b"].status == "failed"
    assert by_stack["b"].reason == "b ended in ROLLBACK_COMPLETE"
    assert by_stack["c"].status == "skipped"
    assert "b failed" in by_stack["c"].reason
    assert "c" not in ran
