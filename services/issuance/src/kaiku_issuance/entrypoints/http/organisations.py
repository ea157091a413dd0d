"""Regions (with their trial and printed card stock) and distributors (with branches)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.http import issuance as schemas
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.service import CurrentService, CurrentUnitOfWork

from kaiku_issuance.adapters import organisations as store
from kaiku_issuance.adapters.organisations import Record, StoredRange
from kaiku_issuance.domain.refusals import RefusedError
from kaiku_issuance.domain.stock import CodeRange
from kaiku_issuance.entrypoints import access
from kaiku_issuance.entrypoints.http.common import errors, not_found, refused
from kaiku_issuance.service import organisations

router = APIRouter(prefix="/v1", tags=["regions and distributors"])


# -- regions ---------------------------------------------------------------------------------------
@router.post("/regions", status_code=201, response_model=schemas.Region, responses=errors(409, 422))
async def create_region(
    body: schemas.RegionIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork, service: CurrentService
) -> Any:
    """Register a region. National office only.

    A POST never changes a region: the same body answers as the first time, another one is 409
    `region_exists` (changes go through `PATCH`, so re-posting without the trial date cannot end a trial).
    """
    principal.require_role(Role.NATIONAL, what="create regions")
    access.region_here(service.regions, body.region_id)
    try:
        return await organisations.register_region(uow, body.region_id, body.name, body.trial_ends_on)
    except RefusedError as exc:
        raise refused(exc.refusal) from None


@router.get("/regions", response_model=schemas.Regions, responses=errors())
async def list_regions(principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    """Every region for the national office; a region admin sees its own."""
    wanted = access.listed_regions(principal)
    async with uow.pool.acquire() as conn:
        return {"regions": await store.regions(conn, wanted)}


@router.get("/regions/{region_id}", response_model=schemas.Region, responses=errors(404))
async def get_region(region_id: EntityId, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    """A region and its trial end: the national office and the region's own admins, distributors and venues."""
    if not access.reads_region(principal, region_id):
        raise principal.forbid("read another region")
    async with uow.pool.acquire() as conn:
        found = await store.regions(conn, region_id)
    if not found:
        raise not_found(f"region {region_id}")
    return found[0]


