"""The coordinator's list of uses (§9.3): a region's uses filtered by venue, performance, channel, card and
dates, exported in the venue report's layout (§9.2, CSV and XLSX), and the venues that recorded no use in
a month (whose report the coordinator is still waiting for). The national office sees any region's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.enums import Channel
from kaiku_contracts.http.common import is_card_code, is_entity_id
from kaiku_contracts.http.stats import RegionUses
from kaiku_runtime.auth import Role

from kaiku_portal.adapters.upstream import Rejection, Services
from kaiku_portal.domain.accounts import Person, Session
from kaiku_portal.domain.use_list import as_csv, as_xlsx, file_name, report_rows
from kaiku_portal.entrypoints.access import region_asked, role
from kaiku_portal.entrypoints.http.web import CurrentServices, render
from kaiku_portal.i18n import translate

router = APIRouter()
Reader = Annotated[Session, role(Role.REGION_ADMIN, Role.NATIONAL)]
SHOWN = 200
"""Uses shown on the page; the export carries up to stats' own cap (docs/stats.md "Uses")."""
EXPORTED = 5000
CHANNELS = tuple(channel.value for channel in Channel if channel is not Channel.WEB_SHOP)  # §8: never a use


def _filters(query: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The filters as sent to stats, and the fields at fault (key of the message)."""
    wanted = {name: query.get(name, "").strip() for name in ("venue_id", "performance_id", "channel", "card_code")}
    errors: dict[str, str] = {}
    for name in ("venue_id", "performance_id"):
        if wanted[name] and not is_entity_id(wanted[name]):
            errors[name] = "uses.error.id"
    if wanted["channel"] and wanted["channel"] not in CHANNELS:
        errors["channel"] = "uses.error.channel"
    if wanted["card_code"] and not is_card_code(wanted["card_code"]):
        errors["card_code"] = "uses.error.card_code"
    for name, sent in (("from", "from"), ("to", "to")):
        value = query.get(name, "").strip()
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                errors[name] = "uses.error.date"
        wanted[sent] = value
    return wanted, errors


async def _venue_names(services: Services, person: Person, region_id: str) -> dict[str, str]:
    return {venue.venue_id: venue.name for venue in await services.usage.venues(person, region_id)}


@router.get("/region/uses")
async def region_uses(request: Request, session: Reader, services: CurrentServices, region_id: str = "") -> Response:
    person = session.person
    region = region_asked(person, region_id)
    month = request.query_params.get("month", "").strip() or datetime.now(HELSINKI).strftime("%Y-%m")
    wanted, errors = _filters(dict(request.query_params))
    context: dict[str, Any] = {"values": wanted, "errors": errors, "region_id": region or "", "channels": CHANNELS,
                               "month": month, "uses": None, "venues": {}, "silent_venues": [],
                               "query": urlencode([(k, v) for k, v in request.query_params.multi_items()
                                                   if k not in ("month", "format")])}  # fmt: skip
    if region is None:  # the national office chooses a region first
        return render(request, "uses.html", "uses.title", **context)
    if not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()):
        errors["month"] = "uses.error.month"
    try:
        context["venues"] = await _venue_names(services, person, region)
        if not errors:
            context["uses"] = await services.stats.uses(person, region, limit=SHOWN, **wanted)
            reported = await services.stats.venues_with_uses(person, region, month)
            counted = {venue.venue_id for venue in reported.venues}
            context["silent_venues"] = sorted(
                (name, venue_id) for venue_id, name in context["venues"].items() if venue_id not in counted
            )
    except Rejection as refused:
        return render(request, "uses.html", "uses.title", rejection=refused, status=refused.status, **context)
    return render(request, "uses.html", "uses.title", status=422 if errors else 200, **context)


@router.get("/region/uses/export")
async def export_uses(
    request: Request, session: Reader, services: CurrentServices, region_id: str = "", format: str = "csv"
) -> Response:
    """The filtered list in the §9.2 layout, headers in the page's language."""
    person = session.person
    region = region_asked(person, region_id)
    wanted, errors = _filters(dict(request.query_params))
    if region is None or errors or format not in ("csv", "xlsx"):
        return Response(translate(request.state.lang, "uses.error.export"), status_code=422, media_type="text/plain")
    try:
        found: RegionUses = await services.stats.uses(person, region, limit=EXPORTED, **wanted)
        names = await _venue_names(services, person, region)
    except Rejection as refused:
        return Response(refused.detail, status_code=refused.status, media_type="text/plain")
    lang = request.state.lang
    rows = report_rows(found.uses, names, lambda key: translate(lang, key))
    name = file_name(region, wanted["from"], wanted["to"], datetime.now(HELSINKI))
    if format == "xlsx":
        content = as_xlsx(rows, translate(lang, "uses.sheet"))
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content, media = as_csv(rows), "text/csv; charset=utf-8"
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    )
