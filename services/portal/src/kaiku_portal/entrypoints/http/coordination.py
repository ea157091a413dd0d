"""Regional coordinators (distributors, venues, the region's statistics and annual report) and the national office."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any

import pygal
from babel.dates import get_month_names
from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.enums import VenueCategory
from kaiku_contracts.http.common import is_entity_id
from kaiku_contracts.http.issuance import DistributorIn, DistributorPatch, RegionIn, RegionPatch
from kaiku_contracts.http.stats import ANNUAL_REPORT_COLUMNS, AnnualReport, AnnualReportRow
from kaiku_contracts.http.usage import VenueIn, VenuePatch
from kaiku_runtime.auth import Role
from markupsafe import Markup
from pygal.style import Style

from kaiku_portal.adapters.upstream import Download, Rejection, Services
from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.charts import bars, monthly, usage_rates
from kaiku_portal.domain.formats import asked_period, current_year, show_number, valid_period
from kaiku_portal.domain.report_sheets import local_csv, with_venue_names
from kaiku_portal.entrypoints.access import checked_form, region_asked, role
from kaiku_portal.entrypoints.http.common import form_body
from kaiku_portal.entrypoints.http.web import CurrentServices, field, render
from kaiku_portal.i18n import translate

router = APIRouter()
Coordinator = Annotated[Session, role(Role.REGION_ADMIN)]
National = Annotated[Session, role(Role.NATIONAL)]
BREAKDOWNS = (
    "holders_by_age_group", "holders_by_gender", "holders_by_mother_tongue", "holders_by_life_situation",
    "redemptions_by_venue_category",
)  # fmt: skip
FIGURES = (
    "cards_issued", "cards_active", "redemptions", "adult_tickets", "child_tickets", "course_places",
    "distinct_cards_used",
)  # fmt: skip


async def _names(services: Services, session: Session, kind: str) -> dict[str, str]:
    """The region's distributors or venues by id (their names)."""
    person = session.person
    if kind == "distributor":
        return {d.distributor_id: d.name for d in await services.issuance.distributors(person, person.region_id)}
    return {v.venue_id: v.name for v in await services.usage.venues(person, person.region_id)}


async def _region_page(
    request: Request, session: Session, services: CurrentServices, *, status: int = 200, **context: Any
) -> Response:
    rejection = context.pop("rejection", None)
    try:
        distributors = await services.issuance.distributors(session.person, session.person.region_id)
        venues = await services.usage.venues(session.person, session.person.region_id)
    except Rejection as refused:
        distributors, venues = [], []
        rejection = rejection or refused
    return render(
        request,
        "region.html",
        "region.title",
        status=status,
        distributors=distributors,
        venues=venues,
        categories=[c.value for c in VenueCategory],
        rejection=rejection,
        **context,
    )


# The 409 of a POST whose id another region, distributor or venue already has (docs/contract.md): the
# portal says so instead of renaming it; a rename goes through the edit action, asked for first.
ID_TAKEN = {"region_exists", "distributor_exists", "venue_exists"}


def _taken(request: Request, rejection: Rejection, entity_id: str, names: dict[str, str]) -> str:
    """The refusal in words, naming what already has the id where the page's listing shows it."""
    lang = request.state.lang
    owner = names.get(entity_id)
    if owner:
        return translate(lang, "region.taken_by", id=entity_id, name=owner)
    return translate(lang, f"reason.{rejection.reason}")


async def _refused(
    request: Request, session: Session, services: CurrentServices, rejection: Rejection, entity_id: str, kind: str
) -> Response:
    """The region page after a service said no to an add; an id already taken is named in words."""
    if rejection.reason not in ID_TAKEN:
        return await _region_page(request, session, services, status=rejection.status, rejection=rejection)
    try:
        names = await _names(services, session, kind)
    except Rejection:
        names = {}
    error = _taken(request, rejection, entity_id, names)
    return await _region_page(request, session, services, status=rejection.status, error=error)


def _confirm(
    request: Request, action: str, what: str, changes: list[tuple[str, str]], fields: dict[str, str]
) -> Response:
    """The step before a change is made: what will change, and a button that makes it."""
    return render(request, "confirm_change.html", "change.title", action=action, what=what, changes=changes,
                  fields=fields)  # fmt: skip


@router.get("/region")
async def region(request: Request, session: Coordinator, services: CurrentServices) -> Response:
    return await _region_page(request, session, services)