@router.patch("/regions/{region_id}", response_model=schemas.Region, responses=errors(404, 422))
async def update_region(
    region_id: EntityId, body: schemas.RegionPatch, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> Any:
    """Rename a region, move its trial's end, or make it permanent (`"trial_ends_on": null`). National office.

    Cards granted afterwards get twelve months, or until the new end if that comes first (§2, seed 002);
    cards already granted keep the date written on them.
    """
    principal.require_role(Role.NATIONAL, what="change regions")
    try:
        updated = await organisations.update_region(uow, region_id, body.model_dump(include=body.model_fields_set))
    except RefusedError as exc:
        raise refused(exc.refusal) from None
    if updated is None:
        raise not_found(f"region {region_id}")
    return updated


# -- printed card stock ----------------------------------------------------------------------------
@router.post(
    "/regions/{region_id}/card-ranges", status_code=201, response_model=schemas.CodeRange, responses=errors(404, 422)
)
async def add_card_range(
    region_id: EntityId, body: schemas.CodeRangeIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork
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
    try:
        added = await organisations.add_card_range(uow, region_id, candidate)
    except RefusedError as exc:
        raise refused(exc.refusal) from None
    if added is None:
        raise not_found(f"region {region_id}")
    return range_view(added)


@router.get("/regions/{region_id}/card-ranges", response_model=schemas.CodeRanges, responses=errors())
async def list_card_ranges(region_id: EntityId, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    """The region's printed code ranges: the national office, the region's admins and its distributors."""
    if not access.sees_card_stock(principal, region_id):
        raise principal.forbid("read this region's card stock")
    async with uow.pool.acquire() as conn:
        return {"ranges": [range_view(r) for r in await store.code_ranges(conn, region_id)]}


@router.delete("/regions/{region_id}/card-ranges/{range_id}", status_code=204, responses=errors(404))
async def delete_card_range(
    region_id: EntityId, range_id: int, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> Response:
    """Forget a range (cards already granted stay). With no ranges left, any code is accepted again."""
    if not access.manages_region(principal, region_id):
        raise principal.forbid("manage this region's card stock")
    if not await organisations.delete_card_range(uow, region_id, range_id):
        raise not_found(f"range {range_id} of region {region_id}")
    return Response(status_code=204)


# -- distributors ----------------------------------------------------------------------------------
@router.post("/distributors", status_code=201, response_model=schemas.Distributor, responses=errors(409, 422))
async def create_distributor(
    body: schemas.DistributorIn, principal: CurrentPrincipal, uow: CurrentUnitOfWork, service: CurrentService
) -> Any:
    """Register a distributor with its branches. National office or the region's admin.

    A POST never changes a distributor: the same body answers as the first time, another one is 409
    `distributor_exists` (rename with `PATCH /v1/distributors/{id}`, add branches with `PUT .../branches/{id}`).
    """
    if not access.manages_region(principal, body.region_id):
        raise principal.forbid("add distributors to this region")
    access.region_here(service.regions, body.region_id)
    branches = [(b.branch_id, b.name) for b in body.branches]
    try:
        return await organisations.register_distributor(uow, body.distributor_id, body.region_id, body.name, branches)
    except RefusedError as exc:
        raise refused(exc.refusal) from None


@router.patch("/distributors/{distributor_id}", response_model=schemas.Distributor, responses=errors(404, 422))
async def update_distributor(
    distributor_id: EntityId, body: schemas.DistributorPatch, principal: CurrentPrincipal, uow: CurrentUnitOfWork
) -> Any:
    """Rename a distributor. National office or the admin of the distributor's region."""
    async with uow.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
    if found is None:
        if principal.role is Role.NATIONAL:
            raise not_found("distributor")
        raise principal.forbid("change this distributor")
    if not access.manages_region(principal, found["region_id"]):
        raise principal.forbid("change this distributor")
    return await organisations.rename_distributor(uow, distributor_id, body.name)


@router.get("/distributors", response_model=schemas.Distributors, responses=errors())
async def list_distributors(
    principal: CurrentPrincipal, uow: CurrentUnitOfWork, region_id: EntityId | None = None
) -> Any:
    """The national office sees all (or one region's), a region admin its region's, a distributor itself."""
    distributor_id, region_id = access.listed_distributors(principal, region_id=region_id)
    async with uow.pool.acquire() as conn:
        return {"distributors": await store.distributors(conn, region_id=region_id, distributor_id=distributor_id)}


@router.get("/distributors/{distributor_id}", response_model=schemas.Distributor, responses=errors(404))
async def get_distributor(distributor_id: EntityId, principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> Any:
    async with uow.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
    if found is None:
        if access.learns_distributor_is_unknown(principal, distributor_id):
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
    uow: CurrentUnitOfWork,
) -> Any:
    """Add or rename a branch; its cards' statistics are kept per branch (§12). The distributor itself,
    its region's admin or the national office."""
    async with uow.pool.acquire() as conn:
        found = await store.distributor(conn, distributor_id)
    if found is None:
        raise not_found(f"distributor {distributor_id}")
    if not access.sees_distributor(principal, region_id=found["region_id"], distributor_id=distributor_id):
        raise principal.forbid("change this distributor's branches")
    return await organisations.put_branch(uow, distributor_id, branch_id, body.name)


def range_view(stored: StoredRange) -> Record:
    code_range = stored.code_range
    return {
        "range_id": stored.range_id,
        "region_id": stored.region_id,
        "prefix": code_range.prefix,
        "first": code_range.first,
        "last": code_range.last,
        "digits": code_range.digits,
        "label": code_range.label,
        "size": code_range.last - code_range.first + 1,
    }
