"""HTTP entrypoints of issuance (docs/contract.md): thin, they parse, check scope and call the handlers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from kaiku_runtime.auth import CurrentPrincipal, Role, org_in_token_region
from kaiku_runtime.service import CurrentService

from kaiku_issuance.routes import cards, imports, organisations


async def _distributor_in_its_region(principal: CurrentPrincipal, service: CurrentService) -> None:
    """A distributor token speaks only for a distributor of its own `region` claim.

    See docs/contract.md "Authentication".
    """
    if principal.role is Role.DISTRIBUTOR and principal.org:
        region = await service.pool.fetchval(
            "SELECT region_id FROM distributors WHERE distributor_id = $1", principal.org
        )
        if not org_in_token_region(principal, region):
            raise principal.forbid(f"act for distributor {principal.org}, which is not in region {principal.region}")


router = APIRouter(dependencies=[Depends(_distributor_in_its_region)])
router.include_router(organisations.router)
router.include_router(cards.router)
router.include_router(imports.router)
