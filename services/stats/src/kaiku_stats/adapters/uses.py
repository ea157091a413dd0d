"""A region's individual uses for its coordinator (§9.3: the uses behind a venue's report), read from the
projection's `use_fact` rows; cancelled uses are left out as in every figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kaiku_contracts.calendar import HELSINKI


@dataclass(frozen=True)
class UseFilter:
    """What the coordinator narrows the list to; None: any. Dates are the performance's day in Helsinki."""

    region_id: str
    venue_id: str | None = None
    performance_id: str | None = None
    channel: str | None = None
    card_code: str | None = None
    since: date | None = None
    until: date | None = None


_WHERE = (
    " WHERE region_id = $1 AND NOT cancelled"
    " AND ($2::text IS NULL OR venue_id = $2)"
    " AND ($3::text IS NULL OR performance_id = $3)"
    " AND ($4::text IS NULL OR channel = $4)"
    " AND ($5::text IS NULL OR card_code = $5)"
    " AND ($6::date IS NULL OR (starts_at AT TIME ZONE $8)::date >= $6)"
    " AND ($7::date IS NULL OR (starts_at AT TIME ZONE $8)::date <= $7)"
)


def _args(found: UseFilter) -> tuple[Any, ...]:
    return (
        found.region_id,
        found.venue_id,
        found.performance_id,
        found.channel,
        found.card_code,
        found.since,
        found.until,
        str(HELSINKI),
    )


async def uses_of(conn: asyncpg.Connection, found: UseFilter, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many uses match, and the newest `limit` of them (by the performance's start)."""
    total = await conn.fetchval("SELECT count(*) FROM use_fact" + _WHERE, *_args(found))
    rows = await conn.fetch(
        "SELECT redemption_id, card_code, venue_id, performance_id, performance_name, starts_at,"
        " adult_tickets, child_tickets, channel FROM use_fact"
        + _WHERE
        + " ORDER BY starts_at DESC NULLS LAST, redemption_id LIMIT $9",
        *_args(found),
        limit,
    )
    return int(total), [dict(row) for row in rows]


async def uses_by_venue(conn: asyncpg.Connection, region_id: str, month: str | None, year: str) -> list[dict[str, Any]]:
    """The region's venues with uses in a month (`month` YYYY-MM) or a year, and how many."""
    rows = await conn.fetch(
        "SELECT venue_id, count(*) AS uses FROM use_fact WHERE region_id = $1 AND NOT cancelled"
        " AND ($2::text IS NULL OR month = $2) AND month LIKE $3 || '-%' GROUP BY venue_id ORDER BY venue_id",
        region_id,
        month,
        year,
    )
    return [dict(row) for row in rows]
