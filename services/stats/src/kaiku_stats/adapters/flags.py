"""The misuse watch's flags (docs/stats.md "Misuse watch"): stored once by their id, read for GET /v1/flags,
and marked once the publisher has sent them on kaiku.flags.v1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg

from kaiku_stats.domain.misuse import Flag


async def store_flags(conn: asyncpg.Connection, flags: Sequence[Flag]) -> None:
    if flags:
        await conn.executemany(
            "INSERT INTO flag (flag_id, rule, region_id, card_code, redemption_ids, detail)"
            " VALUES ($1, $2, $3, $4, $5::text[], $6) ON CONFLICT (flag_id) DO NOTHING",
            [(f.flag_id, f.rule.value, f.region_id, f.card_code, list(f.redemption_ids), f.detail) for f in flags],
        )


async def flags_of(conn: asyncpg.Connection, region_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest flags of a region (None: every region), for GET /v1/flags."""
    rows = await conn.fetch(
        "SELECT flag_id, rule, region_id, card_code, redemption_ids, detail, raised_at FROM flag"
        " WHERE ($1::text IS NULL OR region_id = $1) ORDER BY raised_at DESC, flag_id LIMIT $2",
        region_id,
        limit,
    )
    return [{**dict(row), "raised_at": row["raised_at"].isoformat()} for row in rows]


async def unpublished_flags(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT flag_id, rule, region_id, card_code, redemption_ids, detail FROM flag WHERE NOT published"
            " ORDER BY raised_at, flag_id LIMIT $1",
            limit,
        )
    )


async def mark_published(conn: asyncpg.Connection, flag_ids: Sequence[str]) -> None:
    await conn.execute("UPDATE flag SET published = true WHERE flag_id = ANY($1::text[])", list(flag_ids))
