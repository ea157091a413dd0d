"""Fault injectors: kill -9 at chosen points of a service's transaction, with the broker link cut."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import asyncpg
import httpx

from faultkit.stack import Stack

BLOCK_TIMEOUT = 30.0


async def waiting_for_locks(database_url: str, tables: tuple[str, ...]) -> int:
    """How many other sessions wait for a lock on one of `tables` (the service is blocked mid-transaction)."""
    conn = await asyncpg.connect(database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = ANY($1::regclass[])", list(tables)
        )
        return count
    finally:
        await conn.close()


async def _wait_blocked(database_url: str, tables: tuple[str, ...], minimum: int = 1) -> int:
    deadline = time.monotonic() + BLOCK_TIMEOUT
    while time.monotonic() < deadline:
        waiting = await waiting_for_locks(database_url, tables)
        if waiting >= minimum:
            return waiting
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing in the service waited for {', '.join(tables)} within {BLOCK_TIMEOUT} s")


KILL_TARGETS: dict[str, tuple[str, ...]] = {
    "stats": ("card_fact", "use_fact"),
    "usage": ("redemptions",),
    "issuance": ("cards",),
}
"""Per service (downstream first) the business tables its writing transactions insert into: stats'
projections (both consumers), usage's uses (HTTP and the agency consumer), issuance's cards. Business
tables, not the runtime's `outbox` / `processed_events`: the window must exist whatever mechanism
(or bypass of it) carries the events."""


async def kill_while_blocked(stack: Stack, targets: dict[str, tuple[str, ...]], *, after_commit: bool) -> list[str]:
    """Hold a SHARE lock on tables of each target service (service -> tables, downstream services
    first) so that its writing transactions stop mid-way, then kill -9 them together and restart them.

    after_commit=False: killed mid-request / mid-batch (the open transactions die with the process).
    after_commit=True: the link to the broker is cut first (`Stack.cut_link`, a partition) and the
    locks released, so the transactions commit but nothing they send afterwards (the outbox relay's
    publish, the consumers' offset commits) reaches the broker; then kill -9, which loses those bytes:
    the window between the database commit and the publish / the Kafka offset commit. Healed
    after the kill: the restarted services must publish what was committed, and skip what is
    re-delivered.
    """
    holds: dict[str, tuple[asyncpg.Connection, Any]] = {}
    waiting: dict[str, int] = {}
    try:
        for service, tables in targets.items():
            conn = await asyncpg.connect(stack.database_urls[service])
            tx = conn.transaction()
            holds[service] = (conn, tx)
            await tx.start()
            await conn.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")
            # one service after the other, downstream first: a blocked producer starves its consumers
            await _wait_blocked(stack.database_urls[service], tables)
        await asyncio.sleep(0.5)  # let more requests and consumer batches pile up behind the locks
        for service, tables in targets.items():
            waiting[service] = await waiting_for_locks(stack.database_urls[service], tables)
        if not after_commit:
            for service in targets:
                await stack.kill(service)
        else:
            stack.cut_link()
            try:
                for _conn, tx in holds.values():
                    await tx.commit()
                deadline = time.monotonic() + BLOCK_TIMEOUT
                for service, tables in targets.items():
                    while await waiting_for_locks(stack.database_urls[service], tables):
                        if time.monotonic() > deadline:
                            raise AssertionError(f"{service} stayed blocked on {', '.join(tables)}")
                        await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # the blocked transactions commit; their events and offsets cannot leave
                for service in targets:
                    await stack.kill(service)
            finally:
                stack.heal_link()
    finally:
        for conn, _tx in holds.values():
            await conn.close()  # rolls back what is still open
    await asyncio.gather(*(stack.restart(service) for service in targets))
    where = (
        "after they committed while the link to the broker was cut (between the database commit and the"
        " publish / the Kafka offset commit)"
        if after_commit
        else "mid-request / mid-batch"
    )
    return [
        f"kill -9 {service} with {waiting[service]} transactions blocked on {', '.join(tables)}, {where}"
        for service, tables in targets.items()
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
