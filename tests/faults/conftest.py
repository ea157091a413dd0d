"""Fault-injection suite (issue 7): the three services and a broker of its own, faults under load.

Each scenario starts a private stack (`faultkit.stack.Stack`): its own Tansu broker, so freezing
it stalls nobody else, and fresh databases, so the national figures it reads back are exactly those
of its own inputs. Every scenario prints a report (inputs sent, accepted, rejected, dead letters,
differences) in the terminal summary.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from kaiku_devkit.infra import run_sync
from kaiku_devkit.testing import Databases

sys.path.insert(0, str(Path(__file__).parent))  # the scenarios import `faultkit` (tests use importlib mode)

from faultkit.reconcile import Report
from faultkit.stack import Stack
from faultkit.traffic import Ledger

REPORTS: list[Report] = []


@pytest.fixture
async def stack(databases: Databases, tmp_path: Path) -> AsyncIterator[Stack]:
    started = await Stack.start(tmp_path / "stack", databases.new)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Report:
    """The scenario's report; printed in the terminal summary (with the services' log tails on failure)."""
    made = Report(request.node.name)
    REPORTS.append(made)
    return made


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not REPORTS:
        return
    terminalreporter.section("fault-injection reports")
    for made in REPORTS:
        terminalreporter.write_line(made.render())


@pytest.fixture(scope="module")
def shared_stack(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for the scenarios of a module that inject no process faults (delivery, garbage, races).

    Their ledgers add up: each scenario reconciles the whole stack against all the module's ledgers.
    """
    started = run_sync(Stack.start(tmp_path_factory.mktemp("shared-stack"), databases.new))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def earlier_ledgers() -> list[Ledger]:
    return []
