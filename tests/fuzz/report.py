"""The fuzz report: per service, the generated requests, 5xx and failures.

Printed at the end of the run whatever pytest captured, so the fuzz lines always show in
the log of the session that fuzzed (``e2e`` by default, ``fuzz`` alone); the conftests of
both hook it into pytest's terminal summary.
"""

from __future__ import annotations

import pytest

LINES: list[str] = []


def print_section(terminalreporter: pytest.TerminalReporter) -> None:
    if LINES:
        terminalreporter.section("fuzz: schemathesis through the local gateway")
        for line in LINES:
            terminalreporter.write_line(line)
