"""The coordinator's list of uses (§9.3) and which venues have uses in a period."""

from __future__ import annotations

from typing import Any

import asyncpg

from kaiku_stats.adapters import uses as use_rows
from kaiku_stats.adapters.uses import UseFilter


async def region_uses(pool: asyncpg.Pool, found: UseFilter, limit: int) -> tuple[int, list[dict[str, Any]]]:
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        return await use_rows.uses_of(conn, found, limit)  # the count and the rows from one snapshot


async def venues_with_uses(pool: asyncpg.Pool, region_id: str, period: str) -> list[dict[str, Any]]:
    month = period if len(period) == 7 else None
    async with pool.acquire() as conn:
        return await use_rows.uses_by_venue(conn, region_id, month, period[:4])
