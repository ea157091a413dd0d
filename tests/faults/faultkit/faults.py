"""Fault injectors: kill -9 at chosen points of a service's transaction, broker freezes."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import asyncpg
import httpx

from faultkit.stack import Stack, waiting_for_lock

BLOCK_TIMEOUT = 30.0


async def _wait_blocked(database_url: str, table: str, minimum: int = 1) -> int:
    deadline = time.monotonic() + BLOCK_TIMEOUT
    while time.monotonic() < deadline:
        waiting = await waiting_for_lock(database_url, table)
        if waiting >= minimum:
            return waiting
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing in the service waited for {table} within {BLOCK_TIMEOUT} s")


async def kill_while_blocked(stack: Stack, targets: dict[str, str], *, after_commit: bool) -> list[str]:
    """Hold a SHARE lock on a table of each target service (service -> table, downstream services
    first) so that its writing transactions stop mid-way, then kill -9 them together and restart them.

    `outbox` blocks every request and consumer batch that emits events (issuance's card issue,
    usage's uses and its agency consumer); `processed_events` blocks every de-duplicating consumer
    (stats' projections, usage's card registry). Both are the runtime's own tables.

    after_commit=False: killed mid-request / mid-batch (the open transactions die with the process).
    after_commit=True: the broker is frozen first and the locks released, so the transactions commit
    but neither the Kafka offsets nor the outbox rows can reach the broker; then kill -9: the window
    between the database commit and the Kafka offset commit (and the outbox publish).
    """
    holds: dict[str, tuple[asyncpg.Connection, Any]] = {}
    waiting: dict[str, int] = {}
    try:
        for service, table in targets.items():
            conn = await asyncpg.connect(stack.database_urls[service])
            tx = conn.transaction()
            holds[service] = (conn, tx)
            await tx.start()
            await conn.execute(f"LOCK TABLE {table} IN SHARE MODE")
            # one service after the other, downstream first: a blocked producer starves its consumers
            await _wait_blocked(stack.database_urls[service], table)
        await asyncio.sleep(0.5)  # let more requests and consumer batches pile up behind the locks
        for service, table in targets.items():
            waiting[service] = await waiting_for_lock(stack.database_urls[service], table)
        if not after_commit:
            for service in targets:
                await stack.kill(service)
        else:
            stack.freeze_broker()
            try:
                for _conn, tx in holds.values():
                    await tx.commit()
                deadline = time.monotonic() + BLOCK_TIMEOUT
                for service, table in targets.items():
                    while await waiting_for_lock(stack.database_urls[service], table):
                        if time.monotonic() > deadline:
                            raise AssertionError(f"{service} stayed blocked on {table}")
                        await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # the blocked transactions commit; their offsets cannot
                for service in targets:
                    await stack.kill(service)
            finally:
                stack.thaw_broker()
    finally:
        for conn, _tx in holds.values():
            await conn.close()  # rolls back what is still open
    await asyncio.gather(*(stack.restart(service) for service in targets))
    where = (
        "after they committed while the broker was frozen (between the database commit and the Kafka offset commit)"
        if after_commit
        else "mid-request / mid-batch"
    )
    return [
        f"kill -9 {service} with {waiting[service]} transactions blocked on {table}, {where}"
        for service, table in targets.items()
    ]


async def metric(url: str, name: str) -> float:
    """Sum of a Prometheus counter over its labels (0 when absent)."""
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{url}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if re.match(rf"^{re.escape(name)}(\{{|\s)", line):
            total += float(line.rsplit(" ", 1)[1])
    return total
