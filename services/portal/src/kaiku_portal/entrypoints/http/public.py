"""The public statistics page (seed 001 "Tilastot-sivu"): no sign-in, the open-data feed's figures."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.envelope import ID_PATTERN, PATTERN_MEANINGS
from kaiku_contracts.http.common import is_entity_id
from kaiku_contracts.schemas import DOCUMENT_MODELS
from kaiku_contracts.schemas import render as render_schema

from kaiku_portal.adapters.upstream import Rejection, Services, segment
from kaiku_portal.domain.charts import Bar, bars, usage_rates
from kaiku_portal.domain.formats import asked_period, current_year, valid_period
from kaiku_portal.entrypoints.http.coordination import stats_context
from kaiku_portal.entrypoints.http.web import CurrentServices, render

router = APIRouter()
OPEN_REGIONS_PATH = "/v1/open/regions"
SCHEMAS = {f"{model.__name__}.json": model for model in DOCUMENT_MODELS}
"""The open data's documented schemas, served beside the feed (the committed contracts/schemas/open-data/)."""
TREND = ("redemptions", "cards_issued")
"""The figures the public page draws month by month (seed 001 "Tilastot-sivu": the trend)."""


def _open_path(region_id: str) -> str:
    """The feed's path for the whole country ("") or a region; refused for something that is not a region id."""
    if not region_id:
        return "/v1/open/national"
    if not is_entity_id(region_id):  # the API's own id type: no path tricks from a query
        raise Rejection(422, "invalid_request", f"region_id: {PATTERN_MEANINGS[ID_PATTERN]}")
    return f"/v1/open/regions/{segment(region_id)}"


@router.get("/statistics")
async def statistics(request: Request, services: CurrentServices, period: str = "", region_id: str = "") -> Response:
    """The country's (or a region's) published figures for a year or a month; anyone may read them."""
    region_id = region_id.strip()
    asked = asked_period(period)
    if asked is None:  # refused in words, not quietly another period (issue 19)
        return render(request, "statistics.html", "open.title", status=422, period=period.strip(), period_refused=True,
                      region_id=region_id, has_figures=False, **stats_context(None))  # fmt: skip
    period = asked
    figures: dict[str, Any] | None = None
    rejection: Rejection | None = None
    months: list[tuple[str, list[Bar]]] = []
    regions: list[dict[str, Any]] = []
    try:
        figures = (await services.open_data(_open_path(region_id), period=period)).json()
        months = await _monthly_trend(services, _open_path(region_id), period[:4])
        if not region_id:  # the country's page compares its regions (seed 001 "Tilastot-sivu")
            regions = (await services.open_data(OPEN_REGIONS_PATH, period=period)).json()["regions"]
    except Rejection as refused:
        rejection = refused
    for row in regions:
        row["name"] = row["region_id"]  # the open data names regions by id only
    return render(
        request,
        "statistics.html",
        "open.title",
        status=rejection.status if rejection else 200,
        period=period,
        region_id=region_id,
        rejection=rejection,
        has_figures=figures is not None,
        months=months,
        year=period[:4],
        regions=regions,
        rate_chart=usage_rates(regions),
        **stats_context(figures),
    )


async def _monthly_trend(services: Services, path: str, year: str) -> list[tuple[str, list[Bar]]]:
    """The year's months from the open data itself (each month's own URL, kept as stats allows)."""
    answers = await asyncio.gather(*(services.open_data(path, period=f"{year}-{m:02d}") for m in range(1, 13)))
    published = [(f"{year}-{m:02d}", answer.json()) for m, answer in enumerate(answers, start=1)]
    return [(column, bars([(month, body.get(column)) for month, body in published])) for column in TREND]


@router.get("/statistics/feed")
async def feed(
    services: CurrentServices, period: str = "", region_id: str = "", format: str = "json", scope: str = ""
) -> Response:
    """The open-data feed through the portal (stats itself need not be reachable from outside); `scope=regions`:
    every region side by side."""
    period = period if valid_period(period) else str(current_year())
    region_id = region_id.strip()
    fmt = "csv" if format == "csv" else "json"
    try:
        path = OPEN_REGIONS_PATH if scope == "regions" else _open_path(region_id)
        answer = await services.open_data(path, period=period, format=fmt)
    except Rejection as rejection:
        return Response(rejection.detail, status_code=rejection.status, media_type="text/plain; charset=utf-8")
    headers = {name: answer.headers[name] for name in ("cache-control", "etag") if name in answer.headers}
    if fmt == "csv":
        name = f"kaikukortti-{_feed_name(scope, region_id)}-{period}.csv"
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers=headers)


def _feed_name(scope: str, region_id: str) -> str:
    return "regions" if scope == "regions" else region_id or "national"


@router.get("/statistics/schema/{name}")
async def schema(name: str) -> Response:
    """The feed's JSON Schema, so a newspaper's script can check what it reads (the same as the repository's)."""
    model = SCHEMAS.get(name)
    if model is None:
        return Response("no such schema", status_code=404, media_type="text/plain; charset=utf-8")
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(render_schema(model.model_json_schema()), media_type="application/schema+json", headers=headers)
