"""The e2e journey fuzzes every service before ``down``: its report is printed here too."""

from __future__ import annotations

import pytest

from tests.fuzz import report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    report.print_section(terminalreporter)
