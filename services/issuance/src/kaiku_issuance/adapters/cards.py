"""The card register in PostgreSQL (asyncpg). Plain functions taking the caller's connection, so the
caller decides the transaction (a card and its outbox event commit together)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kaiku_contracts.enums import RevocationReason

from kaiku_issuance.adapters.organisations import code_ranges
from kaiku_issuance.domain.cards import IssuedCard, IssuingContext, RecordedFingerprints
from kaiku_issuance.domain.revocation import CardState, Revocation

Record = dict[str, Any]


async def issuing_context(conn: asyncpg.Connection, distributor_id: str, today: date) -> IssuingContext | None:
    row = await conn.fetchrow(
        "SELECT d.region_id, r.trial_ends_on,"
        " ARRAY(SELECT branch_id FROM branches b WHERE b.distributor_id = d.distributor_id) AS branches"
        " FROM distributors d JOIN regions r USING (region_id) WHERE d.distributor_id = $1",
        distributor_id,
    )
    if row is None:
        return None
    ranges = tuple(r.code_range for r in await code_ranges(conn, row["region_id"]))
    return IssuingContext(row["region_id"], row["trial_ends_on"], frozenset(row["branches"]), ranges, today)


@dataclass(frozen=True, slots=True)
class RecordedCard:
    fingerprints: RecordedFingerprints
    response: Record


async def recorded_cards(conn: asyncpg.Connection, codes: Sequence[str]) -> dict[str, RecordedCard]:
    rows = await conn.fetch(
        "SELECT card_code, request_hash, content_hash, response::text FROM cards WHERE card_code = ANY($1::text[])",
        list(codes),
    )
    return {
        r["card_code"]: RecordedCard(
            RecordedFingerprints(r["request_hash"], r["content_hash"]), json.loads(r["response"])
        )
        for r in rows
    }


async def insert_cards(conn: asyncpg.Connection, cards: Sequence[tuple[IssuedCard, str]]) -> set[str]:
    """Insert (card, response JSON) pairs in one statement; returns the codes actually inserted (a code
    another request registered meanwhile is skipped, and the caller judges it as a repeat)."""
    if not cards:
        return set()
    columns: list[list[Any]] = [[] for _ in range(17)]
    for card, response in cards:
        grant, holder = card.grant, card.grant.holder
        values = (
            grant.card_code,
            grant.card_type.value,
            card.region_id,
            grant.distributor_id,
            grant.branch_id,
            card.issued_on,
            card.valid_until,
            holder.birth_year if holder else None,
            holder.mother_tongue if holder else None,
            holder.gender.value if holder else None,
            holder.postal_code if holder else None,
            holder.life_situation.value if holder else None,
            grant.replaces_card_code,
            grant.request_fingerprint,
            card.content_fingerprint,
            response,
            grant.children_under_18,
        )
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    rows = await conn.fetch(
        "INSERT INTO cards (card_code, card_type, region_id, distributor_id, branch_id, issued_on, valid_until,"
        " birth_year, mother_tongue, gender, postal_code, life_situation, replaces_card_code, request_hash,"
        " content_hash, response, children_under_18)"
        " SELECT c, t, rg, d, b, i, v, y, mt, g, p, ls, rep, rh, ch, resp::json, kids FROM unnest("
        " $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[], $8::int[],"
        " $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],"
        " $17::int[])"
        " AS u(c, t, rg, d, b, i, v, y, mt, g, p, ls, rep, rh, ch, resp, kids)"
        " ON CONFLICT (card_code) DO NOTHING RETURNING card_code",
        *columns,
    )
    return {r["card_code"] for r in rows}


_CARD_COLUMNS = (
    "card_code, card_type, region_id, distributor_id, branch_id, issued_on, valid_until, birth_year, mother_tongue,"
    " gender, postal_code, life_situation, replaces_card_code, revoked_on, revocation_reason, children_under_18"
)


async def card(conn: asyncpg.Connection, card_code: str, *, for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_code = $1{lock}", card_code
    )
    return row


def card_state(row: asyncpg.Record) -> CardState:
    revocation = (
        Revocation(RevocationReason(row["revocation_reason"]), row["revoked_on"])
        if row["revoked_on"] is not None
        else None
    )
    return CardState(row["card_code"], row["issued_on"], revocation)


async def cards(
    conn: asyncpg.Connection,
    *,
    region_id: str | None,
    distributor_id: str | None,
    after: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"SELECT {_CARD_COLUMNS} FROM cards WHERE ($1::text IS NULL OR region_id = $1)"
            " AND ($2::text IS NULL OR distributor_id = $2) AND ($3::text IS NULL OR card_code > $3)"
            " ORDER BY card_code LIMIT $4",
            region_id,
            distributor_id,
            after,
            limit,
        )
    )


async def revoke(conn: asyncpg.Connection, card_code: str, revocation: Revocation) -> None:
    await conn.execute(
        "UPDATE cards SET revoked_on = $2, revocation_reason = $3 WHERE card_code = $1 AND revoked_on IS NULL",
        card_code,
        revocation.revoked_on,
        revocation.reason.value,
    )


# a cheap first pass in the database (DDMMYY, century sign, ZZZ, check character); the contracts'
# `contains_identity_code`, which checks the date and the check character, decides (service/identity_codes.py)
_LOOKS_LIKE_IDENTITY_CODE = r"[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]"


async def cards_looking_like_identity_codes(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Cards whose code may hold a personal identity code (§11), by region, distributor and issue date."""
    return list(
        await conn.fetch(
            "SELECT card_code, region_id, distributor_id, branch_id, issued_on, revoked_on FROM cards"
            " WHERE card_code ~ $1 ORDER BY region_id, distributor_id, issued_on",
            _LOOKS_LIKE_IDENTITY_CODE,
        )
    )
