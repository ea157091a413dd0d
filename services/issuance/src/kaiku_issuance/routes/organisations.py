"""Regions (with their trial and printed card stock) and distributors (with branches)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import EntityId
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.errors import ApiError
from kaiku_runtime.service import CurrentService

from kaiku_issuance import access, schemas
from kaiku_issuance.adapters import store
from kaiku_issuance.domain.stock import CodeRange, range_problem
from kaiku_issuance.routes.common import errors, not_found, refused

router = APIRouter(prefix="/v1", tags=["regions and distributors"])


# -- regions ---------------------------------------------------------------------------------------
@router.post("/regions", status_code=201, response_model=schemas.Region, responses=errors(409, 422))
async def create_region(body: schemas.RegionIn, principal: CurrentPrincipal, service: CurrentService) -> Any:
    """Register a region. National office only.

    A POST never changes a region: the same body answers as the first time, another one is 409
    `region_exists` (changes go through `PATCH`, so re-posting without the trial date cannot end a trial).
    """
    principal.require_role(Role.NATIONAL, what="create regions")
    async with service.pool.acquire() as conn:
        region = await store.insert_region(conn, body.region_id, body.name, body.trial_ends_on)
    if (region["name"], region["trial_ends_on"]) != (body.name, body.trial_ends_on):
        raise ApiError(
            RejectionReason.REGION_EXISTS,
            "region_id: this id is already registered with other details; change a region with PATCH /v1/regions/{id}",
        )
    return region


@router.get("/regions", response_model=schemas.Regions, responses=errors())
async def list_regions(principal: CurrentPrincipal, service: CurrentService) -> Any:
    """Every region for the national office; a region admin sees its own."""
    if principal.role is Role.NATIONAL:
        wanted = None
    elif principal.role is Role.REGION_ADMIN and principal.region:
        wanted = principal.region
    else:
        raise principal.forbid("list regions")
    async with service.pool.acquire() as conn:
        return {"regions": await store.regions(conn, wanted)}


@router.get("/regions/{region_id}", response_model=schemas.Region, responses=errors(404))
async def get_region(region_id: EntityId, principal: CurrentPrincipal, service: CurrentService) -> Any:
    """A region and its trial end: the national office and the region's own admins, distributors and venues."""
    if principal.role is not Role.NATIONAL and principal.region != region_id:
        raise principal.forbid("read another region")
    async with service.pool.acquire() as conn:
        found = await store.regions(conn, region_id)
    if not found:
        raise not_found(f"region {region_id}")
    return found[0]


@router.patch("/regions/{region_id}", response_model=schemas.Region, responses=errors(404, 422))
async def update_region(
    region_id: EntityId, body: schemas.RegionPatch, principal: CurrentPrincipal, service: CurrentService
) -> Any:
    """Rename a region, move its trial's end, or make it permanent (`"trial_ends_on": null`). National office.

    Cards granted afterwards get twelve months, or until the new end if that comes first (§2, seed 002);
    cards already granted keep the date written on them.
    """
    principal.require_role(Role.NATIONAL, what="change regions")
    changes = body.model_dump(include=body.model_fields_set)
    if changes.get("name", "") is None:
        raise ApiError(RejectionReason.INVALID_REQUEST, "name: may not be null")
    async with service.pool.acquire() as conn:
        updated = await store.update_region(conn, region_id, changes)
    if updated is None:
        raise not_found(f"region {region_id}")
    return updated


# -- printed card stock ----------------------------------------------------------------------------
@router.post(
    "/regions/{region_id}/card-ranges", status_code=201, response_model=schemas.CodeRange, responses=errors(404, 422)
)
async def add_card_range(
    region_id: EntityId, body: schemas.CodeRangeIn, principal: CurrentPrincipal, service: CurrentService
) -> Any:
    """Register a range of printed card codes (prefix + numbers, e.g. `E` 1000–1999).

    Once a region has ranges, a card whose code is outside all of them is refused (`invalid_request`
    naming `card_code`): it is almost surely a typing error. Regions without ranges accept any code.
    Ranges may not overlap any region's (codes are unique nationally). Adding the same range again
    answers with the registered one.
    """
    if not access.manages_region(principal, region_id):
        raise principal.forbid("manage this region's card stock")
    candidate = CodeRange(body.prefix, body.first, body.last, body.digits)
    problem = range_problem(candidate)
    if problem is not None:
        raise refused(problem)
    async with service.pool.acquire() as conn, conn.transaction():
        if not await store.region_exists(conn, region_id):
            raise not_found(f"region {region_id}")
        for row in await store.lock_ranges(conn):
            existing = store.as_code_range(row)
            if existing == candidate and row["region_id"] == region_id:
                return store.range_view(row)
            if existing.overlaps(candidate):
                raise ApiError(
                    RejectionReason.INVALID_REQUEST,
                    f"first, last: overlaps the range {existing.label} of region {row['region_id']}"
                    " (codes are unique nationally)",
                )
        return store.range_view(await store.add_range(conn, region_id, candidate))


@router.get("/regions/{region_id}/card-ranges", response_model=schemas.CodeRanges, responses=errors())
async def list_card_ranges(region_id: EntityId, principal: CurrentPrincipal, service: CurrentService) -> Any:
    if not access.manages_region(principal, region_id):
        raise principal.forbid("read this region's card stock")
    async with service.pool.acquire() as conn:
        return {"ranges": [store.range_view(r) for r in await store.code_ranges(conn, region_id)]}


