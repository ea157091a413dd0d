"""Rebuild bookkeeping (docs/stats.md "Rebuild"): dropping the projections before a replay, and the final
flush of the replay's unflushed commits."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

PROJECTION_TABLES = ("card_fact", "card_revocation", "use_fact", "use_cancellation", "flag")
"""The tables a replay of the topics fills again."""


async def drop_projections(conn: asyncpg.Connection, consumers: Sequence[str]) -> None:
    """Empty the projection tables, the publisher's marks and the `consumers`' processed events and positions
    (a position left behind would make the replay from offset 0 skip every event)."""
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(PROJECTION_TABLES)}, snapshot_dirty")
        ours = list(consumers)
        others = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM processed_events WHERE consumer <> ALL($1::text[]))", ours
        )
        if others:
            await conn.execute("DELETE FROM processed_events WHERE consumer = ANY($1::text[])", ours)
        else:  # only the projections' records: truncate, so the replay does not insert into a bloated index
            await conn.execute("TRUNCATE processed_events")
        await conn.execute("DELETE FROM consumer_positions WHERE consumer = ANY($1::text[])", ours)


async def flush_commits(conn: asyncpg.Connection) -> None:
    """Wait until every earlier commit (made with synchronous_commit off) is flushed to the WAL."""
    async with conn.transaction():
        await conn.execute("SET LOCAL synchronous_commit = on")
        await conn.execute("SELECT txid_current()")  # its commit waits until the WAL is flushed
