"""Projection handlers: each consumer batch is applied with a few set-based statements.

The runtime's consumer calls these inside ONE transaction that also records the batch's event ids
in `processed_events` (every event applied once); the Kafka offset is committed after that commit.
The rebuild command replays the topics through the very same functions (service/rebuild.py), and
the live service subscribes them (entrypoints/kafka.py): both take them from PROJECTION_SPECS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardEvent, CardIssued, CardRevoked
from kaiku_contracts.redemptions import RedemptionCancelled, RedemptionEvent, TicketRedeemed
from kaiku_contracts.topics import Topics
from kaiku_runtime.consumer import Delivered, Handler
from pydantic import TypeAdapter

from kaiku_stats.adapters import facts as fact_rows
from kaiku_stats.adapters.snapshots import DirtyKey, mark_dirty
from kaiku_stats.domain.facts import (
    NATIONAL,
    card_fact,
    periods_of_month,
    periods_touched_by_card,
    periods_touched_by_revocation,
    use_fact,
)
from kaiku_stats.service.watch import watch_cards


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
        await fact_rows.insert_card_facts(conn, facts)
        for f in facts:
            dirty |= _scoped([f.region_id], periods_touched_by_card(f.issued_on, f.valid_until, today))
    if revoked:
        now_revoked = await fact_rows.revoke_cards(conn, {code: e.revoked_on for code, e in revoked.items()})
        for region_id, revoked_on, valid_until in now_revoked:
            dirty |= _scoped([region_id], periods_touched_by_revocation(revoked_on, valid_until, today))
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
        await fact_rows.insert_use_facts(conn, facts)
        await watch_cards(conn, sorted({f.card_code for f in facts}))
        for f in facts:
            dirty |= _scoped([f.region_id, f.card_region_id], periods_of_month(f.month))
    if cancelled:
        cancelled_at: dict[str, datetime] = {rid: e.cancelled_at for rid, e in cancelled.items()}
        for region_id, card_region_id, month in await fact_rows.cancel_uses(conn, cancelled_at):
            dirty |= _scoped([region_id, card_region_id], periods_of_month(month))
    await mark_dirty(conn, dirty)


@dataclass(frozen=True, slots=True)
class ProjectionConsumer:
    """One projection consumer: what it reads and the handler that applies its batches."""

    name: str
    topic: str
    adapter: TypeAdapter[Any]
    handler: Handler[Any]
    description: str


CARDS_CONSUMER = "cards-projection"
REDEMPTIONS_CONSUMER = "redemptions-projection"
PROJECTION_SPECS = (
    ProjectionConsumer(
        name=CARDS_CONSUMER,
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=apply_card_events,
        description="Card facts: issued cards, their holders' background groups and revocations",
    ),
    ProjectionConsumer(
        name=REDEMPTIONS_CONSUMER,
        topic=Topics.REDEMPTIONS,
        adapter=TypeAdapter(RedemptionEvent),
        handler=apply_redemption_events,
        description="Use facts: accepted uses and their cancellations",
    ),
)
PROJECTION_CONSUMERS = tuple(spec.name for spec in PROJECTION_SPECS)
