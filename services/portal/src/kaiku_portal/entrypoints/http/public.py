"""The public statistics page (seed 001 "Tilastot-sivu"): no sign-in, the open-data feed's figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.envelope import ID_PATTERN, PATTERN_MEANINGS
from kaiku_contracts.http.common import is_entity_id

from kaiku_portal.adapters.upstream import Rejection, segment
from kaiku_portal.domain.formats import asked_period, current_year, valid_period
from kaiku_portal.entrypoints.http.coordination import stats_context
from kaiku_portal.entrypoints.http.web import CurrentServices, render

router = APIRouter()


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
    try:
        figures = (await services.open_data(_open_path(region_id), period=period)).json()
    except Rejection as refused:
        rejection = refused
    return render(
        request,
        "statistics.html",
        "open.title",
        status=rejection.status if rejection else 200,
        period=period,
        region_id=region_id,
        rejection=rejection,
        has_figures=figures is not None,
        **stats_context(figures),
    )


@router.get("/statistics/feed")
async def feed(services: CurrentServices, period: str = "", region_id: str = "", format: str = "json") -> Response:
    """The open-data feed through the portal (stats itself need not be reachable from outside)."""
    period = period if valid_period(period) else str(current_year())
    region_id = region_id.strip()
    fmt = "csv" if format == "csv" else "json"
    try:
        answer = await services.open_data(_open_path(region_id), period=period, format=fmt)
    except Rejection as rejection:
        return Response(rejection.detail, status_code=rejection.status, media_type="text/plain; charset=utf-8")
    headers = {name: answer.headers[name] for name in ("cache-control", "etag") if name in answer.headers}
    if fmt == "csv":
        headers["Content-Disposition"] = f'attachment; filename="kaikukortti-{region_id or "national"}-{period}.csv"'
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers=headers)
