"""Performances: their limits, windows and card-holder counters, and the row lock every use takes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from kaiku_contracts.limits import PerformanceKind

from kaiku_usage.adapters import Executor
from kaiku_usage.domain.redemption import Performance


def performance_from_row(row: asyncpg.Record) -> Performance:
    return Performance(
        performance_id=row["performance_id"],
        venue_id=row["venue_id"],
        name=row["name"],
        starts_at=row["starts_at"],
        kind=PerformanceKind(row["kind"]),
        card_holder_limit=row["card_holder_limit"],
        card_holders=row["card_holders"],
        booking_opens_days_before=row["booking_opens_days_before"],
        redeem_from_minutes_before=row["redeem_from_minutes_before"],
        cancelled=row["cancelled"],
    )


async def lock_performances(conn: asyncpg.Connection, performance_ids: list[str]) -> dict[str, Performance]:
    """The performances, row-locked until the transaction ends (in id order: no lock cycles)."""
    rows = await conn.fetch(
        "SELECT * FROM performances WHERE performance_id = ANY($1::text[]) ORDER BY performance_id FOR UPDATE",
        performance_ids,
    )
    return {row["performance_id"]: performance_from_row(row) for row in rows}


async def lock_performance(conn: asyncpg.Connection, performance_id: str) -> None:
    await conn.execute("SELECT 1 FROM performances WHERE performance_id = $1 FOR UPDATE", performance_id)


async def lock_for_cancelling(conn: asyncpg.Connection, performance_id: str) -> datetime | None:
    """Locks the performance; its `cancelled_at` (None: not cancelled yet)."""
    cancelled_at: datetime | None = await conn.fetchval(
        "SELECT cancelled_at FROM performances WHERE performance_id = $1 FOR UPDATE", performance_id
    )
    return cancelled_at


async def venue_of(conn: Executor, performance_id: str) -> str | None:
    """The performance's venue (never changes), None when there is no such performance."""
    venue: str | None = await conn.fetchval(
        "SELECT venue_id FROM performances WHERE performance_id = $1", performance_id
    )
    return venue


async def lock_owner(conn: asyncpg.Connection, performance_id: str) -> str | None:
    """Locks the performance; its venue, None when it does not exist yet."""
    owner: str | None = await conn.fetchval(
        "SELECT venue_id FROM performances WHERE performance_id = $1 FOR UPDATE", performance_id
    )
    return owner


async def save_performance(
    conn: asyncpg.Connection,
    performance_id: str,
    *,
    venue_id: str,
    name: str,
    starts_at: datetime,
    capacity: int,
    kind: PerformanceKind,
    card_holder_limit: int | None,
    guest_producer: bool,
    booking_opens_days_before: int | None,
    redeem_from_minutes_before: int | None,
) -> dict[str, Any]:
    """Creates or updates the venue's performance; its `card_holders` and `cancelled` afterwards."""
    await conn.execute(
        "INSERT INTO performances (performance_id, venue_id, name, starts_at, capacity, kind, card_holder_limit,"
        " guest_producer, booking_opens_days_before, redeem_from_minutes_before)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT (performance_id) DO UPDATE SET"
        " name = EXCLUDED.name, starts_at = EXCLUDED.starts_at, capacity = EXCLUDED.capacity,"
        " kind = EXCLUDED.kind, card_holder_limit = EXCLUDED.card_holder_limit,"
        " guest_producer = EXCLUDED.guest_producer, booking_opens_days_before = EXCLUDED.booking_opens_days_before,"
        " redeem_from_minutes_before = EXCLUDED.redeem_from_minutes_before, from_report = false",
        performance_id,
        venue_id,
        name,
        starts_at,
        capacity,
        kind.value,
        card_holder_limit,
        guest_producer,
        booking_opens_days_before,
        redeem_from_minutes_before,
    )
    state = await conn.fetchrow(
        "SELECT card_holders, cancelled FROM performances WHERE performance_id = $1", performance_id
    )
    assert state is not None
    return dict(state)


async def mark_cancelled(
    conn: asyncpg.Connection, performance_id: str, cancelled_at: datetime, card_holders: int
) -> None:
    await conn.execute(
        "UPDATE performances SET cancelled = true, cancelled_at = $2, card_holders = $3 WHERE performance_id = $1",
        performance_id,
        cancelled_at,
        card_holders,
    )


async def add_card_holders(conn: asyncpg.Connection, added: dict[str, int]) -> int:
    """Counts the new card holders; how many performances were counted (one short: a limit would break)."""
    ids = sorted(added)
    # Under the row locks the counts are exact; the WHERE is the limit's last guard all the same.
    counted: int = await conn.fetchval(
        "WITH counted AS (UPDATE performances p SET card_holders = p.card_holders + d.added"
        " FROM unnest($1::text[], $2::int[]) AS d(performance_id, added)"
        " WHERE p.performance_id = d.performance_id"
        " AND (p.card_holder_limit IS NULL OR p.card_holders + d.added <= p.card_holder_limit)"
        " RETURNING 1) SELECT count(*) FROM counted",
        ids,
        [added[i] for i in ids],
    )
    return counted


async def release_card_holders(conn: asyncpg.Connection, performance_id: str, freed: int) -> None:
    await conn.execute(
        "UPDATE performances SET card_holders = greatest(card_holders - $2, 0) WHERE performance_id = $1",
        performance_id,
        freed,
    )


async def performances_of_venue(
    conn: Executor, venue_id: str, since: datetime, *, include_cancelled: bool, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT performance_id, venue_id, name, starts_at, capacity, kind, card_holder_limit, guest_producer,"
        " booking_opens_days_before, redeem_from_minutes_before, card_holders, cancelled FROM performances"
        " WHERE venue_id = $1 AND starts_at >= $2 AND ($3 OR NOT cancelled)"
        " ORDER BY starts_at, performance_id LIMIT $4",
        venue_id,
        since,
        include_cancelled,
        limit,
    )
    return [dict(r) for r in rows]


async def find_reported(conn: asyncpg.Connection, venue_id: str, name: str, performed_on: date) -> str | None:
    """The venue's performance of that name on that Helsinki date (a registered one before a report's)."""
    existing = await conn.fetchval(
        "SELECT performance_id FROM performances WHERE venue_id = $1 AND lower(name) = lower($2)"
        " AND (starts_at AT TIME ZONE 'Europe/Helsinki')::date = $3 AND NOT cancelled"
        " ORDER BY from_report, performance_id LIMIT 1",
        venue_id,
        name,
        performed_on,
    )
    return None if existing is None else str(existing)


async def add_reported(
    conn: asyncpg.Connection, performance_id: str, venue_id: str, name: str, starts_at: datetime, kind: PerformanceKind
) -> None:
    """A performance a venue report names but the venue never registered: no limit (capacity 0)."""
    await conn.execute(
        "INSERT INTO performances (performance_id, venue_id, name, starts_at, capacity, kind, from_report)"
        " VALUES ($1, $2, $3, $4, 0, $5, true) ON CONFLICT (performance_id) DO NOTHING",
        performance_id,
        venue_id,
        name,
        starts_at,
        kind.value,
    )
