"""The security tier: the whole platform in one process (tests/e2e's ``platform``), objects in two
townships, and generated requests against every route. The totals each test reached are printed
at the end of the run."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Platform, platform  # noqa: F401  (the fixture, re-exported)

TOTALS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TOTALS:
        terminalreporter.section("security tier totals")
        for line in TOTALS:
            terminalreporter.write_line(line)
