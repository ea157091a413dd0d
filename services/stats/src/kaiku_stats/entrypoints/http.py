"""HTTP routes of stats (docs/contract.md), scoped by role (entrypoints/access.py).

A venue sees only its own site, a distributor only its own cards, a region admin only its region
(exact figures of its own scope); the national office sees everything with holder breakdowns
protected together with everything else published (docs/stats.md "Disclosure control"), since
its figures are published onwards (§12). The annual report and the open data have their own
modules (entrypoints/reports.py, entrypoints/open_data.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.stats import Period
from kaiku_runtime.auth import CurrentPrincipal, Role
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import Figures
from kaiku_stats.domain.publication import NOT_PUBLISHED, PublishedHolders
from kaiku_stats.entrypoints import access
from kaiku_stats.service import figures, watch
from kaiku_stats.settings import StatsSettings

router = APIRouter(prefix="/v1", tags=["stats"])

VENUE_FIELDS = (
    "period",
    "redemptions",
    "adult_tickets",
    "child_tickets",
    "course_places",
    "distinct_cards_used",
    "uses_of_cards_from_other_regions",
    "redemptions_by_venue_category",
)


async def get_k(request: Request) -> int:
    settings = request.app.state.settings
    if not isinstance(settings, StatsSettings):
        settings = StatsSettings()
    k: int = settings.stats_suppression_k
    return k


K = Annotated[int, Depends(get_k)]
PeriodQuery = Annotated[Period, Query(description="`YYYY` or `YYYY-MM` (Europe/Helsinki)", examples=["2026-03"])]


def view(result: Figures, holders: PublishedHolders | None, *, k: int, **extra: Any) -> dict[str, Any]:
    """Exact figures (`holders` None: the reader's own scope) or the published ones with the protected breakdowns."""
    body = result.exact() if holders is None else result.published(holders, k)
    body.update(extra)
    return body


@router.get("/stats/national", summary="Country figures of a period (holder breakdowns protected)")
async def national(principal: CurrentPrincipal, uow: CurrentUnitOfWork, k: K, period: PeriodQuery) -> dict[str, Any]:
    access.check_national(principal)
    result, holders = await figures.published_figures(uow.pool, NATIONAL, period, k)
    return view(result, holders, k=k, scope="national")


@router.get("/stats/regions", summary="Every region's main figures of a period, side by side (national dashboard)")
async def regions(principal: CurrentPrincipal, uow: CurrentUnitOfWork, period: PeriodQuery) -> dict[str, Any]:
    """National office only: cards issued and active, uses, cards used and the usage rate per region."""
    access.check_national(principal)
    return {"period": period, "regions": await figures.regions_side_by_side(uow.pool, period)}


@router.get("/stats/regions/{region_id}", summary="A region's figures: its venues' uses and the cards it issued")
async def region(
    region_id: EntityId, principal: CurrentPrincipal, uow: CurrentUnitOfWork, k: K, period: PeriodQuery
) -> dict[str, Any]:
    access.check_region(principal, region_id)
    result: Figures
    holders: PublishedHolders | None
    if access.reads_exact_region(principal):  # its own region: exact
        result, holders = await figures.region_figures(uow.pool, region_id, period), None
    else:
        result, holders = await figures.published_figures(uow.pool, region_id, period, k)
    return view(result, holders, k=k, scope="region", region_id=region_id)


@router.get("/stats/venues/{venue_id}", summary="A venue's usage of its own site, per performance")
async def venue(
    venue_id: EntityId,
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    k: K,
    period: PeriodQuery,
    performance_id: Annotated[EntityId | None, Query(description="only this performance")] = None,
) -> dict[str, Any]:
    venue_region = await figures.venue_region(uow.pool, venue_id)
    access.check_venue(principal, venue_id, venue_region)
    result, performances, channels = await figures.venue_figures(uow.pool, venue_id, performance_id, period)
    body = result.exact()
    out = {name: body[name] for name in VENUE_FIELDS}
    out.update(scope="venue", venue_id=venue_id, region_id=venue_region, performance_id=performance_id)
    out["performances"] = performances
    out["channels"] = channels
    return out


@router.get("/stats/distributors/{distributor_id}", summary="Figures of the cards a distributor (or branch) issued")
async def distributor(
    distributor_id: EntityId,
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    k: K,
    period: PeriodQuery,
    branch_id: Annotated[EntityId | None, Query(description="only this branch's cards")] = None,
) -> dict[str, Any]:
    distributor_region = await figures.distributor_region(uow.pool, distributor_id)
    access.check_distributor(principal, distributor_id, distributor_region)
    result, branches = await figures.distributor_figures(uow.pool, distributor_id, branch_id, period)
    # below the regions no holder breakdown is published (docs/stats.md "Disclosure control")
    return view(
        result,
        NOT_PUBLISHED if principal.role is Role.NATIONAL else None,
        k=k,
        scope="distributor",
        distributor_id=distributor_id,
        branch_id=branch_id,
        region_id=distributor_region,
        branches=branches,
    )


@router.get("/flags", summary="The misuse watch's flags of a region (newest first)")
async def flags(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    region_id: Annotated[EntityId | None, Query(description="required for a region_admin (its own region)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """National: every region's flags, or one region's; a region admin: its own region's (docs/stats.md)."""
    region_id = access.flags_region(principal, region_id)
    found = await watch.flags_of(uow.pool, region_id, limit)
    return {"region_id": region_id, "flags": found}
