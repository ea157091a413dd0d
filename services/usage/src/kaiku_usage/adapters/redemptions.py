"""Recorded uses of cards: the answers kept for replays, the card's uses at a performance, cancellations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from kaiku_contracts.enums import CardType

from kaiku_usage.adapters import Executor
from kaiku_usage.domain.cancellation import RecordedUse, UseOwner
from kaiku_usage.domain.redemption import CardAtPerformance


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    """The first answer to a use, kept under its `redemption_id` for retries."""

    request_hash: str
    response: str  # JSON
    cancelled_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewUse:
    redemption_id: str
    card_code: str
    performance_id: str
    venue_id: str
    adult_tickets: int
    child_tickets: int
    channel: str
    agency_id: str | None
    group_id: str | None
    recorded_by: str
    source: str
    request_hash: str
    response: str  # JSON


async def answers(conn: asyncpg.Connection, redemption_ids: list[str]) -> dict[str, RecordedAnswer]:
    rows = await conn.fetch(
        "SELECT redemption_id, request_hash, response, cancelled_at FROM redemptions"
        " WHERE redemption_id = ANY($1::text[])",
        redemption_ids,
    )
    return {r["redemption_id"]: RecordedAnswer(r["request_hash"], r["response"], r["cancelled_at"]) for r in rows}


async def uses_at_performances(
    conn: asyncpg.Connection, performance_ids: list[str], card_codes: list[str]
) -> dict[tuple[str, str], CardAtPerformance]:
    """(performance_id, card_code): the card's accepted uses there (an adult ticket? child tickets so far)."""
    rows = await conn.fetch(
        "SELECT performance_id, card_code, bool_or(adult_tickets = 1) AS adult, sum(child_tickets)::int AS children"
        " FROM redemptions WHERE cancelled_at IS NULL"
        " AND performance_id = ANY($1::text[]) AND card_code = ANY($2::text[]) GROUP BY performance_id, card_code",
        performance_ids,
        card_codes,
    )
    return {(r["performance_id"], r["card_code"]): CardAtPerformance(r["adult"], r["children"]) for r in rows}


async def community_uses(conn: asyncpg.Connection, redemption_ids: list[str]) -> set[tuple[str, str]]:
    """(performance_id, redemption_id) of the accepted community-card uses among these ids (§5: group heads)."""
    rows = await conn.fetch(
        "SELECT r.performance_id, r.redemption_id FROM redemptions r JOIN cards c USING (card_code)"
        " WHERE c.card_type = $2 AND r.cancelled_at IS NULL AND r.redemption_id = ANY($1::text[])",
        redemption_ids,
        CardType.COMMUNITY.value,
    )
    return {(r["performance_id"], r["redemption_id"]) for r in rows}


async def insert_uses(conn: asyncpg.Connection, uses: Iterable[NewUse]) -> None:
    rows: list[tuple[Any, ...]] = [
        (
            u.redemption_id,
            u.card_code,
            u.performance_id,
            u.venue_id,
            u.adult_tickets,
            u.child_tickets,
            u.channel,
            u.agency_id,
            u.group_id,
            u.recorded_by,
            u.source,
            u.request_hash,
            u.response,
        )
        for u in uses
    ]
    if rows:
        await conn.executemany(
            "INSERT INTO redemptions (redemption_id, card_code, performance_id, venue_id, adult_tickets,"
            " child_tickets, channel, agency_id, group_id, recorded_by, recorded_by_org, source, request_hash,"
            " response) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$11,$12,$13)",
            rows,
        )


async def owner(conn: Executor, redemption_id: str) -> UseOwner | None:
    row = await conn.fetchrow(
        "SELECT r.performance_id, r.venue_id, r.recorded_by_org, v.region_id FROM redemptions r"
        " JOIN venues v USING (venue_id) WHERE r.redemption_id = $1",
        redemption_id,
    )
    if row is None:
        return None
    return UseOwner(redemption_id, row["performance_id"], row["venue_id"], row["recorded_by_org"], row["region_id"])


async def lock_use(conn: asyncpg.Connection, redemption_id: str) -> RecordedUse | None:
    row = await conn.fetchrow(
        "SELECT card_code, adult_tickets, cancelled_at FROM redemptions WHERE redemption_id = $1 FOR UPDATE",
        redemption_id,
    )
    if row is None:
        return None
    return RecordedUse(redemption_id, row["card_code"], row["adult_tickets"], row["cancelled_at"])


async def uses_of_performance(conn: asyncpg.Connection, performance_id: str) -> list[RecordedUse]:
    """Every use of the performance, cancelled or not, row-locked (the performance's lock is held first)."""
    rows = await conn.fetch(
        "SELECT redemption_id, card_code, adult_tickets, cancelled_at FROM redemptions WHERE performance_id = $1"
        " ORDER BY redemption_id FOR UPDATE",
        performance_id,
    )
    return [RecordedUse(r["redemption_id"], r["card_code"], r["adult_tickets"], r["cancelled_at"]) for r in rows]


async def mark_cancelled(conn: asyncpg.Connection, redemption_ids: list[str], cancelled_at: datetime) -> None:
    await conn.execute(
        "UPDATE redemptions SET cancelled_at = $2 WHERE redemption_id = ANY($1::text[])", redemption_ids, cancelled_at
    )
