"""The publisher's bookkeeping (docs/stats.md "How the projection works"): which snapshot keys to publish again
(`snapshot_dirty`, marked in the apply transactions) and what was last sent of each key's holder
breakdowns (`snapshot_holders`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg

from kaiku_stats.domain.publication import PublishedHolders

DirtyKey = tuple[str, str]
"""(region_id, period) of a snapshot; the nation's region_id is domain/facts.py NATIONAL."""


async def mark_dirty(conn: asyncpg.Connection, keys: Iterable[DirtyKey]) -> None:
    """Remember which snapshots to publish again (in the apply transaction, so nothing is forgotten)."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    await conn.execute(
        "INSERT INTO snapshot_dirty (region_id, period) SELECT * FROM unnest($1::text[], $2::text[])",
        [k[0] for k in ordered],
        [k[1] for k in ordered],
    )


async def oldest_marks(conn: asyncpg.Connection, limit: int) -> list[tuple[int, str, str]]:
    """The committed marks, oldest first: (id, region_id, period)."""
    rows = await conn.fetch("SELECT id, region_id, period FROM snapshot_dirty ORDER BY id LIMIT $1", limit)
    return [(row["id"], row["region_id"], row["period"]) for row in rows]


async def sent_holders(conn: asyncpg.Connection, years: Iterable[int]) -> list[tuple[str, str, Any]]:
    """What was last sent of the holder breakdowns of every key of these years: (region_id, period, holders)."""
    rows = await conn.fetch(
        "SELECT region_id, period, holders FROM snapshot_holders WHERE left(period, 4) = ANY($1::text[])",
        [f"{y:04d}" for y in years],
    )
    return [(row["region_id"], row["period"], json.loads(row["holders"])) for row in rows]


async def save_sent_holders(conn: asyncpg.Connection, sent: Sequence[tuple[str, str, PublishedHolders]]) -> None:
    """Remember the holder breakdowns just sent per key."""
    await conn.execute(
        "INSERT INTO snapshot_holders (region_id, period, holders)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])"
        " ON CONFLICT (region_id, period) DO UPDATE SET holders = excluded.holders",
        [s[0] for s in sent],
        [s[1] for s in sent],
        [json.dumps(s[2]) for s in sent],
    )


async def delete_marks(conn: asyncpg.Connection, mark_ids: Sequence[int]) -> None:
    """Only the marks read: a mark whose transaction commits meanwhile (even with a lower id) stays."""
    await conn.execute("DELETE FROM snapshot_dirty WHERE id = ANY($1::bigint[])", list(mark_ids))
