"""kill -9 of each service under load: at random moments, mid-request / mid-batch, and between the
database commit and the publish / the Kafka offset commit (the broker link cut); afterwards every
projection equals the accepted inputs, and every committed card and use was published."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from faultkit.faults import KILL_TARGETS, kill_while_blocked, metric
from faultkit.reconcile import Reconciler, Report
from faultkit.stack import SERVICES, Stack
from faultkit.traffic import Client, Ledger, Load

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.timeout(420)]


async def test_kill_9_of_each_service_under_load_loses_and_doubles_nothing(stack: Stack, report: Report) -> None:
    started = time.monotonic()
    rnd = random.Random()
    ledger = Ledger()
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare()
        load = Load(client, world, cards)
        load.start()
        try:
            # at random moments: each service on its own clock, restarted while the others run
            async def kill_at_random(name: str) -> None:
                await asyncio.sleep(rnd.uniform(1.0, 4.0))
                await stack.kill(name)
                report.faults.append(f"kill -9 {name} at a random moment under load")
                await asyncio.sleep(rnd.uniform(0.2, 1.5))  # clients keep trying against the dead service
                await stack.restart(name)

            await asyncio.gather(*(kill_at_random(name) for name in SERVICES))
            # at chosen points of their transactions
            report.faults += await kill_while_blocked(stack, KILL_TARGETS, after_commit=False)
            report.faults += await kill_while_blocked(stack, KILL_TARGETS, after_commit=True)
            await asyncio.sleep(2.0)
        finally:
            await load.stop()
    # stats was killed after its blocked batches committed and before their offsets could: since its
    # restart it was given them again, and must have skipped them (read before the replay probe adds more)
    skipped = await metric(stack.url("stats"), "kaiku_duplicate_events_total")
    await Reconciler(stack.urls, stack.database_urls, stack.bootstrap).everything(ledger, report)
    report.notes.append(f"re-delivered after the last kills and skipped by the idempotency table: stats {skipped:.0f}")
    if not skipped:
        report.differences.append(
            "stats skipped no re-delivered event after it was killed between its commits and its offset commits"
        )
    report.notes.append(
        "agency submissions answered again after a re-delivery (replayed, recorded once): "
        f"{report.outcome_messages - ledger.agency_sends}"
    )
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()
