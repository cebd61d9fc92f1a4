"""The pairing in bench/gateway_revocation.py: each ``check`` request carries a token the
worker has never seen and each ``cached`` one a token it has, whatever the order."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The bench scripts import their siblings (local_system) as top-level modules.
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.delitem(sys.modules, "gateway_revocation", raising=False)
    import gateway_revocation  # noqa: PLC0415 - only importable with bench/ on the path

    return gateway_revocation


class FakeGateway:
    """Answers 5 ms for a token seen for the first time (the check), 4 ms after."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.calls: list[tuple[str, bool]] = []  # (token, first use)

    def timed_get(self, token: str) -> float:
        first = token not in self.seen
        self.seen.add(token)
        self.calls.append((token, first))
        return 5.0 if first else 4.0


def test_check_requests_use_new_tokens_and_cached_ones_reuse_them(bench: ModuleType) -> None:
    gateway = FakeGateway()
    tokens = [f"t{index}" for index in range(7)]

    rounds = bench._rounds(gateway, tokens)

    assert rounds.checked == [5.0] * 7  # every check request was a token's first use
    assert rounds.cached == [4.0] * 7  # every baseline request reused a token
    assert rounds.check_first == [True, False, True, False, True, False, True]
    # Odd rounds send the previous token first: the order really alternates.
    assert [token for token, _ in gateway.calls[2:4]] == ["t0", "t1"]
    assert rounds.added(check_first=True) == [1.0] * 4
    assert rounds.added(check_first=False) == [1.0] * 3


def test_a_round_whose_baseline_may_have_expired_is_dropped(
    bench: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "PAIR_WINDOW_SECONDS", -1.0)

    rounds = bench._rounds(FakeGateway(), ["t0", "t1", "t2"])

    assert rounds.dropped == 3
    assert rounds.checked == rounds.cached == []
