"""HTTP entrypoints of issuance (docs/contract.md): thin, they parse, check scope (entrypoints/access.py),
call a use case (service/) and build the answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from kaiku_runtime.auth import CurrentPrincipal, Role, org_in_token_region
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_issuance.adapters import organisations as store
from kaiku_issuance.entrypoints import access
from kaiku_issuance.entrypoints.http import cards, imports, organisations


async def _distributor_in_its_region(principal: CurrentPrincipal, uow: CurrentUnitOfWork) -> None:
    """A distributor token speaks only for a distributor of its own `region` claim.

    See docs/contract.md "Authentication".
    """
    if principal.role is Role.DISTRIBUTOR and principal.org:
        async with uow.pool.acquire() as conn:
            region = await store.distributor_region(conn, principal.org)
        if not org_in_token_region(principal, region):
            raise principal.forbid(f"act for distributor {principal.org}, which is not in region {principal.region}")


router = APIRouter(dependencies=[Depends(access.region_served_here), Depends(_distributor_in_its_region)])
router.include_router(organisations.router)
router.include_router(cards.router)
router.include_router(imports.router)
