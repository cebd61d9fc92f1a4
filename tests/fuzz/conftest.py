"""The fuzz session's report, printed in the terminal summary (``tests/fuzz/report.py``)."""

from __future__ import annotations

import pytest

from tests.fuzz import report


@pytest.fixture
def fuzz_report() -> list[str]:
    """Lines the test adds; printed in the terminal summary."""
    return report.LINES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report.print_section(terminalreporter)
