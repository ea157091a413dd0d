"""The annual report route (docs/contract.md `GET /v1/reports/annual`; §4.3, §12): CSV, JSON, XLSX or printable
HTML."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.http.stats import AnnualReport as AnnualReportBody
from kaiku_runtime.auth import CurrentPrincipal
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_stats.entrypoints import access
from kaiku_stats.entrypoints.http import K
from kaiku_stats.service import reports

router = APIRouter(prefix="/v1", tags=["stats"])


class ReportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"
    HTML = "html"


@router.get(
    "/reports/annual",
    summary="Annual report of a region or (without region_id) the country: CSV, JSON, XLSX or printable HTML",
    responses={
        200: {
            "model": AnnualReportBody,  # format=json
            "content": {"text/csv": {}, "text/html": {}, "application/vnd.ms-excel": {}},
        }
    },
)
async def annual_report(
    principal: CurrentPrincipal,
    uow: CurrentUnitOfWork,
    k: K,
    year: Annotated[int, Query(ge=1900, le=2100)],
    region_id: Annotated[EntityId | None, Query(description="omit for the whole country (national only)")] = None,
    format: Annotated[ReportFormat, Query()] = ReportFormat.CSV,
) -> Response:
    access.check_report(principal, region_id)
    built = await reports.build_report(uow.pool, region_id, year, helsinki_today(), k)
    name = f"kaikukortti-{region_id or 'national'}-{year}"
    if format is ReportFormat.CSV:
        return Response(
            reports.to_csv(built),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is ReportFormat.JSON:
        return JSONResponse(reports.to_json(built).model_dump(mode="json"))
    if format is ReportFormat.XLSX:
        return Response(
            reports.to_xlsx(built),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Response(reports.to_html(built), media_type="text/html; charset=utf-8")
