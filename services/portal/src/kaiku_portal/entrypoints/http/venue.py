"""Box-office clerks (§9): check a card, record a use, undo a mistaken one, performances, venue report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from babel.dates import format_time
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from kaiku_contracts.calendar import HELSINKI, helsinki_today
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.http.usage import CardStatus, Performance
from kaiku_contracts.identity_codes import opaque_id
from kaiku_contracts.limits import PerformanceKind, minimum_card_holder_limit
from kaiku_runtime.auth import Role
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from kaiku_portal.adapters.upstream import Rejection, segment
from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.box_office import (
    CLERK_CHANNELS,
    MAX_CHILD_TICKETS,
    USE_FIELDS,
    ClerkUse,
    TicketUse,
    UseFault,
    outcome_is_final,
    performance_day,
    remaining_places,
    ticket_use,
    validity,
)
from kaiku_portal.domain.codes import CARD_CODE, normalise_card_code
from kaiku_portal.domain.formats import local_datetime, locale, optional_int
from kaiku_portal.domain.forms import VENUE_REPORT
from kaiku_portal.entrypoints.access import checked_form, role
from kaiku_portal.entrypoints.http.distributor import MAX_UPLOAD_BYTES, row_results
from kaiku_portal.entrypoints.http.web import CurrentAccounts, CurrentLang, CurrentServices, field, render
from kaiku_portal.i18n import reason_text, translate
from kaiku_portal.service.clerk_uses import ClerkUses

router = APIRouter()
Clerk = Annotated[Session, role(Role.VENUE)]
PAST_PERFORMANCES = timedelta(days=366)  # "past performances": the last year's, to correct or cancel
# §9.2: the venue report's columns, in the order of the operating model's form
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"  # the form's `datetime-local` value, Helsinki wall clock


def show_time(moment: datetime, lang: str) -> str:
    """`18.05`: the time of day in Helsinki, as the page's language writes it."""
    return format_time(moment.astimezone(HELSINKI).replace(tzinfo=None), "short", locale=locale(lang))


def clerk_uses(store: CurrentAccounts) -> ClerkUses:
    return ClerkUses(store.pool)


CurrentClerkUses = Annotated[ClerkUses, Depends(clerk_uses)]


async def _performances(
    services: CurrentServices, session: Session, *, past: bool = False
) -> tuple[list[Performance], bool]:
    """The venue's performances (`past`: from a year back, cancelled ones too), and whether usage could list
    them (else the clerk types the id)."""
    since = datetime.now(UTC) - PAST_PERFORMANCES if past else None
    try:
        found = await services.usage.performances(
            session.person, session.person.org_id, since=since, include_cancelled=past
        )
    except Rejection:
        return [], False
    return found, True


def _chosen(performances: list[Performance], performance_id: str) -> Performance | None:
    return next((p for p in performances if p.performance_id == performance_id), None)


async def _box_office(
    request: Request,
    session: Session,
    services: CurrentServices,
    uses: ClerkUses,
    *,
    status: int = 200,
    performances: tuple[list[Performance], bool] | None = None,
    **context: Any,
) -> Response:
    lang: str = request.state.lang
    listed_performances, listed = performances or await _performances(services, session)
    shown = [p for p in listed_performances if not p.cancelled]
    context.setdefault("use", {})
    chosen = _chosen(shown, context["use"].get("performance_id", ""))
    answer: CardStatus | None = context.get("status_answer")
    card_validity = (
        validity(answer.valid_until, helsinki_today(), performance_day(chosen.starts_at if chosen else None))
        if answer is not None
        else None
    )
    return render(
        request,
        "box_office.html",
        "box.title",
        status=status,
        performances=shown,
        performances_listed=listed,
        remaining={p.performance_id: remaining_places(p.card_holder_limit, p.card_holders) for p in shown},
        chosen=chosen,
        validity=card_validity.value if card_validity is not None else None,
        recent=[(use, show_time(use.recorded_at, lang)) for use in await uses.today(session.person)],
        redemption_id=opaque_id(),
        channels=CLERK_CHANNELS,
        max_children=MAX_CHILD_TICKETS,
        card_code_pattern=CARD_CODE.pattern,  # the offline queue reduces a scanned code as the portal does
        time_zone=HELSINKI.key,  # and tells the time a use was made on Helsinki's clock
        **context,
    )


