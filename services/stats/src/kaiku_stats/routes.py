"""HTTP routes of stats (docs/contract.md), scoped by role.

A venue sees only its own site, a distributor only its own cards, a region admin only its region
(exact figures of its own scope); the national office sees everything with holder breakdowns
protected together with everything else published (docs/stats.md "Disclosure control"), since
its figures are published onwards (§12).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.stats import Period
from kaiku_runtime.auth import CurrentPrincipal, Principal, Role
from kaiku_runtime.errors import ApiError
from kaiku_runtime.service import CurrentService

from kaiku_stats import open_data, queries, report, watch
from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import Figures
from kaiku_stats.domain.publication import NOT_PUBLISHED, PublishedHolders
from kaiku_stats.protected import protected_year
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


def _view(result: Figures, holders: PublishedHolders | None, *, k: int, **extra: Any) -> dict[str, Any]:
    """Exact figures (`holders` None: the reader's own scope) or the published ones with the protected breakdowns."""
    body = result.exact() if holders is None else result.published(holders, k)
    body.update(extra)
    return body


async def _published_figures(
    conn: asyncpg.Connection, scope: queries.Scope, region_id: str, period: str, k: int
) -> tuple[Figures, PublishedHolders]:
    """A scope's figures and its holder breakdowns as protected with the whole year (docs/stats.md), read from
    one snapshot of the projection so that they agree."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        protected = await protected_year(conn, int(period[:4]), k)
        result = await queries.figures(conn, scope, period, helsinki_today())
    return result, protected.holders(region_id, period)


@router.get("/stats/national", summary="Country figures of a period (holder breakdowns protected)")
async def national(principal: CurrentPrincipal, service: CurrentService, k: K, period: PeriodQuery) -> dict[str, Any]:
    principal.require_role(Role.NATIONAL, what="read national statistics")
    async with service.pool.acquire() as conn:
        result, holders = await _published_figures(conn, queries.national_scope(), NATIONAL, period, k)
    return _view(result, holders, k=k, scope="national")


@router.get("/stats/regions/{region_id}", summary="A region's figures: its venues' uses and the cards it issued")
async def region(
    region_id: EntityId, principal: CurrentPrincipal, service: CurrentService, k: K, period: PeriodQuery
) -> dict[str, Any]:
    if not (principal.role is Role.NATIONAL or principal.is_region_admin_of(region_id)):
        raise principal.forbid(f"read the statistics of region {region_id}")
    async with service.pool.acquire() as conn:
        if principal.role is Role.REGION_ADMIN:  # its own region: exact
            result, holders = (
                await queries.figures(conn, queries.region_scope(region_id), period, helsinki_today()),
                None,
            )
        else:
            result, holders = await _published_figures(conn, queries.region_scope(region_id), region_id, period, k)
    return _view(result, holders, k=k, scope="region", region_id=region_id)


@router.get("/stats/venues/{venue_id}", summary="A venue's usage of its own site, per performance")
async def venue(
    venue_id: EntityId,
    principal: CurrentPrincipal,
    service: CurrentService,
    k: K,
    period: PeriodQuery,
    performance_id: Annotated[EntityId | None, Query(description="only this performance")] = None,
) -> dict[str, Any]:
    async with service.pool.acquire() as conn:
        venue_region = await queries.venue_region(conn, venue_id)
        allowed = (
            principal.role is Role.NATIONAL
            or (principal.role is Role.VENUE and principal.org == venue_id)
            or (principal.role is Role.REGION_ADMIN and venue_region in (None, principal.region))
        )
        if not allowed:
            raise principal.forbid(f"read the statistics of venue {venue_id}")
        scope = queries.venue_scope(venue_id, performance_id)
        result = await queries.figures(conn, scope, period, helsinki_today())
        performances = await queries.uses_by_performance(conn, venue_id, period)
    body = result.exact()
    out = {name: body[name] for name in VENUE_FIELDS}
    if performance_id is not None:
        performances = [p for p in performances if p["performance_id"] == performance_id]
    out.update(scope="venue", venue_id=venue_id, region_id=venue_region, performance_id=performance_id)
    out["performances"] = performances
    return out


@router.get("/stats/distributors/{distributor_id}", summary="Figures of the cards a distributor (or branch) issued")
async def distributor(
    distributor_id: EntityId,
    principal: CurrentPrincipal,
    service: CurrentService,
    k: K,
    period: PeriodQuery,
    branch_id: Annotated[EntityId | None, Query(description="only this branch's cards")] = None,
) -> dict[str, Any]:
    async with service.pool.acquire() as conn:
        distributor_region = await queries.distributor_region(conn, distributor_id)
        own = principal.role is Role.DISTRIBUTOR and principal.org == distributor_id
        admin = principal.role is Role.REGION_ADMIN and distributor_region in (None, principal.region)
        if not (own or admin or principal.role is Role.NATIONAL):
            raise principal.forbid(f"read the statistics of distributor {distributor_id}")
        scope = queries.distributor_scope(distributor_id, branch_id)
        result = await queries.figures(conn, scope, period, helsinki_today())
        branches = await queries.uses_by_branch(conn, distributor_id, period)
    # below the regions no holder breakdown is published (docs/stats.md "Disclosure control")
    return _view(
        result,
        NOT_PUBLISHED if principal.role is Role.NATIONAL else None,
        k=k,
        scope="distributor",
        distributor_id=distributor_id,
        branch_id=branch_id,
        region_id=distributor_region,
        branches=branches,
    )


class ReportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


@router.get(
    "/reports/annual",
    summary="Annual report of a region or (without region_id) the country: CSV, XLSX or printable HTML",
    responses={200: {"content": {"text/csv": {}, "text/html": {}, "application/vnd.ms-excel": {}}}},
)
async def annual_report(
    principal: CurrentPrincipal,
    service: CurrentService,
    k: K,
    year: Annotated[int, Query(ge=1900, le=2100)],
    region_id: Annotated[EntityId | None, Query(description="omit for the whole country (national only)")] = None,
    format: Annotated[ReportFormat, Query()] = ReportFormat.CSV,
) -> Response:
    _check_report_access(principal, region_id)
    async with service.pool.acquire() as conn:
        built = await report.build_report(conn, region_id, year, helsinki_today(), k)
    name = f"kaikukortti-{region_id or 'national'}-{year}"
    if format is ReportFormat.CSV:
        return Response(
            report.to_csv(built),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is ReportFormat.XLSX:
        return Response(
            report.to_xlsx(built),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(report.to_html(built), media_type="text/html; charset=utf-8")


def _check_report_access(principal: Principal, region_id: str | None) -> None:
    if principal.role is Role.NATIONAL:
        return
    if region_id is None:
        if principal.role is Role.REGION_ADMIN:
            raise ApiError(RejectionReason.INVALID_REQUEST, "region_id is required: a region admin reports its region")
        raise principal.forbid("read the national annual report")
    if not principal.is_region_admin_of(region_id):
        raise principal.forbid(f"read the annual report of region {region_id}")


class OpenFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


OpenFormatQuery = Annotated[OpenFormat, Query(description="`json` (default) or `csv` (one row per figure and group)")]


async def _open_answer(
    request: Request, pool: asyncpg.Pool, region_id: str, period: str, k: int, fmt: OpenFormat
) -> Response:
    """The published figures of the nation (`region_id` NATIONAL) or a region, with cache headers; 304 on a match."""
    scope = queries.national_scope() if region_id == NATIONAL else queries.region_scope(region_id)
    async with pool.acquire() as conn:
        result, holders = await _published_figures(conn, scope, region_id, period, k)
    where = {"scope": "national"} if region_id == NATIONAL else {"scope": "region", "region_id": region_id}
    body = open_data.open_body(_view(result, holders, k=k, **where))
    if fmt is OpenFormat.CSV:
        content, media = open_data.to_csv(body), "text/csv; charset=utf-8"
    else:
        content, media = open_data.json_text(body), "application/json"
    tag = open_data.etag(content)
    headers = {
        "Cache-Control": f"public, max-age={open_data.CACHE_SECONDS}",
        "ETag": tag,
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media, headers=headers)


@router.get("/open/national", tags=["open data"], summary="Open data (CC BY 4.0): the country's published figures")
async def open_national(
    request: Request, service: CurrentService, k: K, period: PeriodQuery, format: OpenFormatQuery = OpenFormat.JSON
) -> Response:
    """No token: the figures the national office publishes, holder breakdowns protected (docs/stats.md)."""
    return await _open_answer(request, service.pool, NATIONAL, period, k, format)


@router.get(
    "/open/regions/{region_id}", tags=["open data"], summary="Open data (CC BY 4.0): a region's published figures"
)
async def open_region(
    request: Request,
    region_id: EntityId,
    service: CurrentService,
    k: K,
    period: PeriodQuery,
    format: OpenFormatQuery = OpenFormat.JSON,
) -> Response:
    """No token: the figures published for the region, holder breakdowns protected (docs/stats.md)."""
    return await _open_answer(request, service.pool, region_id, period, k, format)


@router.get("/flags", summary="The misuse watch's flags of a region (newest first)")
async def flags(
    principal: CurrentPrincipal,
    service: CurrentService,
    region_id: Annotated[EntityId | None, Query(description="required for a region_admin (its own region)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """National: every region's flags, or one region's; a region admin: its own region's (docs/stats.md)."""
    if principal.role is Role.REGION_ADMIN:
        region_id = region_id or principal.region
        if region_id is None or not principal.is_region_admin_of(region_id):
            raise principal.forbid(f"read the flags of region {region_id}")
    elif principal.role is not Role.NATIONAL:
        raise principal.forbid("read the misuse watch's flags")
    async with service.pool.acquire() as conn:
        found = await watch.flags_of(conn, region_id, limit)
    return {"region_id": region_id, "flags": found}
