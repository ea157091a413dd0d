"""The misuse watch as part of the projection (docs/stats.md "Misuse watch"): after each batch, the cards it
touched are judged by domain/misuse.py and new findings are stored as flags, in the batch's transaction.

A flag is stored once (its id is the finding's) and published on `kaiku.flags.v1` by the publisher;
a rebuild truncates the flags with the other projection tables and raises the same ones again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import asyncpg

from kaiku_stats.adapters import facts
from kaiku_stats.adapters import flags as flag_rows
from kaiku_stats.domain.misuse import findings
from kaiku_stats.settings import StatsSettings


@cache
def uses_per_week() -> int:
    return StatsSettings().stats_flag_uses_per_week


async def watch_cards(conn: asyncpg.Connection, card_codes: Sequence[str]) -> None:
    """Judge these cards' accepted uses; store the flags not raised before."""
    if not card_codes:
        return
    # The two projection consumers commit concurrently: without the lock, a card's issue and its uses landing
    # in two batches at once would each miss the other's uncommitted rows and the flag would never be raised.
    await facts.lock_cards(conn, card_codes)
    uses = await facts.accepted_uses(conn, card_codes)
    if not uses:
        return
    cards = await facts.card_validities(conn, list(uses))
    flags = [flag for code, card_uses in uses.items() for flag in findings(card_uses, cards.get(code), uses_per_week())]
    await flag_rows.store_flags(conn, flags)


async def flags_of(pool: asyncpg.Pool, region_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest flags of a region (None: every region), newest first."""
    async with pool.acquire() as conn:
        return await flag_rows.flags_of(conn, region_id, limit)
