"""The issuance register in PostgreSQL (asyncpg). Plain functions taking the caller's connection, so the
caller decides the transaction (a card and its outbox event commit together)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kaiku_contracts.enums import RevocationReason

from kaiku_issuance.domain.cards import IssuedCard, IssuingContext, RecordedFingerprints
from kaiku_issuance.domain.revocation import CardState, Revocation
from kaiku_issuance.domain.stock import CodeRange

Record = dict[str, Any]


# -- regions ---------------------------------------------------------------------------------------
def _region(row: asyncpg.Record) -> Record:
    return {"region_id": row["region_id"], "name": row["name"], "trial_ends_on": row["trial_ends_on"]}


async def insert_region(conn: asyncpg.Connection, region_id: str, name: str, trial_ends_on: date | None) -> Record:
    """Register a region; an existing one is returned as it is (a POST never changes it)."""
    row = await conn.fetchrow(
        "INSERT INTO regions (region_id, name, trial_ends_on) VALUES ($1, $2, $3) ON CONFLICT (region_id) DO NOTHING"
        " RETURNING region_id, name, trial_ends_on",
        region_id,
        name,
        trial_ends_on,
    )
    if row is None:
        row = await conn.fetchrow("SELECT region_id, name, trial_ends_on FROM regions WHERE region_id = $1", region_id)
    assert row is not None
    return _region(row)


async def update_region(conn: asyncpg.Connection, region_id: str, changes: dict[str, Any]) -> Record | None:
    row = await conn.fetchrow(
        "UPDATE regions SET name = CASE WHEN $2 THEN $3 ELSE name END,"
        " trial_ends_on = CASE WHEN $4 THEN $5::date ELSE trial_ends_on END, updated_at = now()"
        " WHERE region_id = $1 RETURNING region_id, name, trial_ends_on",
        region_id,
        "name" in changes,
        changes.get("name"),
        "trial_ends_on" in changes,
        changes.get("trial_ends_on"),
    )
    return _region(row) if row is not None else None


async def regions(conn: asyncpg.Connection, region_id: str | None = None) -> list[Record]:
    rows = await conn.fetch(
        "SELECT region_id, name, trial_ends_on FROM regions WHERE $1::text IS NULL OR region_id = $1"
        " ORDER BY region_id",
        region_id,
    )
    return [_region(r) for r in rows]


# -- distributors and branches ---------------------------------------------------------------------
async def distributor(conn: asyncpg.Connection, distributor_id: str) -> Record | None:
    found = await distributors(conn, distributor_id=distributor_id)
    return found[0] if found else None


async def distributors(
    conn: asyncpg.Connection, *, region_id: str | None = None, distributor_id: str | None = None
) -> list[Record]:
    rows = await conn.fetch(
        "SELECT d.distributor_id, d.region_id, d.name,"
        " coalesce(json_agg(json_build_object('branch_id', b.branch_id, 'name', b.name) ORDER BY b.branch_id)"
        "   FILTER (WHERE b.branch_id IS NOT NULL), '[]')::text AS branches"
        " FROM distributors d LEFT JOIN branches b USING (distributor_id)"
        " WHERE ($1::text IS NULL OR d.region_id = $1) AND ($2::text IS NULL OR d.distributor_id = $2)"
        " GROUP BY d.distributor_id ORDER BY d.distributor_id",
        region_id,
        distributor_id,
    )
    return [
        {
            "distributor_id": r["distributor_id"],
            "region_id": r["region_id"],
            "name": r["name"],
            "branches": json.loads(r["branches"]),
        }
        for r in rows
    ]


async def region_exists(conn: asyncpg.Connection, region_id: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM regions WHERE region_id = $1)", region_id))


async def insert_distributor(conn: asyncpg.Connection, distributor_id: str, region_id: str, name: str) -> bool:
    """Register a distributor; False when the id is already taken (a POST never changes it)."""
    inserted = await conn.fetchval(
        "INSERT INTO distributors (distributor_id, region_id, name) VALUES ($1, $2, $3)"
        " ON CONFLICT (distributor_id) DO NOTHING RETURNING true",
        distributor_id,
        region_id,
        name,
    )
    return bool(inserted)


async def rename_distributor(conn: asyncpg.Connection, distributor_id: str, name: str) -> None:
    await conn.execute("UPDATE distributors SET name = $2 WHERE distributor_id = $1", distributor_id, name)


async def upsert_branches(conn: asyncpg.Connection, distributor_id: str, branches: Sequence[tuple[str, str]]) -> None:
    await conn.executemany(
        "INSERT INTO branches (distributor_id, branch_id, name) VALUES ($1, $2, $3)"
        " ON CONFLICT (distributor_id, branch_id) DO UPDATE SET name = EXCLUDED.name",
        [(distributor_id, branch_id, name) for branch_id, name in branches],
    )


# -- card stock ------------------------------------------------------------------------------------
def _range(row: asyncpg.Record) -> CodeRange:
    return CodeRange(row["prefix"], row["first_number"], row["last_number"], row["digits"])


def range_view(row: asyncpg.Record) -> Record:
    code_range = _range(row)
    return {
        "range_id": row["range_id"],
        "region_id": row["region_id"],
        "prefix": code_range.prefix,
        "first": code_range.first,
        "last": code_range.last,
        "digits": code_range.digits,
        "label": code_range.label,
        "size": code_range.last - code_range.first + 1,
    }


_RANGE_COLUMNS = "range_id, region_id, prefix, first_number, last_number, digits"


async def code_ranges(conn: asyncpg.Connection, region_id: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(f"SELECT {_RANGE_COLUMNS} FROM card_ranges WHERE region_id = $1 ORDER BY range_id", region_id)
    )


async def lock_ranges(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every region's ranges, locked against concurrent additions (codes are unique nationally)."""
    await conn.execute("LOCK TABLE card_ranges IN SHARE ROW EXCLUSIVE MODE")
    return list(await conn.fetch(f"SELECT {_RANGE_COLUMNS} FROM card_ranges ORDER BY range_id"))


def as_code_range(row: asyncpg.Record) -> CodeRange:
    return _range(row)


async def add_range(conn: asyncpg.Connection, region_id: str, code_range: CodeRange) -> asyncpg.Record:
    row = await conn.fetchrow(
        "INSERT INTO card_ranges (region_id, prefix, first_number, last_number, digits) VALUES ($1, $2, $3, $4, $5)"
        f" RETURNING {_RANGE_COLUMNS}",
        region_id,
        code_range.prefix,
        code_range.first,
        code_range.last,
        code_range.digits,
    )
    assert row is not None
    return row


async def delete_range(conn: asyncpg.Connection, region_id: str, range_id: int) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM card_ranges WHERE region_id = $1 AND range_id = $2 RETURNING range_id", region_id, range_id
    )
    return deleted is not None


# -- cards -----------------------------------------------------------------------------------------
async def issuing_context(conn: asyncpg.Connection, distributor_id: str, today: date) -> IssuingContext | None:
    row = await conn.fetchrow(
        "SELECT d.region_id, r.trial_ends_on,"
        " ARRAY(SELECT branch_id FROM branches b WHERE b.distributor_id = d.distributor_id) AS branches"
        " FROM distributors d JOIN regions r USING (region_id) WHERE d.distributor_id = $1",
        distributor_id,
    )
    if row is None:
        return None
    ranges = tuple(_range(r) for r in await code_ranges(conn, row["region_id"]))
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
