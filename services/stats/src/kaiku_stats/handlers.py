"""Projection handlers: each consumer batch is applied with a few set-based statements.

The runtime's consumer calls these inside ONE transaction that also records the batch's event ids
in `processed_events` (every event applied once); the Kafka offset is committed after that commit.
The rebuild command replays the topics through the very same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import asyncpg
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardIssued, CardRevoked
from kaiku_contracts.redemptions import RedemptionCancelled, TicketRedeemed
from kaiku_runtime.consumer import Delivered

from kaiku_stats.domain.facts import (
    NATIONAL,
    card_fact,
    periods_of_month,
    periods_touched_by_card,
    periods_touched_by_revocation,
    use_fact,
)
from kaiku_stats.watch import watch_cards

DirtyKey = tuple[str, str]

CARDS_CONSUMER = "cards-projection"
REDEMPTIONS_CONSUMER = "redemptions-projection"
PROJECTION_CONSUMERS = (CARDS_CONSUMER, REDEMPTIONS_CONSUMER)
PROJECTION_TABLES = ("card_fact", "card_revocation", "use_fact", "use_cancellation", "flag")


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


def _scoped(regions: Iterable[str | None], periods: Iterable[str]) -> set[DirtyKey]:
    scopes = {NATIONAL, *(r for r in regions if r)}
    return {(s, p) for s in scopes for p in periods}


async def apply_card_events(conn: asyncpg.Connection, batch: Sequence[Delivered[CardIssued | CardRevoked]]) -> None:
    today = helsinki_today()
    issued: dict[str, CardIssued] = {}
    revoked: dict[str, CardRevoked] = {}
    for delivered in batch:
        event = delivered.event
        if isinstance(event, CardIssued):
            issued.setdefault(event.card_code, event)  # the first issue of a code stands
        else:
            revoked.setdefault(event.card_code, event)
    dirty: set[DirtyKey] = set()
    if issued:
        facts = [card_fact(e) for e in issued.values()]
        await conn.execute(
            """
            INSERT INTO card_fact (card_code, card_type, region_id, distributor_id, branch_id, issued_on,
                                   valid_until, issue_month, revoked_on, age_group, gender,
                                   mother_tongue_group, life_situation, postal_code_area, replaces_card_code)
            SELECT t.card_code, t.card_type, t.region_id, t.distributor_id, t.branch_id, t.issued_on,
                   t.valid_until, t.issue_month, r.revoked_on, t.age_group, t.gender,
                   t.mother_tongue_group, t.life_situation, t.postal_code_area, t.replaces_card_code
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[],
                        $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
                 AS t(card_code, card_type, region_id, distributor_id, branch_id, issued_on, valid_until,
                      issue_month, age_group, gender, mother_tongue_group, life_situation, postal_code_area,
                      replaces_card_code)
            LEFT JOIN card_revocation r ON r.card_code = t.card_code
            ON CONFLICT (card_code) DO NOTHING
            """,
            [f.card_code for f in facts],
            [f.card_type for f in facts],
            [f.region_id for f in facts],
            [f.distributor_id for f in facts],
            [f.branch_id for f in facts],
            [f.issued_on for f in facts],
            [f.valid_until for f in facts],
            [f.issue_month for f in facts],
            [f.age_group for f in facts],
            [f.gender for f in facts],
            [f.mother_tongue_group for f in facts],
            [f.life_situation for f in facts],
            [f.postal_code_area for f in facts],
            [f.replaces_card_code for f in facts],
        )
        for f in facts:
            dirty |= _scoped([f.region_id], periods_touched_by_card(f.issued_on, f.valid_until, today))
    if revoked:
        codes = list(revoked)
        await conn.execute(
            "INSERT INTO card_revocation (card_code, revoked_on) SELECT * FROM unnest($1::text[], $2::date[])"
            " ON CONFLICT (card_code) DO NOTHING",
            codes,
            [revoked[c].revoked_on for c in codes],
        )
        rows = await conn.fetch(
            "UPDATE card_fact c SET revoked_on = r.revoked_on FROM card_revocation r"
            " WHERE r.card_code = c.card_code AND c.card_code = ANY($1::text[]) AND c.revoked_on IS NULL"
            " RETURNING c.region_id, c.revoked_on, c.valid_until",
            codes,
        )
        for row in rows:
            revoked_on: date = row["revoked_on"]
            dirty |= _scoped([row["region_id"]], periods_touched_by_revocation(revoked_on, row["valid_until"], today))
    # a use recorded before its card (or before the card's revocation) is judged again now
    await watch_cards(conn, sorted({*issued, *revoked}))
    await mark_dirty(conn, dirty)


async def apply_redemption_events(
    conn: asyncpg.Connection, batch: Sequence[Delivered[TicketRedeemed | RedemptionCancelled]]
) -> None:
    redeemed: dict[str, TicketRedeemed] = {}
    cancelled: dict[str, RedemptionCancelled] = {}
    for delivered in batch:
        event = delivered.event
        if isinstance(event, TicketRedeemed):
            redeemed.setdefault(event.redemption_id, event)  # redemption_id is the use's identity
        else:
            cancelled.setdefault(event.redemption_id, event)
    dirty: set[DirtyKey] = set()
    if redeemed:
        facts = [use_fact(e) for e in redeemed.values()]
        await conn.execute(
            """
            INSERT INTO use_fact (redemption_id, card_code, card_type, venue_id, region_id, card_region_id,
                                  venue_category, performance_id, performance_name, month, kind,
                                  adult_tickets, child_tickets, channel, starts_at, cancelled)
            SELECT t.*, EXISTS (SELECT 1 FROM use_cancellation x WHERE x.redemption_id = t.redemption_id)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[],
                        $15::timestamptz[])
                 AS t(redemption_id, card_code, card_type, venue_id, region_id, card_region_id, venue_category,
                      performance_id, performance_name, month, kind, adult_tickets, child_tickets, channel,
                      starts_at)
            ON CONFLICT (redemption_id) DO NOTHING
            """,
            [f.redemption_id for f in facts],
            [f.card_code for f in facts],
            [f.card_type for f in facts],
            [f.venue_id for f in facts],
            [f.region_id for f in facts],
            [f.card_region_id for f in facts],
            [f.venue_category for f in facts],
            [f.performance_id for f in facts],
            [f.performance_name for f in facts],
            [f.month for f in facts],
            [f.kind for f in facts],
            [f.adult_tickets for f in facts],
            [f.child_tickets for f in facts],
            [f.channel for f in facts],
            [f.starts_at for f in facts],
        )
        await watch_cards(conn, sorted({f.card_code for f in facts}))
        for f in facts:
            dirty |= _scoped([f.region_id, f.card_region_id], periods_of_month(f.month))
    if cancelled:
        ids = list(cancelled)
        await conn.execute(
            "INSERT INTO use_cancellation (redemption_id, cancelled_at)"
            " SELECT * FROM unnest($1::text[], $2::timestamptz[])"
            " ON CONFLICT (redemption_id) DO NOTHING",
            ids,
            [cancelled[i].cancelled_at for i in ids],
        )
        rows = await conn.fetch(
            "UPDATE use_fact SET cancelled = true WHERE redemption_id = ANY($1::text[]) AND NOT cancelled"
            " RETURNING region_id, card_region_id, month",
            ids,
        )
        for row in rows:
            dirty |= _scoped([row["region_id"], row["card_region_id"]], periods_of_month(row["month"]))
    await mark_dirty(conn, dirty)