@router.get("/box-office")
async def box_office(
    request: Request,
    session: Clerk,
    services: CurrentServices,
    uses: CurrentClerkUses,
    code: str = "",
    performance_id: str = "",
) -> Response:
    """One step (§9.1): the scanned code shows at once whether the card is valid, until when, or why not."""
    status: CardStatus | None = None
    rejection: Rejection | None = None
    card_code = normalise_card_code(code) if code else None
    use = {"performance_id": performance_id}
    if code and card_code is None:
        return await _box_office(
            request, session, services, uses, status=422, checked=code, use=use, error_key="grant.error.card_code"
        )
    if card_code is not None:
        try:
            status = await services.usage.card_status(session.person, card_code)
        except Rejection as refused:
            rejection = refused
    if status is not None and status.valid:
        use["card_code"] = card_code or ""  # ready to record; a card that cannot be used is not carried over
    return await _box_office(
        request, session, services, uses, checked=card_code or "", status_answer=status, rejection=rejection, use=use
    )


async def _redeem(
    session: Session, services: CurrentServices, uses: ClerkUses, use: TicketUse
) -> tuple[list[Performance], bool]:
    """Send the use to usage's idempotent `POST /v1/redemptions` (the same `redemption_id` again records
    nothing twice) and, once accepted, list it among the clerk's uses for undo. The one way a use is
    recorded, from the form and from the offline queue alike; raises usage's `Rejection`. Gives the venue's
    performances as they are now (the places left after this use)."""
    body = {
        "redemption_id": use.redemption_id,
        "card_code": use.card_code,
        "venue_id": session.person.org_id,
        "performance_id": use.performance_id,
        "adult_tickets": use.adult_tickets,
        "child_tickets": use.child_tickets,
        "channel": use.channel,
    }
    await services.post(session.person, "usage", "/v1/redemptions", body)
    performances = await _performances(services, session)
    performance = _chosen(performances[0], use.performance_id)
    await uses.recorded(
        session.person,
        ClerkUse(
            redemption_id=use.redemption_id,
            card_code=use.card_code,
            performance_id=use.performance_id,
            performance_name=performance.name if performance is not None else use.performance_id,
            starts_at=performance.starts_at if performance is not None else None,
            adult_tickets=use.adult_tickets,
            child_tickets=use.child_tickets,
            recorded_at=datetime.now(UTC),
        ),
    )
    return performances


# -- offline box office (docs/portal/README.md, "Offline box office") ----------------------------------
OFFLINE_STATIC = Path(__file__).parents[2] / "static" / "offline"
# The worker's script lives under /box-office/ but keeps the page /box-office itself, one step up
OFFLINE_SCOPE = "/box-office"


@router.get("/box-office/sw.js")
async def offline_worker() -> Response:
    """The box office's service worker: keeps the page and its files for use without a network."""
    return Response(
        (OFFLINE_STATIC / "sw.js").read_bytes(),
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": OFFLINE_SCOPE, "Cache-Control": "no-cache"},
    )


