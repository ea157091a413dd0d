"""Venues and the ticket agencies registered to sell for them."""

from __future__ import annotations

from typing import Any

import asyncpg
from kaiku_contracts.enums import VenueCategory

from kaiku_usage.adapters import Executor
from kaiku_usage.domain.redemption import Venue

_VENUE_COLUMNS = "venue_id, region_id, name, category, agencies"


def venue_from_row(row: asyncpg.Record) -> Venue:
    return Venue(
        venue_id=row["venue_id"],
        region_id=row["region_id"],
        category=VenueCategory(row["category"]),
        agencies=frozenset(row["agencies"]),
    )


def _venue_dict(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "venue_id": row["venue_id"],
        "region_id": row["region_id"],
        "name": row["name"],
        "category": row["category"],
        "agencies": list(row["agencies"]),
    }


async def venues_by_id(conn: asyncpg.Connection, venue_ids: list[str]) -> dict[str, Venue]:
    rows = await conn.fetch(
        "SELECT venue_id, region_id, category, agencies FROM venues WHERE venue_id = ANY($1::text[])", venue_ids
    )
    return {row["venue_id"]: venue_from_row(row) for row in rows}


async def all_venue_regions(conn: Executor) -> dict[str, str]:
    rows = await conn.fetch("SELECT venue_id, region_id FROM venues")
    return {row["venue_id"]: row["region_id"] for row in rows}


async def region_of(conn: Executor, venue_id: str) -> str | None:
    region: str | None = await conn.fetchval("SELECT region_id FROM venues WHERE venue_id = $1", venue_id)
    return region


async def insert_venue(
    conn: asyncpg.Connection, venue_id: str, region_id: str, name: str, category: str, agencies: list[str]
) -> dict[str, Any] | None:
    """The new venue, or None when the id is taken (nothing changed)."""
    row = await conn.fetchrow(
        f"INSERT INTO venues ({_VENUE_COLUMNS}) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (venue_id) DO NOTHING"
        f" RETURNING {_VENUE_COLUMNS}",
        venue_id,
        region_id,
        name,
        category,
        agencies,
    )
    return None if row is None else _venue_dict(row)


async def get_venue(conn: Executor, venue_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {_VENUE_COLUMNS} FROM venues WHERE venue_id = $1", venue_id)
    return None if row is None else _venue_dict(row)


async def update_venue(
    conn: asyncpg.Connection, venue_id: str, name: str | None, agencies: list[str] | None
) -> dict[str, Any] | None:
    """Sets what is given (None: unchanged); the venue afterwards, None when there is none."""
    row = await conn.fetchrow(
        f"UPDATE venues SET name = coalesce($2, name), agencies = coalesce($3, agencies) WHERE venue_id = $1"
        f" RETURNING {_VENUE_COLUMNS}",
        venue_id,
        name,
        agencies,
    )
    return None if row is None else _venue_dict(row)


async def venues_of_region(conn: Executor, region_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_VENUE_COLUMNS} FROM venues WHERE region_id = $1 ORDER BY name, venue_id LIMIT $2", region_id, limit
    )
    return [_venue_dict(r) for r in rows]


async def save_agency(
    conn: asyncpg.Connection, agency_id: str, name: str | None, signing_key: str, registered_by: str
) -> None:
    await conn.execute(
        "INSERT INTO agencies (agency_id, name, signing_key, registered_by) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (agency_id) DO UPDATE SET name = EXCLUDED.name, signing_key = EXCLUDED.signing_key,"
        " updated_at = now()",
        agency_id,
        name,
        signing_key,
        registered_by,
    )


async def signing_keys(conn: asyncpg.Connection, agency_ids: list[str]) -> dict[str, str | None]:
    rows = await conn.fetch("SELECT agency_id, signing_key FROM agencies WHERE agency_id = ANY($1::text[])", agency_ids)
    return {row["agency_id"]: row["signing_key"] for row in rows}
