"""Usage's own registry of every card in the country (kept from kaiku.cards.v1)."""

from __future__ import annotations

from datetime import date

import asyncpg
from kaiku_contracts.cards import CardIssued
from kaiku_contracts.enums import CardType

from kaiku_usage.adapters import Executor
from kaiku_usage.domain.redemption import Card

_CARD_COLUMNS = "card_code, card_type, region_id, valid_until, revoked_on, issued_on, children_under_18"


def card_from_row(row: asyncpg.Record) -> Card:
    return Card(
        card_code=row["card_code"],
        card_type=CardType(row["card_type"]),
        region_id=row["region_id"],
        valid_until=row["valid_until"],
        revoked_on=row["revoked_on"],
        issued_on=row["issued_on"],
        children_under_18=row["children_under_18"],
    )


async def load_card(conn: Executor, card_code: str) -> Card | None:
    row = await conn.fetchrow(f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_code = $1", card_code)
    return None if row is None else card_from_row(row)


async def cards_by_code(conn: asyncpg.Connection, card_codes: list[str]) -> dict[str, Card]:
    rows = await conn.fetch(f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_code = ANY($1::text[])", card_codes)
    return {row["card_code"]: card_from_row(row) for row in rows}


async def save_issued(conn: asyncpg.Connection, event: CardIssued) -> None:
    """A card issued (or its issue replayed): the latest event's facts win."""
    await conn.execute(
        "INSERT INTO cards (card_code, card_type, region_id, distributor_id, issued_on, valid_until,"
        " children_under_18) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (card_code) DO UPDATE SET"
        " card_type = EXCLUDED.card_type, region_id = EXCLUDED.region_id,"
        " distributor_id = EXCLUDED.distributor_id, issued_on = EXCLUDED.issued_on,"
        " valid_until = EXCLUDED.valid_until, children_under_18 = EXCLUDED.children_under_18",
        event.card_code,
        event.card_type.value,
        event.region_id,
        event.distributor_id,
        event.issued_on,
        event.valid_until,
        event.children_under_18,  # seed 000: caps the card's child tickets per performance
    )


async def mark_revoked(conn: asyncpg.Connection, card_code: str, revoked_on: date, reason: str) -> None:
    await conn.execute(
        "UPDATE cards SET revoked_on = $2, revocation_reason = $3 WHERE card_code = $1", card_code, revoked_on, reason
    )