@router.post("/region/distributors")
async def add_distributor(request: Request, session: Coordinator, services: CurrentServices) -> Response:
    form = await checked_form(request)
    distributor_id, name = field(form, "distributor_id"), field(form, "name")
    body = form_body(
        DistributorIn, {"distributor_id": distributor_id, "region_id": session.person.region_id, "name": name}
    )
    if body is None:
        return await _region_page(request, session, services, status=422, error_key="region.error.ids")
    try:
        await services.issuance.add_distributor(session.person, body)
    except Rejection as rejection:
        return await _refused(request, session, services, rejection, distributor_id, "distributor")
    return await _region_page(request, session, services, saved=name)


@router.post("/region/distributors/{distributor_id}")
async def edit_distributor(
    request: Request, distributor_id: str, session: Coordinator, services: CurrentServices
) -> Response:
    """Rename a distributor: first asked (the confirmation page), then `PATCH /v1/distributors/{id}`."""
    form = await checked_form(request)
    name, current = field(form, "name"), field(form, "current_name")
    body = form_body(DistributorPatch, {"name": name})
    if not is_entity_id(distributor_id) or body is None or body.name is None:
        return await _region_page(request, session, services, status=422, error_key="region.error.ids")
    if field(form, "confirmed") != "yes":
        return _confirm(request, f"/region/distributors/{distributor_id}", distributor_id,
                        [("region.name", f"{current} → {name}")], {"name": name, "current_name": current})  # fmt: skip
    try:
        await services.issuance.change_distributor(session.person, distributor_id, body)
    except Rejection as rejection:
        return await _region_page(request, session, services, status=rejection.status, rejection=rejection)
    return await _region_page(request, session, services, saved=name)


@router.post("/region/venues")
async def add_venue(request: Request, session: Coordinator, services: CurrentServices) -> Response:
    form = await checked_form(request)
    venue_id, name, category = field(form, "venue_id"), field(form, "name"), field(form, "category")
    values = {"venue_id": venue_id, "region_id": session.person.region_id, "name": name, "category": category,
              "agencies": _agency_ids(field(form, "agencies"))}  # fmt: skip
    body = form_body(VenueIn, values)
    if body is None:
        return await _region_page(request, session, services, status=422, error_key="region.error.ids")
    try:
        await services.usage.add_venue(session.person, body)
    except Rejection as rejection:
        return await _refused(request, session, services, rejection, venue_id, "venue")
    return await _region_page(request, session, services, saved=name)


def _agency_ids(text: str) -> list[str]:
    return [a.strip() for a in text.replace(";", ",").split(",") if a.strip()]


@router.post("/region/venues/{venue_id}")
async def edit_venue(request: Request, venue_id: str, session: Coordinator, services: CurrentServices) -> Response:
    """Rename a venue or change its agencies: first asked, then `PATCH /v1/venues/{id}`."""
    form = await checked_form(request)
    name, current = field(form, "name"), field(form, "current_name")
    agencies, current_agencies = _agency_ids(field(form, "agencies")), _agency_ids(field(form, "current_agencies"))
    if not is_entity_id(venue_id) or form_body(VenuePatch, {"name": name, "agencies": agencies}) is None:
        return await _region_page(request, session, services, status=422, error_key="region.error.ids")
    wanted: dict[str, Any] = {}
    changes: list[tuple[str, str]] = []
    if name != current:
        wanted["name"] = name
        changes.append(("region.name", f"{current} → {name}"))
    if agencies != current_agencies:
        wanted["agencies"] = agencies
        changes.append(("region.agencies", f"{', '.join(current_agencies) or '–'} → {', '.join(agencies) or '–'}"))
    body = form_body(VenuePatch, wanted)
    if not wanted or body is None:
        return await _region_page(request, session, services, error_key="change.nothing")
    if field(form, "confirmed") != "yes":
        fields = {"name": name, "current_name": current, "agencies": ", ".join(agencies),
                  "current_agencies": ", ".join(current_agencies)}  # fmt: skip
        return _confirm(request, f"/region/venues/{venue_id}", venue_id, changes, fields)
    try:
        await services.usage.change_venue(session.person, venue_id, body)
    except Rejection as rejection:
        return await _region_page(request, session, services, status=rejection.status, rejection=rejection)
    return await _region_page(request, session, services, saved=name)


def _period_refused(request: Request, template: str, title: str, period: str, **context: Any) -> Response:
    """A statistics page asked for a period it cannot read: the typed text stays in the field, marked, with
    the forms it accepts; no figures (those of another period would look like the answer)."""
    return render(request, template, title, status=422, period=period.strip(), period_refused=True, months=[],
                  has_figures=False, **stats_context(None), **context)  # fmt: skip


