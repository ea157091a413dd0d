"""The misuse watch as part of the projection (docs/stats.md "Misuse watch"): after each batch, the cards it
touched are judged by domain/misuse.py and new findings are stored as flags, in the batch's transaction.

A flag is stored once (its id is the finding's) and published on `kaiku.flags.v1` by the publisher;
a rebuild truncates the flags with the other projection tables and raises the same ones again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from typing import Any

import asyncpg

from kaiku_stats.domain.misuse import CardValidity, Flag, Use, findings
from kaiku_stats.settings import StatsSettings


@cache
def uses_per_week() -> int:
    return StatsSettings().stats_flag_uses_per_week


async def watch_cards(conn: asyncpg.Connection, card_codes: Sequence[str]) -> None:
    """Judge these cards' accepted uses; store the flags not raised before."""
    if not card_codes:
        return
    rows = await conn.fetch(
        "SELECT redemption_id, card_code, venue_id, region_id, performance_id, starts_at, channel FROM use_fact"
        " WHERE card_code = ANY($1::text[]) AND NOT cancelled AND starts_at IS NOT NULL",
        list(card_codes),
    )
    if not rows:
        return
    uses: dict[str, list[Use]] = defaultdict(list)
    for row in rows:
        uses[row["card_code"]].append(Use(**dict(row)))
    cards = {
        row["card_code"]: CardValidity(row["issued_on"], row["valid_until"], row["revoked_on"])
        for row in await conn.fetch(
            "SELECT card_code, issued_on, valid_until, revoked_on FROM card_fact WHERE card_code = ANY($1::text[])",
            list(uses),
        )
    }
    flags = [flag for code, card_uses in uses.items() for flag in findings(card_uses, cards.get(code), uses_per_week())]
    await store_flags(conn, flags)


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
