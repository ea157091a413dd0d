"""The coordinator's list of individual uses (§9.3; docs/stats.md "Uses"): a region admin lists and filters
its region's uses (the venue reports it receives are checked against them) and sees which venues have
recorded none in a month. Card codes are the cards' pseudonymous ids that the events carry anyway."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from kaiku_contracts.enums import Channel
from kaiku_contracts.envelope import CardCode, EntityId
from kaiku_contracts.http.stats import RegionUse, RegionUses, VenueUseCount, VenueUseCounts
from kaiku_runtime.auth import CurrentPrincipal
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_stats.adapters.uses import UseFilter
from kaiku_stats.entrypoints import access
from kaiku_stats.entrypoints.http import PeriodQuery
from kaiku_stats.service import uses

router = APIRouter(prefix="/v1", tags=["uses"])

MAX_LISTED = 5000
"""The longest list one answer carries; `total` says how many matched (narrow the filters for the rest)."""


@router.get("/uses", summary="A region's uses, newest first, filtered (the coordinator's list, §9.3)")
async def region_uses(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    region_id: EntityId,
    venue_id: EntityId | None = None,
    performance_id: EntityId | None = None,
    channel: Channel | None = None,
    card_code: CardCode | None = None,
    since: Annotated[date | None, Query(alias="from", description="the performance's day, Helsinki")] = None,
    until: Annotated[date | None, Query(alias="to", description="the performance's day, Helsinki")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 500,
) -> RegionUses:
    access.check_uses(principal, region_id)
    found = UseFilter(region_id, venue_id, performance_id, channel.value if channel else None, card_code, since, until)
    total, rows = await uses.region_uses(uow.pool, found, limit)
    return RegionUses(region_id=region_id, total=total, uses=[RegionUse.model_validate(row) for row in rows])


@router.get("/uses/venues", summary="A region's venues with uses in a period, and how many")
async def venues_with_uses(
    principal: CurrentPrincipal, uow: CurrentUnitOfWork, region_id: EntityId, period: PeriodQuery
) -> VenueUseCounts:
    access.check_uses(principal, region_id)
    rows = await uses.venues_with_uses(uow.pool, region_id, period)
    return VenueUseCounts(
        region_id=region_id, period=period, venues=[VenueUseCount.model_validate(row) for row in rows]
    )
