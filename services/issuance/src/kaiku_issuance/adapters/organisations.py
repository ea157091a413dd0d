"""Regions, distributors with their branches, and printed card stock in PostgreSQL (asyncpg). Plain functions
taking the caller's connection, so the caller decides the transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

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


async def region_exists(conn: asyncpg.Connection, region_id: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM regions WHERE region_id = $1)", region_id))


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


async def distributor_region(conn: asyncpg.Connection, distributor_id: str) -> str | None:
    """The region a distributor is registered in; None for an unknown distributor."""
    region: str | None = await conn.fetchval(
        "SELECT region_id FROM distributors WHERE distributor_id = $1", distributor_id
    )
    return region


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
@dataclass(frozen=True, slots=True)
class StoredRange:
    """A registered range of printed codes."""

    range_id: int
    region_id: str
    code_range: CodeRange


def _stored_range(row: asyncpg.Record) -> StoredRange:
    return StoredRange(
        row["range_id"],
        row["region_id"],
        CodeRange(row["prefix"], row["first_number"], row["last_number"], row["digits"]),
    )


_RANGE_COLUMNS = "range_id, region_id, prefix, first_number, last_number, digits"


async def code_ranges(conn: asyncpg.Connection, region_id: str) -> list[StoredRange]:
    rows = await conn.fetch(
        f"SELECT {_RANGE_COLUMNS} FROM card_ranges WHERE region_id = $1 ORDER BY range_id", region_id
    )
    return [_stored_range(r) for r in rows]


async def lock_ranges(conn: asyncpg.Connection) -> list[StoredRange]:
    """Every region's ranges, locked against concurrent additions (codes are unique nationally)."""
    await conn.execute("LOCK TABLE card_ranges IN SHARE ROW EXCLUSIVE MODE")
    return [_stored_range(r) for r in await conn.fetch(f"SELECT {_RANGE_COLUMNS} FROM card_ranges ORDER BY range_id")]


async def add_range(conn: asyncpg.Connection, region_id: str, code_range: CodeRange) -> StoredRange:
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
    return _stored_range(row)


async def delete_range(conn: asyncpg.Connection, region_id: str, range_id: int) -> bool:
    deleted = await conn.fetchval(
        "DELETE FROM card_ranges WHERE region_id = $1 AND range_id = $2 RETURNING range_id", region_id, range_id
    )
    return deleted is not None