@router.delete("/regions/{region_id}/card-ranges/{range_id}", status_code=204, responses=errors(404))
async def delete_card_range(
    region_id: EntityId, range_id: int, principal: CurrentPrincipal, service: CurrentService
) -> Response:
    """Forget a range (cards already granted stay). With no ranges left, any code is accepted again."""
    if not access.manages_region(principal, region_id):
        raise principal.forbid("manage this region's card stock")
    async with service.pool.acquire() as conn:
        if not await store.delete_range(conn, region_id, range_id):
            raise not_found(f"range {range_id} of region {region_id}")
    return Response(status_code=204)


# -- distributors ----------------------------------------------------------------------------------
@router.post("/distributors", status_code=201, response_model=schemas.Distributor, responses=errors(409, 422))
async def create_distributor(body: schemas.DistributorIn, principal: CurrentPrincipal, service: CurrentService) -> Any:
    """Register a distributor with its branches. National office or the region's admin.

    A POST never changes a distributor: the same body answers as the first time, another one is 409
    `distributor_exists` (rename with `PATCH /v1/distributors/{id}`, add branches with `PUT .../branches/{id}`).
    """
    if not access.manages_region(principal, body.region_id):
        raise principal.forbid("add distributors to this region")
    async with service.pool.acquire() as conn, conn.transaction():
        if not await store.region_exists(conn, body.region_id):
            raise ApiError(RejectionReason.INVALID_REQUEST, "region_id: no region with this id is registered")
        if await store.insert_distributor(conn, body.distributor_id, body.region_id, body.name):
            await store.upsert_branches(conn, body.distributor_id, [(b.branch_id, b.name) for b in body.branches])
            return await store.distributor(conn, body.distributor_id)
        existing = await store.distributor(conn, body.distributor_id)
    assert existing is not None
    branches = {b["branch_id"]: b["name"] for b in existing["branches"]}
    same = (existing["region_id"], existing["name"]) == (body.region_id, body.name) and branches == {
        b.branch_id: b.name for b in body.branches
    }
    if not same:
        raise ApiError(
            RejectionReason.DISTRIBUTOR_EXISTS,
            "distributor_id: this id is already registered with other details;"
            " change a distributor with PATCH /v1/distributors/{id}",
        )
    return existing


@router.patch("/distributors/{distributor_id}", response_model=schemas.Distributor, responses=errors(404, 422))
async def update_distributor(
    distributor_id: EntityId, body: schemas.DistributorPatch, principal: CurrentPrincipal, service: CurrentService
) -> Any:
    """Rename a distributor. National office or the admin of the distributor's region."""
    async with service.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
        if found is None:
            if principal.role is Role.NATIONAL:
                raise not_found("distributor")
            raise principal.forbid("change this distributor")
        if not access.manages_region(principal, found["region_id"]):
            raise principal.forbid("change this distributor")
        if body.name is not None:
            await store.rename_distributor(conn, distributor_id, body.name)
        return await store.distributor(conn, distributor_id)


@router.get("/distributors", response_model=schemas.Distributors, responses=errors())
async def list_distributors(
    principal: CurrentPrincipal, service: CurrentService, region_id: EntityId | None = None
) -> Any:
    """The national office sees all (or one region's), a region admin its region's, a distributor itself."""
    distributor_id = None
    if principal.role is Role.DISTRIBUTOR:
        distributor_id = principal.org
    elif principal.role is Role.REGION_ADMIN:
        if region_id not in (None, principal.region):
            raise principal.forbid("list another region's distributors")
        region_id = principal.region
    elif principal.role is not Role.NATIONAL:
        raise principal.forbid("list distributors")
    async with service.pool.acquire() as conn:
        return {"distributors": await store.distributors(conn, region_id=region_id, distributor_id=distributor_id)}


@router.get("/distributors/{distributor_id}", response_model=schemas.Distributor, responses=errors(404))
async def get_distributor(distributor_id: EntityId, principal: CurrentPrincipal, service: CurrentService) -> Any:
    async with service.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
    if found is None:
        if access.is_distributor(principal, distributor_id) or principal.role is Role.NATIONAL:
            raise not_found(f"distributor {distributor_id}")
        raise principal.forbid("read this distributor")
    if not access.sees_distributor(principal, region_id=found["region_id"], distributor_id=distributor_id):
        raise principal.forbid("read this distributor")
    return found


@router.put(
    "/distributors/{distributor_id}/branches/{branch_id}", response_model=schemas.Distributor, responses=errors(404)
)
async def put_branch(
    distributor_id: EntityId,
    branch_id: EntityId,
    body: schemas.BranchName,
    principal: CurrentPrincipal,
    service: CurrentService,
) -> Any:
    """Add or rename a branch; its cards' statistics are kept per branch (§12). The distributor itself,
    its region's admin or the national office."""
    async with service.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
        if found is None:
            raise not_found(f"distributor {distributor_id}")
        if not access.sees_distributor(principal, region_id=found["region_id"], distributor_id=distributor_id):
            raise principal.forbid("change this distributor's branches")
        await store.upsert_branches(conn, distributor_id, [(branch_id, body.name)])
        return await store.distributor(conn, distributor_id)