def stats_context(figures: dict[str, Any] | None) -> dict[str, Any]:
    figures = figures or {}
    return {
        "figures": [(key, figures.get(key)) for key in FIGURES],
        "usage_rate": figures.get("usage_rate"),
        "charts": [(key, bars(figures.get(key))) for key in BREAKDOWNS if figures.get(key)],
    }


@router.get("/region/stats")
async def region_stats(request: Request, session: Coordinator, services: CurrentServices, period: str = "") -> Response:
    asked = asked_period(period)
    if asked is None:
        return _period_refused(request, "region_stats.html", "stats.title", period, year=str(current_year()))
    period, year = asked, asked[:4]
    rejection: Rejection | None = None
    figures: dict[str, Any] | None = None
    try:
        figures = await services.stats.region(session.person, session.person.region_id, period)
    except Rejection as refused:
        rejection = refused
    months: list[Any] = []
    try:
        report = await services.stats.annual_report(session.person, session.person.region_id, year)
        months = [(column, monthly(report.rows, column)) for column in ("redemptions", "cards_issued")]
    except Rejection:
        months = []  # the figures above still show; the monthly chart needs the annual report
    return render(
        request,
        "region_stats.html",
        "stats.title",
        period=period,
        year=year,
        months=months,
        rejection=rejection,
        has_figures=figures is not None,
        **stats_context(figures),
    )


