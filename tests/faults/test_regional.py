"""The reconciler over two deployments (docs/architecture.md "Regional deployments"): a national one and a
regional one that owns the world's second region, each with its own issuance, usage and databases, one
broker and the national stats. Under load the regional usage is killed and restarted; afterwards every
input has exactly one answer from its owner, every deployment's database, topic and projection agrees
with the accepted inputs, and the national figures count both regions."""

from __future__ import annotations

import asyncio
import time

import pytest
from faultkit.reconcile import Reconciler, Report
from faultkit.stack import REGIONAL, Stack
from faultkit.traffic import Client, Ledger, Load
from kaiku_devkit.testing import Databases, unique

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.timeout(420)]


async def test_a_regional_deployment_under_load_with_its_usage_killed_loses_and_doubles_nothing(
    databases: Databases, tmp_path, report: Report
) -> None:
    started = time.monotonic()
    stack = await Stack.start(tmp_path / "stack", databases.new, regional_region=unique("R"))
    try:
        ledger = Ledger()
        async with Client(stack.urls, stack.bootstrap, ledger, regional=stack.regional) as client:
            world, cards = await client.prepare(cards=40, performances_per_venue=10)
            load = Load(client, world, cards, cards_per_s=3, http_uses_per_s=6, agency_uses_per_s=6)
            load.start()
            try:
                await asyncio.sleep(2.0)
                await stack.kill("usage" + REGIONAL)
                report.faults.append("kill -9 of the regional usage under load (its agency sales wait on the topic)")
                await asyncio.sleep(3.0)
                await stack.restart("usage" + REGIONAL)
                await asyncio.sleep(2.0)
            finally:
                await load.stop()
        urls = {name: stack.url(name) for name in stack.names}
        await Reconciler(urls, stack.database_urls, stack.bootstrap).everything(ledger, report)
        regional = sum(1 for u in ledger.counted_uses() if u.region_id == world.regions[1])
        national = sum(1 for u in ledger.counted_uses() if u.region_id == world.regions[0])
        report.notes.append(f"uses counted: national region {national}, regional region {regional}")
        if not (regional and national):
            report.differences.append("the load did not reach both deployments")
        if report.dead_letters:  # a submission left to its owner is never dead-lettered by the other
            report.differences.append(f"dead letters without garbage sent: {report.dead_letters}")
    except BaseException:
        report.notes.append(stack.logs_tail())
        raise
    finally:
        stack.stop()
        report.seconds = time.monotonic() - started
    assert not report.differences, report.render()
