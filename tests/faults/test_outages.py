"""Outages under load: the broker frozen for 20 s (SIGSTOP / SIGCONT: the local broker keeps its log in
memory, so it is frozen rather than restarted), and PostgreSQL crashed and restarted. Afterwards every
projection equals the accepted inputs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from faultkit.postgres import PrivatePostgres
from faultkit.reconcile import Reconciler, Report
from faultkit.stack import Stack
from faultkit.traffic import ACCEPTED, Client, Ledger, Load
from kaiku_devkit.testing import Databases

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.timeout(360)]

BROKER_FREEZE_SECONDS = 20.0
POSTGRES_DOWN_SECONDS = 3.0


def accepted_http(ledger: Ledger) -> int:
    return sum(1 for u in ledger.uses.values() if u.via == "http" and u.outcome == ACCEPTED)


async def test_broker_frozen_for_20_s_under_load(stack: Stack, report: Report) -> None:
    started = time.monotonic()
    ledger = Ledger()
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare()
        load = Load(client, world, cards)
        load.start()
        try:
            await asyncio.sleep(3.0)
            before = (accepted_http(ledger), len(ledger.accepted_cards()))
            stack.freeze_broker()
            try:
                await asyncio.sleep(BROKER_FREEZE_SECONDS)
            finally:
                stack.thaw_broker()
            during = (accepted_http(ledger) - before[0], len(ledger.accepted_cards()) - before[1])
            report.faults.append(f"broker frozen (SIGSTOP) for {BROKER_FREEZE_SECONDS:.0f} s under load, then SIGCONT")
            report.notes.append(
                f"while the broker was frozen, {during[0]} HTTP uses and {during[1]} cards were accepted"
                " (their events waited in the outbox)"
            )
            await asyncio.sleep(5.0)
        finally:
            await load.stop()
    await Reconciler(stack.urls, stack.database_urls, stack.bootstrap).everything(ledger, report)
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def stack_on_private_postgres(private_postgres: PrivatePostgres, tmp_path: Path) -> AsyncIterator[Stack]:
    databases = Databases(private_postgres.url)
    started = await Stack.start(tmp_path / "stack", databases.new)
    try:
        yield started
    finally:
        started.stop()


async def test_postgres_restarted_under_load(
    stack_on_private_postgres: Stack, private_postgres: PrivatePostgres, report: Report
) -> None:
    started = time.monotonic()
    stack = stack_on_private_postgres
    ledger = Ledger()
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare()
        load = Load(client, world, cards)
        load.start()
        try:
            await asyncio.sleep(3.0)
            await asyncio.to_thread(private_postgres.crash)
            await asyncio.sleep(POSTGRES_DOWN_SECONDS)
            await asyncio.to_thread(private_postgres.up)
            report.faults.append(
                f"PostgreSQL of all three services stopped with -m immediate (a crash) under load,"
                f" started again {POSTGRES_DOWN_SECONDS:.0f} s later"
            )
            await asyncio.sleep(8.0)
        finally:
            await load.stop()
    await Reconciler(stack.urls, stack.database_urls, stack.bootstrap).everything(ledger, report)
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()
