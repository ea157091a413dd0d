"""Issuance's part of a region's hand-over (`kaiku move-region issuance`, kaiku_issuance/adapters/hand_over.py):
the region's rows move into the new owner's database, the other regions' stay, and a repeat moves nothing twice."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest
from kaiku_devkit.testing import Databases, unique
from kaiku_issuance.adapters.hand_over import PLAN
from kaiku_runtime.hand_over import move_region

pytestmark = [pytest.mark.connected]


async def _organisation(conn: asyncpg.Connection, region: str) -> str:
    distributor, card = unique("D"), unique("E")
    await conn.execute("INSERT INTO regions (region_id, name) VALUES ($1, 'Alue')", region)
    await conn.execute(
        "INSERT INTO distributors (distributor_id, region_id, name) VALUES ($1, $2, 'S')", distributor, region
    )
    await conn.execute("INSERT INTO branches (distributor_id, branch_id, name) VALUES ($1, 'B1', 'Haara')", distributor)
    await conn.execute(
        "INSERT INTO cards (card_code, card_type, region_id, distributor_id, issued_on, valid_until, request_hash,"
        " response) VALUES ($1, 'community', $2, $3, $4, $5, 'h', '{}')",
        card,
        region,
        distributor,
        date(2026, 1, 5),
        date(2027, 1, 4),
    )
    await conn.execute(
        "INSERT INTO card_ranges (region_id, prefix, first_number, last_number) VALUES ($1, 'E', 1, 999)", region
    )
    return card


async def _codes(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {r["card_code"] for r in await conn.fetch("SELECT card_code FROM cards")}
    finally:
        await conn.close()


async def test_a_regions_rows_move_to_the_new_owner_and_the_others_stay(databases: Databases) -> None:
    old, new = databases.new("issuance"), databases.new("issuance")
    moving, staying = unique("R"), unique("R")
    conn = await asyncpg.connect(old)
    try:
        moved_card = await _organisation(conn, moving)
        kept_card = await _organisation(conn, staying)
    finally:
        await conn.close()

    counts = await move_region("issuance", [moving], source_url=old, target_url=new, plan=PLAN)
    assert counts == {"regions": 1, "distributors": 1, "branches": 1, "cards": 1, "card_ranges": 1}
    assert await _codes(new) == {moved_card}
    assert await _codes(old) == {kept_card}

    # a repeat (after a failed delete, say) copies nothing twice; the new owner's stock numbering goes on
    await move_region("issuance", [moving], source_url=old, target_url=new, plan=PLAN)
    conn = await asyncpg.connect(new)
    try:
        assert await conn.fetchval("SELECT count(*) FROM distributors") == 1
        added = await conn.fetchval(
            "INSERT INTO card_ranges (region_id, prefix, first_number, last_number) VALUES ($1, 'F', 1, 9)"
            " RETURNING range_id",
            moving,
        )
        assert added > await conn.fetchval("SELECT min(range_id) FROM card_ranges")
    finally:
        await conn.close()