@router.get("/region/report")
async def annual_report(
    request: Request, session: Coordinator, services: CurrentServices, year: str = "", format: str = "csv"
) -> Response:
    year = year if valid_period(year) and len(year) == 4 else str(current_year())
    if format == LOCAL_CSV:
        return await _local_report(request, session, services, session.person.region_id, year)
    fmt = "xlsx" if format == "xlsx" else "csv"
    try:
        report: Download = await services.download(
            session.person, "stats", "/v1/reports/annual", region_id=session.person.region_id, year=year, format=fmt
        )
    except Rejection as rejection:
        return render(
            request,
            "region_stats.html",
            "stats.title",
            status=rejection.status,
            period=year,
            year=year,
            months=[],
            rejection=rejection,
            has_figures=False,
            **stats_context(None),
        )
    filename = report.filename or f"kaikukortti-{session.person.region_id}-{year}.{fmt}"
    return Response(
        await _venues_named(session, services, report, session.person.region_id),
        media_type=report.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _venues_named(session: Session, services: Services, report: Download, region_id: str | None) -> bytes:
    """The XLSX report with the names of its top venues beside their ids (usage knows them, stats does not);
    the report as stats wrote it when usage cannot list them just now, or for the CSV (INTERFACE.md's)."""
    if not report.media_type.startswith(XLSX_TYPE):
        return report.content
    try:  # usage lists one region's venues at a time: the national report's come from every region
        regions = [region_id] if region_id else [r.region_id for r in await services.issuance.regions(session.person)]
        listed = await asyncio.gather(*(services.usage.venues(session.person, region) for region in regions))
    except Rejection:
        return report.content
    return with_venue_names(report.content, {v.venue_id: v.name for venues in listed for v in venues})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOCAL_CSV = "csv-local"  # the portal's own format: the report as a spreadsheet in Finland reads it


async def _local_report(
    request: Request, session: Session, services: Services, region_id: str | None, year: str
) -> Response:
    """The annual report with Finnish conventions (domain/report_sheets.py), made from stats' JSON rows;
    the machine-readable CSV beside it is stats' own, unchanged (INTERFACE.md)."""
    lang = request.state.lang
    template, title = ("region_stats.html", "stats.title") if region_id else ("national.html", "national.title")
    try:
        report = await services.stats.annual_report(session.person, region_id, year)
    except Rejection as rejection:
        return render(request, template, title, status=rejection.status, period=year, year=year, months=[],
                      rejection=rejection, has_figures=False, values={}, **stats_context(None))  # fmt: skip
    headers = {column: translate(lang, f"figure.{column}") for column in ANNUAL_REPORT_COLUMNS[1:]}
    headers["period"] = translate(lang, "stats.period")
    content = local_csv(report.rows, headers, translate(lang, "stats.csv_year_total", year=year), lang)
    filename = f"kaikukortti-{region_id or 'national'}-{year}-{lang}.csv"
    return Response(content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


# -- The printable annual report (docs/portal/README.md): the JSON report in the page's language -----------

PRINT_COLUMNS = (*FIGURES, "usage_rate")
CHARTED = ("redemptions", "cards_issued")
_CHART_STYLE = Style(
    background="white", plot_background="white", colors=("#1f6f8b",), font_family="sans-serif",
    value_font_size=11, label_font_size=11,
)  # fmt: skip
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def month_chart(rows: list[AnnualReportRow], column: str, title: str, lang: str) -> Markup:
    """A column chart of one figure per month, as inline SVG drawn by pygal; its inline config script is left
    out (the pages allow no inline scripts, and print needs no tooltips)."""
    months = [row for row in rows if len(row.period) == len("YYYY-MM")]
    names = get_month_names("abbreviated", locale=lang)
    config = pygal.Config(
        js=[], disable_xml_declaration=True, explicit_size=True, width=720, height=300, show_legend=False,
        print_values=True, style=_CHART_STYLE,
    )  # fmt: skip
    chart = pygal.Bar(config)
    chart.x_labels = [names[int(row.period[5:])] for row in months]
    chart.value_formatter = lambda value: show_number(value, lang)
    chart.add(title, [getattr(row, column) for row in months])
    # pygal builds the SVG with an XML tree, so every text in it (month names, the series name) is escaped
    svg = _SCRIPT.sub("", str(chart.render(is_unicode=True)))
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(title)}" ', 1))  # noqa: S704


def print_context(report: AnnualReport, lang: str) -> dict[str, Any]:
    """The template's rows (month names in the page's language) and charts."""
    names = get_month_names("wide", locale=lang)
    rows = [
        (names[int(row.period[5:])] if len(row.period) == len("YYYY-MM") else None, row.model_dump())
        for row in report.rows
    ]
    charts = []
    for column in CHARTED:
        title = translate(lang, "stats.by_month", figure=translate(lang, f"figure.{column}"), year=report.year)
        charts.append((column, month_chart(report.rows, column, title, lang)))
    return {"report": report, "rows": rows, "columns": PRINT_COLUMNS, "charts": charts}


async def _print_page(request: Request, session: Session, services: Services, region_id: str | None,
                      year: str, back: str) -> Response:  # fmt: skip
    year = year if valid_period(year) and len(year) == 4 else str(current_year())
    try:
        report = await services.stats.annual_report(session.person, region_id, year)
    except Rejection as rejection:
        return render(request, "annual_report_print.html", "report_print.title", status=rejection.status,
                      rejection=rejection, year=year, back=back, report=None)  # fmt: skip
    return render(request, "annual_report_print.html", "report_print.title", year=year, back=back,
                  **print_context(report, request.state.lang))  # fmt: skip


@router.get("/region/report/print")
async def annual_report_print(
    request: Request, session: Coordinator, services: CurrentServices, year: str = ""
) -> Response:
    """The region's annual report as a printable page in the person's language."""
    return await _print_page(request, session, services, session.person.region_id, year, "/region/stats")


@router.get("/national/report/print")
async def national_report_print(
    request: Request, session: National, services: CurrentServices, year: str = ""
) -> Response:
    """The country's annual report as a printable page (holder breakdowns are not in it)."""
    return await _print_page(request, session, services, None, year, "/national")


@router.get("/national")
async def national(request: Request, session: National, services: CurrentServices, period: str = "") -> Response:
    asked = asked_period(period)
    if asked is None:
        return _period_refused(request, "national.html", "national.title", period, year=str(current_year()), values={})
    period = asked
    figures: dict[str, Any] | None = None
    rejection: Rejection | None = None
    try:
        figures = await services.stats.national(session.person, period)
    except Rejection as refused:
        rejection = refused
    return render(
        request,
        "national.html",
        "national.title",
        period=period,
        rejection=rejection,
        has_figures=figures is not None,
        **stats_context(figures),
        **await _national_dashboard(services, session, period),
    )


async def _national_dashboard(services: Services, session: Session, period: str) -> dict[str, Any]:
    """The year's months (the annual report's rows) and the regions side by side; either may be missing
    when its service does not answer, the figures above still show."""
    person = session.person
    months: list[tuple[str, Any]] = []
    regions: list[dict[str, Any]] = []
    try:
        report = await services.stats.annual_report(person, None, period[:4])
        months = [(column, monthly(report.rows, column)) for column in ("redemptions", "cards_issued")]
    except Rejection:
        pass
    try:
        regions = await services.stats.regions_side_by_side(person, period)
        names = {region.region_id: region.name for region in await services.issuance.regions(person)}
    except Rejection:
        names = {}
    for row in regions:
        row["name"] = names.get(row["region_id"], row["region_id"])
    regions.sort(key=lambda row: str(row["name"]))
    return {"months": months, "year": period[:4], "regions": regions, "rate_chart": usage_rates(regions)}


@router.get("/national/report")
async def national_report(
    request: Request,
    session: National,
    services: CurrentServices,
    year: str = "",
    format: str = "csv",
) -> Response:
    """The country's annual report (holder breakdowns suppressed, as published)."""
    year = year if valid_period(year) and len(year) == 4 else str(current_year())
    if format == LOCAL_CSV:
        return await _local_report(request, session, services, None, year)
    fmt = "xlsx" if format == "xlsx" else "csv"
    try:
        report = await services.download(session.person, "stats", "/v1/reports/annual", year=year, format=fmt)
    except Rejection as rejection:
        return render(
            request, "national.html", "national.title", status=rejection.status, period=year, has_figures=False,
            rejection=rejection, **stats_context(None),
        )  # fmt: skip
    filename = report.filename or f"kaikukortti-national-{year}.{fmt}"
    return Response(
        await _venues_named(session, services, report, None),
        media_type=report.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/national/regions")
async def add_region(request: Request, session: National, services: CurrentServices) -> Response:
    form = await checked_form(request)
    region_id, name, trial = field(form, "region_id"), field(form, "name"), field(form, "trial_ends_on")
    values = {"region_id": region_id, "name": name, "trial_ends_on": trial}
    body = form_body(RegionIn, {"region_id": region_id, "name": name} | ({"trial_ends_on": trial} if trial else {}))
    if body is None:
        error_key = (
            "region.error.ids" if form_body(RegionIn, {"region_id": region_id, "name": name}) is None else "error.date"
        )
        return _national_form(request, status=422, error_key=error_key, values=values)
    try:
        await services.issuance.add_region(session.person, body)
    except Rejection as rejection:
        taken = rejection.reason in ID_TAKEN
        return _national_form(request, status=rejection.status, rejection=None if taken else rejection,
                              error=_taken(request, rejection, region_id, {}) if taken else None,
                              values=values)  # fmt: skip
    return _national_form(request, saved=name)


def _national_form(request: Request, *, status: int = 200, **context: Any) -> Response:
    """The national page's forms (the figures are on the dashboard itself)."""
    context.setdefault("values", {})
    return render(request, "national.html", "national.title", status=status, period=str(current_year()),
                  has_figures=False, **stats_context(None), **context)  # fmt: skip


@router.post("/national/region-changes")
async def edit_region(request: Request, session: National, services: CurrentServices) -> Response:
    """Rename a region, or change or clear its trial: first asked, then `PATCH /v1/regions/{id}`. An
    empty trial date keeps the region's trial; only ticking "permanent" clears it."""
    form = await checked_form(request)
    region_id, name, trial = field(form, "region_id"), field(form, "name"), field(form, "trial_ends_on")
    permanent = field(form, "permanent") == "yes"
    values = {"edit_region_id": region_id, "edit_name": name, "edit_trial_ends_on": trial}
    if not is_entity_id(region_id):
        return _national_form(request, status=422, error_key="region.error.ids", values=values)
    wanted: dict[str, Any] = {}
    changes: list[tuple[str, str]] = []
    lang = request.state.lang
    if name:
        wanted["name"] = name
        changes.append(("region.name", name))
    if permanent:
        wanted["trial_ends_on"] = None  # docs/contract.md: null makes the region permanent
        changes.append(("national.trial_ends_on", translate(lang, "change.permanent")))
    elif trial:
        wanted["trial_ends_on"] = trial
        changes.append(("national.trial_ends_on", trial))
    if not wanted:
        return _national_form(request, status=422, error_key="change.nothing", values=values)
    body = form_body(RegionPatch, wanted)
    if body is None:
        return _national_form(request, status=422, error_key="error.date", values=values)
    if field(form, "confirmed") != "yes":
        fields = {"region_id": region_id, "name": name, "trial_ends_on": trial, "permanent": "yes" if permanent else ""}
        return _confirm(request, "/national/region-changes", region_id, changes, fields)
    try:
        await services.issuance.change_region(session.person, region_id, body)
    except Rejection as rejection:
        return _national_form(request, status=rejection.status, rejection=rejection, values=values)
    return _national_form(request, saved=name or region_id)


@router.get("/flags")
async def flags(
    request: Request,
    session: Annotated[Session, role(Role.REGION_ADMIN, Role.NATIONAL)],
    services: CurrentServices,
    region_id: str = "",
) -> Response:
    """The misuse watch's flags: a coordinator's own region; the national office every region or one."""
    wanted = region_asked(session.person, region_id)
    found: list[dict[str, Any]] = []
    rejection: Rejection | None = None
    try:
        found = (await services.get(session.person, "stats", "/v1/flags", region_id=wanted))["flags"]
    except Rejection as refused:
        rejection = refused
    return render(request, "flags.html", "flags.title", flags=found, region_id=wanted or "", rejection=rejection,
                  status=rejection.status if rejection else 200)  # fmt: skip