@router.get("/box-office/manifest.webmanifest")
async def offline_manifest(lang: CurrentLang) -> JSONResponse:
    """The web app manifest: the box office installs as an app on a phone or tablet, opening the box office."""
    return JSONResponse(
        {
            "name": translate(lang, "offline.app_name"),
            "short_name": translate(lang, "offline.app_short_name"),
            "lang": lang,
            "start_url": OFFLINE_SCOPE,
            "scope": OFFLINE_SCOPE,
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b4f8a",
            "icons": [{"src": "/static/offline/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
        },
        media_type="application/manifest+json",
    )


@router.post("/box-office/uses")
async def record_use(request: Request, session: Clerk, services: CurrentServices, uses: CurrentClerkUses) -> Response:
    form = await checked_form(request)
    use = {key: field(form, key) for key in USE_FIELDS}
    # from the form: a double submit is one use
    entered = ticket_use(use, field(form, "redemption_id") or opaque_id())
    if isinstance(entered, UseFault):
        return await _box_office(request, session, services, uses, status=422, use=use, error_key=entered.value)
    kept = {"performance_id": use["performance_id"], "channel": use["channel"]}  # the next card's defaults
    code = entered.card_code
    try:
        performances = await _redeem(session, services, uses, entered)
    except Rejection as rejection:
        # the refused code is cleared from the form (the next scan starts afresh); the notice names it
        context: dict[str, Any] = {"refused_code": code}
        if rejection.reason == RejectionReason.CARD_EXPIRED.value:
            try:  # until when, to say whether it ends before the performance (§4)
                context["status_answer"] = await services.usage.card_status(session.person, code)
                context["checked"] = code
            except Rejection:
                pass
        return await _box_office(
            request, session, services, uses, status=rejection.status, use=kept, rejection=rejection, **context
        )
    return await _box_office(
        request, session, services, uses, status=201, recorded=entered, use=kept, performances=performances
    )


@router.post("/box-office/uses.json")
async def send_queued_use(
    request: Request, lang: CurrentLang, session: Clerk, services: CurrentServices, uses: CurrentClerkUses
) -> JSONResponse:
    """A use the clerk queued offline (docs/portal/README.md, "Offline box office"), sent by the page's script
    when the network is back: the same rules and the same recording as the form (`_redeem`). The answer says
    whether it is settled (`final`) and the outcome in the page's words; `made_at`, when the use was really
    made, is only echoed: usage judges the use as it arrives (there is no field for the moment of use)."""
    form = await checked_form(request)
    redemption_id = field(form, "redemption_id")
    entered = ticket_use({key: field(form, key) for key in USE_FIELDS}, redemption_id)
    answer: dict[str, Any] = {"redemption_id": redemption_id, "made_at": field(form, "made_at")}
    if not redemption_id or isinstance(entered, UseFault):  # a queued use always carries its own id
        key = entered.value if isinstance(entered, UseFault) else UseFault.FIELDS.value
        return JSONResponse(
            {**answer, "outcome": "refused", "reason": "invalid_request", "words": translate(lang, key), "final": True},
            status_code=422,
        )
    try:
        await _redeem(session, services, uses, entered)
    except Rejection as rejection:
        final = outcome_is_final(rejection.status)
        return JSONResponse(
            {
                **answer,
                "outcome": "refused" if final else "not_sent",
                "reason": rejection.reason,
                "words": reason_text(lang, rejection.reason),
                "final": final,
            },
            status_code=rejection.status,
        )
    return JSONResponse(
        {**answer, "outcome": "accepted", "words": translate(lang, "offline.accepted"), "final": True},
        status_code=201,
    )


@router.get("/box-office/uses/{redemption_id}/undo")
async def undo_page(request: Request, redemption_id: str, session: Clerk, uses: CurrentClerkUses) -> Response:
    use = await uses.find(session.person, redemption_id)
    return render(request, "undo.html", "undo.title", use=use, redemption_id=redemption_id)


@router.post("/box-office/uses/{redemption_id}/undo")
async def undo(
    request: Request, redemption_id: str, session: Clerk, services: CurrentServices, uses: CurrentClerkUses
) -> Response:
    await checked_form(request)
    use = await uses.find(session.person, redemption_id)
    try:
        await services.delete(session.person, "usage", f"/v1/redemptions/{segment(redemption_id)}")
    except Rejection as rejection:
        return render(
            request,
            "undo.html",
            "undo.title",
            status=rejection.status,
            use=use,
            redemption_id=redemption_id,
            rejection=rejection,
        )
    await uses.undone(session.person, redemption_id)
    kept = {"performance_id": use.performance_id} if use is not None else {}
    return await _box_office(request, session, services, uses, undone=use, undo_done=True, use=kept)


# -- performances ---------------------------------------------------------------------------------
KINDS = tuple(k.value for k in PerformanceKind)


def minimum_text(lang: str, capacity: int | None, kind: str, guest_producer: bool) -> str:
    """The card-holder limit's minimum for what the clerk has typed so far (§7.2.2, §7.2.3)."""
    if capacity is None or capacity < 0 or kind not in KINDS:
        return translate(lang, "perf.minimum_unknown")
    minimum = minimum_card_holder_limit(capacity, PerformanceKind(kind), guest_producer=guest_producer)
    rule = minimum.rule.split(":", 1)[0] if minimum.rule.startswith("§") else ""
    return translate(lang, "perf.minimum", minimum=minimum.value, rule=rule)


@router.get("/performances/minimum")
async def limit_minimum(
    lang: CurrentLang, session: Clerk, capacity: str = "", kind: str = "", guest_producer: str = ""
) -> HTMLResponse:
    try:
        places = optional_int(capacity)
    except ValueError:
        places = None
    return HTMLResponse(minimum_text(lang, places, kind, guest_producer in ("on", "true", "1")))


def _performance_form_context(lang: str, values: dict[str, str]) -> dict[str, Any]:
    try:
        capacity = optional_int(values.get("capacity"))
    except ValueError:
        capacity = None
    return {
        "values": values,
        "kinds": KINDS,
        "minimum": minimum_text(lang, capacity, values.get("kind", ""), values.get("guest_producer") == "on"),
    }


def _form_values(performance: Performance | None) -> dict[str, str]:
    """The form's fields: a performance's own values when the clerk edits it, else a new one's defaults."""
    if performance is None:
        return {"kind": "performance", "performance_id": ""}
    optional = {
        key: "" if value is None else str(value)
        for key, value in (
            ("card_holder_limit", performance.card_holder_limit),
            ("booking_opens_days_before", performance.booking_opens_days_before),
            ("redeem_from_minutes_before", performance.redeem_from_minutes_before),
        )
    }
    return {
        "performance_id": performance.performance_id,
        "name": performance.name,
        "starts_at": performance.starts_at.astimezone(HELSINKI).strftime(DATETIME_LOCAL),
        "capacity": str(performance.capacity),
        "kind": performance.kind.value,
        "guest_producer": "on" if performance.guest_producer else "",
        **optional,
    }


@router.get("/performances")
async def performances_page(
    request: Request, lang: CurrentLang, session: Clerk, services: CurrentServices, edit: str = "", past: str = ""
) -> Response:
    """The venue's performances, each with its own edit and cancel links; `past` lists a year back."""
    showing_past = past == "1"
    performances, listed = await _performances(services, session, past=showing_past)
    editing: Performance | None = None
    if edit:  # a past performance can be corrected too (its report, its places)
        every = performances if showing_past else (await _performances(services, session, past=True))[0]
        editing = _chosen(every, edit)
        if editing is None:
            raise HTTPException(404)
    return render(
        request,
        "performances.html",
        "perf.title",
        performances=performances,
        performances_listed=listed,
        past=showing_past,
        editing=editing,
        **_performance_form_context(lang, _form_values(editing)),
    )


@router.get("/performances/{performance_id}/cancel")
async def cancel_performance_page(
    request: Request, performance_id: str, session: Clerk, services: CurrentServices
) -> Response:
    performances, _ = await _performances(services, session, past=True)
    performance = _chosen(performances, performance_id)
    if performance is None:
        raise HTTPException(404)
    return render(request, "performance_cancel.html", "perf.cancel_title", performance=performance)


@router.post("/performances/{performance_id}/cancel")
async def cancel_performance(
    request: Request, lang: CurrentLang, performance_id: str, session: Clerk, services: CurrentServices
) -> Response:
    await checked_form(request)
    performances, _ = await _performances(services, session, past=True)
    performance = _chosen(performances, performance_id)
    if performance is None:
        raise HTTPException(404)
    try:
        answer = await services.usage.cancel_performance(session.person, performance_id)
    except Rejection as rejection:
        return render(
            request,
            "performance_cancel.html",
            "perf.cancel_title",
            status=rejection.status,
            performance=performance,
            rejection=rejection,
        )
    performances, listed = await _performances(services, session)
    return render(
        request,
        "performances.html",
        "perf.title",
        performances=performances,
        performances_listed=listed,
        cancelled={"name": performance.name, "uses": answer.redemptions_cancelled},
        **_performance_form_context(lang, _form_values(None)),
    )


@router.post("/performances")
async def save_performance(request: Request, lang: CurrentLang, session: Clerk, services: CurrentServices) -> Response:
    form = await checked_form(request)
    names = (
        "performance_id", "name", "starts_at", "capacity", "kind", "card_holder_limit", "guest_producer",
        "booking_opens_days_before", "redeem_from_minutes_before",
    )  # fmt: skip
    values = {key: field(form, key) for key in names}
    errors: dict[str, str] = {}
    numbers: dict[str, int | None] = {}
    for key in ("capacity", "card_holder_limit", "booking_opens_days_before", "redeem_from_minutes_before"):
        try:
            numbers[key] = optional_int(values[key])
            if numbers[key] is not None and (numbers[key] or 0) < 0:
                raise ValueError(key)
        except ValueError:
            errors[key] = "error.number"
    if numbers.get("capacity") is None:
        errors["capacity"] = "error.number"
    starts_at = local_datetime(values["starts_at"])
    if starts_at is None:
        errors["starts_at"] = "error.datetime"
    if not values["name"]:
        errors["name"] = "error.required"
    if values["kind"] not in KINDS:
        errors["kind"] = "error.choose"
    performances, listed = await _performances(services, session)
    context = _performance_form_context(lang, values)
    context["editing"] = _chosen(performances, values["performance_id"]) if values["performance_id"] else None
    if errors:
        return render(
            request,
            "performances.html",
            "perf.title",
            status=422,
            performances=performances,
            performances_listed=listed,
            errors=errors,
            error_key="error.fix_fields",
            **context,
        )
    performance_id = values["performance_id"] or "P-" + opaque_id()[:12].upper()
    assert starts_at is not None
    body: dict[str, Any] = {
        "venue_id": session.person.org_id,
        "name": values["name"],
        "starts_at": starts_at.isoformat(),
        "capacity": numbers["capacity"],
        "kind": values["kind"],
        "guest_producer": values["guest_producer"] == "on",
    }
    for key in ("card_holder_limit", "booking_opens_days_before", "redeem_from_minutes_before"):
        if numbers.get(key) is not None:
            body[key] = numbers[key]
    try:
        await services.put(session.person, "usage", f"/v1/performances/{performance_id}", body)
    except Rejection as rejection:
        return render(
            request,
            "performances.html",
            "perf.title",
            status=rejection.status,
            performances=performances,
            performances_listed=listed,
            errors={},
            rejection=rejection,
            **context,
        )
    performances, listed = await _performances(services, session)
    return render(
        request,
        "performances.html",
        "perf.title",
        status=200,
        performances=performances,
        performances_listed=listed,
        errors={},
        saved={"performance_id": performance_id, **body},
        **_performance_form_context(lang, {"kind": "performance", "performance_id": ""}),
    )


# -- venue report ---------------------------------------------------------------------------------
@router.get("/venue-report")
async def venue_report_page(request: Request, session: Clerk) -> Response:
    return render(request, "venue_report.html", "report.title", **_report_form(None))


@router.get("/venue-report/template")
async def venue_report_template(lang: CurrentLang, session: Clerk) -> Response:
    """The §9.2 form to fill in: its header row in the page's language, which the upload reads as it is (usage
    knows the columns by their words in Finnish, Swedish and English); `;` and a BOM for Finnish Excel."""
    header = ";".join(translate(lang, column) for column in VENUE_REPORT.columns)  # the printable form's words
    return Response(
        ("\ufeff" + header + "\r\n").encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{translate(lang, "report.template_file")}"'},
    )


def _report_form(results: Any, kind: str = "performance") -> dict[str, Any]:
    return {"results": results, "kinds": KINDS, "values": {"kind": kind if kind in KINDS else "performance"}}


@router.post("/venue-report")
async def upload_venue_report(request: Request, session: Clerk, services: CurrentServices) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    kind = field(form, "kind") or "performance"
    create = field(form, "create_performances") == "yes"
    page = _report_form(None, kind)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "venue_report.html", "report.title", status=422, error_key="upload.no_file", **page)
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return render(request, "venue_report.html", "report.title", status=413, error_key="upload.too_big", **page)
    try:
        answer = await services.upload(
            session.person,
            "usage",
            "/v1/imports/redemptions",
            upload.filename,
            content,
            # unconfirmed, a name that matches no performance is asked about, not silently a new performance
            {"kind": page["values"]["kind"], "create_performances": "true" if create else "false"},
        )
    except Rejection as rejection:
        return render(
            request, "venue_report.html", "report.title", status=rejection.status, rejection=rejection, **page
        )
    page["results"] = row_results(answer)
    unknown = sorted(
        {(str(row.get("performance")), str(row.get("date"))) for row in answer["rows"]
         if row.get("reason") == RejectionReason.PERFORMANCE_UNKNOWN.value}
    )  # fmt: skip
    return render(
        request, "venue_report.html", "report.title", filename=upload.filename, unknown_performances=unknown, **page
    )
