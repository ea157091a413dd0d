"""The open-data feed (seed 001 "Tilastot-sivu"; docs/contract.md `GET /v1/open/...`): the published figures only.

Anyone may read it without a token, so it carries exactly what the national office's answers carry
for the same scope and period: exact counts, holder breakdowns as protected with every other published
table (docs/stats.md "Disclosure control"). JSON is the published body with the licence and the source
beside it; CSV is the same figures in long form (one row per figure and group), whose columns never
change, so a newspaper's script keeps working as figures are added.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from enum import StrEnum
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Query, Request, Response
from kaiku_contracts.envelope import EntityId
from kaiku_contracts.http.stats import (
    OPEN_DATA_CSV_COLUMNS,
    OPEN_DATA_LICENCE,
    OPEN_DATA_LICENCE_URL,
    OpenFigures,
    OpenRegions,
)
from kaiku_runtime.service import CurrentUnitOfWork

from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.entrypoints.http import K, PeriodQuery, view
from kaiku_stats.service.figures import published_figures, regions_side_by_side

LICENCE = OPEN_DATA_LICENCE
LICENCE_URL = OPEN_DATA_LICENCE_URL
ATTRIBUTION = "Kaikukortti, the national Kaikukortti office"
CACHE_SECONDS = 300
"""How long a reader (or a proxy in front of the service) may reuse an answer: a newspaper linking the
feed costs the service one answer per five minutes per URL, and the figures move slowly."""

CSV_COLUMNS = OPEN_DATA_CSV_COLUMNS


def open_body(published: dict[str, Any]) -> dict[str, Any]:
    """The published figures with the licence; checked against the committed schema's model, so a figure
    added to the answers cannot reach the feed without the schema saying what it is."""
    body = _licensed(published)
    OpenFigures.model_validate(body)
    return body


def _licensed(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "licence": LICENCE, "licence_url": LICENCE_URL, "attribution": ATTRIBUTION}


def open_regions_body(period: str, regions: list[dict[str, Any]]) -> dict[str, Any]:
    """The regions side by side with the licence, checked against the committed schema's model."""
    body = _licensed({"period": period, "regions": regions})
    OpenRegions.model_validate(body)
    return body


def to_csv(body: dict[str, Any]) -> str:
    """Long form: `value` empty where a cell is suppressed (or a breakdown is not published)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    _figure_rows(writer, body)
    context = (body["period"], body["scope"], body.get("region_id") or "")
    writer.writerow((*context, "licence", "", f"{LICENCE} {LICENCE_URL}; {ATTRIBUTION}"))
    return out.getvalue()


def regions_to_csv(body: dict[str, Any]) -> str:
    """The comparison in the same long form as every open CSV: one region's figures after another."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in body["regions"]:
        _figure_rows(writer, {"period": body["period"], "scope": "region", **row})
    writer.writerow((body["period"], "region", "", "licence", "", f"{LICENCE} {LICENCE_URL}; {ATTRIBUTION}"))
    return out.getvalue()


def _figure_rows(writer: Any, body: dict[str, Any]) -> None:
    context = (body["period"], body["scope"], body.get("region_id") or "")
    for figure, value in body.items():
        if figure in ("period", "scope", "region_id", "licence", "licence_url", "attribution"):
            continue
        if isinstance(value, dict):
            for group, cell in value.items():
                writer.writerow((*context, figure, group, "" if cell is None else cell))
        elif value is None:
            writer.writerow((*context, figure, "", ""))
        else:
            writer.writerow((*context, figure, "", _scalar(value)))


def _scalar(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def etag(content: str) -> str:
    return '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'


def json_text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


router = APIRouter(prefix="/v1", tags=["stats"])


class OpenFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


OpenFormatQuery = Annotated[OpenFormat, Query(description="`json` (default) or `csv` (one row per figure and group)")]


async def _open_answer(
    request: Request, pool: asyncpg.Pool, region_id: str, period: str, k: int, fmt: OpenFormat
) -> Response:
    """The published figures of the nation (`region_id` NATIONAL) or a region, with cache headers; 304 on a match."""
    result, holders = await published_figures(pool, region_id, period, k)
    where = {"scope": "national"} if region_id == NATIONAL else {"scope": "region", "region_id": region_id}
    body = open_body(view(result, holders, k=k, **where))
    return _cached(request, to_csv(body) if fmt is OpenFormat.CSV else json_text(body), fmt)


def _cached(request: Request, content: str, fmt: OpenFormat) -> Response:
    """The answer with cache headers (a newspaper linking it costs one answer per max-age); 304 on a match."""
    media = "text/csv; charset=utf-8" if fmt is OpenFormat.CSV else "application/json"
    tag = etag(content)
    headers = {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}",
        "ETag": tag,
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=media, headers=headers)


@router.get("/open/national", tags=["open data"], summary="Open data (CC BY 4.0): the country's published figures")
async def open_national(
    request: Request, uow: CurrentUnitOfWork, k: K, period: PeriodQuery, format: OpenFormatQuery = OpenFormat.JSON
) -> Response:
    """No token: the figures the national office publishes, holder breakdowns protected (docs/stats.md)."""
    return await _open_answer(request, uow.pool, NATIONAL, period, k, format)


@router.get("/open/regions", tags=["open data"], summary="Open data (CC BY 4.0): every region side by side")
async def open_regions(
    request: Request, uow: CurrentUnitOfWork, period: PeriodQuery, format: OpenFormatQuery = OpenFormat.JSON
) -> Response:
    """No token: each region's cards issued and active, uses, cards used and usage rate, for comparing regions;
    the same counts each region's own answer publishes, no holder breakdown (docs/stats.md)."""
    body = open_regions_body(period, await regions_side_by_side(uow.pool, period))
    return _cached(request, regions_to_csv(body) if format is OpenFormat.CSV else json_text(body), format)


@router.get(
    "/open/regions/{region_id}", tags=["open data"], summary="Open data (CC BY 4.0): a region's published figures"
)
async def open_region(
    request: Request,
    region_id: EntityId,
    uow: CurrentUnitOfWork,
    k: K,
    period: PeriodQuery,
    format: OpenFormatQuery = OpenFormat.JSON,
) -> Response:
    """No token: the figures published for the region, holder breakdowns protected (docs/stats.md)."""
    return await _open_answer(request, uow.pool, region_id, period, k, format)
