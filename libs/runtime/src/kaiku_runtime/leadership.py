"""One instance at a time for the work only one may do (docs/architecture.md "Two instances of a service").

Every service may run as several instances on one database. Most of their work is safe side by side (HTTP,
consumer groups splitting partitions, the outbox relay's per-batch lock); a periodic job that must run in one
place at a time (stats' snapshot publisher) runs each round inside `one_at_a_time`: a transaction-scoped
advisory lock on a connection of its own. Whoever takes it does the round; the others skip theirs. Nothing is
held between rounds, so when the instance that did the last round dies (its connection and transaction end
with it), another one takes the next round: fail-over within one round, no lease to expire.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg


@asynccontextmanager
async def one_at_a_time(pool: asyncpg.Pool, lock_id: int) -> AsyncIterator[bool]:
    """True inside the block when this instance holds `lock_id` for the block's duration, False when another
    instance holds it (skip the work). Lock ids are 64-bit and outside the 32-bit range of hashed row keys."""
    async with pool.acquire() as conn, conn.transaction():
        yield bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_id))
