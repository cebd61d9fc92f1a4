"""The fuzz session's report: per service, the generated requests, 5xx and failures.

Printed at the end of the run whatever pytest captured, so `nox -s fuzz` always shows the
numbers (the issue asks for them in the report of the run).
"""

from __future__ import annotations

import pytest

_LINES: list[str] = []


@pytest.fixture
def fuzz_report() -> list[str]:
    """Lines the test adds; printed in the terminal summary."""
    return _LINES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LINES:
        terminalreporter.section("fuzz: schemathesis through the local gateway")
        for line in _LINES:
            terminalreporter.write_line(line)
