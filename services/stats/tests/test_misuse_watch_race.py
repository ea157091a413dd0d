"""The two projection consumers commit concurrently: a card's issue and its use in batches applied at the
same moment must still be judged together (service/watch.py takes a lock per card before reading)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from kaiku_contracts.cards import CardIssued
from kaiku_contracts.enums import CardType, Channel, RedemptionKind, VenueCategory
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_devkit.testing import Databases, unique
from kaiku_runtime.consumer import Delivered
from kaiku_runtime.db import create_pool
from kaiku_stats.adapters.flags import flags_of
from kaiku_stats.service.projection import apply_card_events, apply_redemption_events

pytestmark = pytest.mark.connected


async def test_a_use_applied_while_its_card_commits_waits_for_it_and_is_flagged(databases: Databases) -> None:
    region, code, venue = unique("R"), unique("C"), unique("V")
    card = CardIssued(
        card_code=code, card_type=CardType.PERSONAL, region_id=region, distributor_id=unique("D"),
        issued_on=date(2025, 3, 20), valid_until=date(2026, 3, 19),
    )  # fmt: skip
    report_row = TicketRedeemed(
        redemption_id=unique("U"), card_code=code, card_type=CardType.PERSONAL, venue_id=venue, region_id=region,
        performance_id=f"{venue}-P1", performance_name="Trollkarlen Matti",
        starts_at=datetime(2025, 3, 6, 16, tzinfo=UTC),
        kind=RedemptionKind.TICKET, adult_tickets=1, child_tickets=0, channel=Channel.PAPER_FORM,
        card_region_id=region, venue_category=VenueCategory.CULTURE,
    )  # fmt: skip
    pool = await create_pool(databases.new("stats"), min_size=2, max_size=2)
    try:
        async with pool.acquire() as cards_conn, pool.acquire() as uses_conn:
            cards_batch = cards_conn.transaction()
            await cards_batch.start()
            await apply_card_events(cards_conn, [Delivered(card, None)])  # type: ignore[arg-type]
            uses_batch = uses_conn.transaction()
            await uses_batch.start()
            applying = asyncio.create_task(
                apply_redemption_events(uses_conn, [Delivered(report_row, None)])  # type: ignore[arg-type]
            )
            await asyncio.sleep(0.5)
            assert not applying.done(), "the uses batch judged the card while the card's batch was uncommitted"
            await cards_batch.commit()
            await asyncio.wait_for(applying, timeout=10)
            await uses_batch.commit()
            flags = await flags_of(cards_conn, region, 10)
        assert [(f["rule"], f["card_code"]) for f in flags] == [("use_of_card_not_valid_then", code)]
    finally:
        await pool.close()
