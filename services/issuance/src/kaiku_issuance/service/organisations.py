"""Organisation commands: regions (with their trial and printed card stock) and distributors (with branches).

A `POST` never changes what is registered: the same body answers as the first time, another body is
refused, and changes go through the `PATCH` commands (docs/issuance.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kaiku_contracts.enums import RejectionReason
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_issuance.adapters import organisations as store
from kaiku_issuance.adapters.organisations import Record, StoredRange
from kaiku_issuance.domain.refusals import Refusal, RefusedError
from kaiku_issuance.domain.stock import CodeRange, range_problem


# -- regions ---------------------------------------------------------------------------------------
async def register_region(uow: UnitOfWork, region_id: str, name: str, trial_ends_on: date | None) -> Record:
    async with uow.transaction() as conn:
        region = await store.insert_region(conn, region_id, name, trial_ends_on)
    if (region["name"], region["trial_ends_on"]) != (name, trial_ends_on):
        raise RefusedError(
            Refusal(
                "region_id",
                "this id is already registered with other details; change a region with PATCH /v1/regions/{id}",
                RejectionReason.REGION_EXISTS,
            )
        )
    return region


async def update_region(uow: UnitOfWork, region_id: str, changes: dict[str, Any]) -> Record | None:
    """Rename a region or move its trial's end; None when no region has the id."""
    if changes.get("name", "") is None:
        raise RefusedError(Refusal("name", "may not be null"))
    async with uow.transaction() as conn:
        return await store.update_region(conn, region_id, changes)


# -- printed card stock ----------------------------------------------------------------------------
async def add_card_range(uow: UnitOfWork, region_id: str, candidate: CodeRange) -> StoredRange | None:
    """Register a range of printed codes (the same range again answers with the registered one); None when
    no region has the id. A range overlapping any region's is refused: codes are unique nationally."""
    problem = range_problem(candidate)
    if problem is not None:
        raise RefusedError(problem)
    async with uow.transaction() as conn:
        if not await store.region_exists(conn, region_id):
            return None
        for existing in await store.lock_ranges(conn):
            if existing.code_range == candidate and existing.region_id == region_id:
                return existing
            if existing.code_range.overlaps(candidate):
                raise RefusedError(
                    Refusal(
                        "first, last",
                        f"overlaps the range {existing.code_range.label} of region {existing.region_id}"
                        " (codes are unique nationally)",
                    )
                )
        return await store.add_range(conn, region_id, candidate)


async def delete_card_range(uow: UnitOfWork, region_id: str, range_id: int) -> bool:
    """Forget a range (cards already granted stay); False when the region has no such range."""
    async with uow.transaction() as conn:
        return await store.delete_range(conn, region_id, range_id)


# -- distributors ----------------------------------------------------------------------------------
async def register_distributor(
    uow: UnitOfWork, distributor_id: str, region_id: str, name: str, branches: Sequence[tuple[str, str]]
) -> Record:
    """Register a distributor with its branches (`(branch_id, name)` pairs)."""
    async with uow.transaction() as conn:
        if not await store.region_exists(conn, region_id):
            raise RefusedError(Refusal("region_id", "no region with this id is registered"))
        if await store.insert_distributor(conn, distributor_id, region_id, name):
            await store.upsert_branches(conn, distributor_id, branches)
            created = await store.distributor(conn, distributor_id)
            assert created is not None
            return created
        existing = await store.distributor(conn, distributor_id)
    assert existing is not None
    registered = {b["branch_id"]: b["name"] for b in existing["branches"]}
    same = (existing["region_id"], existing["name"]) == (region_id, name) and registered == dict(branches)
    if not same:
        raise RefusedError(
            Refusal(
                "distributor_id",
                "this id is already registered with other details;"
                " change a distributor with PATCH /v1/distributors/{id}",
                RejectionReason.DISTRIBUTOR_EXISTS,
            )
        )
    return existing


async def rename_distributor(uow: UnitOfWork, distributor_id: str, name: str | None) -> Record | None:
    """The distributor after renaming it (`name` None: unchanged)."""
    async with uow.transaction() as conn:
        if name is not None:
            await store.rename_distributor(conn, distributor_id, name)
        return await store.distributor(conn, distributor_id)


async def put_branch(uow: UnitOfWork, distributor_id: str, branch_id: str, name: str) -> Record | None:
    """Add or rename a branch; the distributor with its branches afterwards."""
    async with uow.transaction() as conn:
        await store.upsert_branches(conn, distributor_id, [(branch_id, name)])
        return await store.distributor(conn, distributor_id)
