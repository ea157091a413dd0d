"""Box-office clerks (§9): check a card, record a use, undo a mistaken one, performances, venue report."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from kaiku_contracts.enums import Channel
from kaiku_contracts.http.usage import CardStatus, Performance
from kaiku_contracts.limits import PerformanceKind, minimum_card_holder_limit
from kaiku_runtime.auth import Role
from starlette.datastructures import UploadFile

from kaiku_portal.adapters.upstream import Rejection
from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.codes import normalise_card_code
from kaiku_portal.domain.formats import local_datetime, optional_int
from kaiku_portal.entrypoints.access import checked_form, role
from kaiku_portal.entrypoints.http.distributor import MAX_UPLOAD_BYTES, row_results
from kaiku_portal.entrypoints.http.web import CurrentAccounts, CurrentLang, CurrentServices, field, render
from kaiku_portal.i18n import translate

router = APIRouter()
Clerk = Annotated[Session, role(Role.VENUE)]
RECENT_USES = 10  # the clerk's last uses in this session, offered for undo
# Offered on the box-office form (§8: never web shop): a use made now. A use made earlier on paper
# (`paper_form`) is accepted only once its performance has started, so it is entered with the venue
# report; a form that sends it anyway gets usage's `channel_not_allowed` in words.
CLERK_CHANNELS = (Channel.BOX_OFFICE.value, Channel.PHONE.value)
ACCEPTED_CHANNELS = (*CLERK_CHANNELS, Channel.PAPER_FORM.value)
MAX_CHILD_TICKETS = 10


async def _performances(services: CurrentServices, session: Session) -> tuple[list[Performance], bool]:
    """The venue's performances, and whether usage could list them (else the clerk types the id)."""
    try:
        return await services.usage.performances(session.person, session.person.org_id), True
    except Rejection:
        return [], False


async def _box_office(
    request: Request, session: Session, services: CurrentServices, *, status: int = 200, **context: Any
) -> Response:
    performances, listed = await _performances(services, session)
    context.setdefault("use", {})
    return render(
        request,
        "box_office.html",
        "box.title",
        status=status,
        performances=performances,
        performances_listed=listed,
        recent=session.data.get("recent_uses", []),
        redemption_id=uuid.uuid4().hex,
        channels=CLERK_CHANNELS,
        max_children=MAX_CHILD_TICKETS,
        **context,
    )


@router.get("/box-office")
async def box_office(
    request: Request, session: Clerk, services: CurrentServices, code: str = "", performance_id: str = ""
) -> Response:
    """One step (§9.1): the scanned code shows at once whether the card is valid, until when, or why not."""
    status: CardStatus | None = None
    rejection: Rejection | None = None
    card_code = normalise_card_code(code) if code else None
    if code and card_code is None:
        return await _box_office(request, session, services, status=422, code=code, error_key="grant.error.card_code")
    if card_code is not None:
        try:
            status = await services.usage.card_status(session.person, card_code)
        except Rejection as refused:
            rejection = refused
    return await _box_office(
        request,
        session,
        services,
        code=card_code or "",
        status_answer=status,
        rejection=rejection,
        use={"performance_id": performance_id},
    )


@router.post("/box-office/uses")
async def record_use(request: Request, session: Clerk, services: CurrentServices, store: CurrentAccounts) -> Response:
    form = await checked_form(request)
    code = normalise_card_code(field(form, "card_code"))
    use = {
        key: field(form, key) for key in ("card_code", "performance_id", "adult_tickets", "child_tickets", "channel")
    }
    try:
        adults = int(use["adult_tickets"] or "0")
        children = int(use["child_tickets"] or "0")
    except ValueError:
        adults, children = -1, -1
    if code is None or not use["performance_id"] or adults not in (0, 1) or not 0 <= children <= MAX_CHILD_TICKETS:
        return await _box_office(
            request, session, services, status=422, code=use["card_code"], use=use, error_key="box.error.fields"
        )
    if adults + children == 0:
        return await _box_office(
            request, session, services, status=422, code=code, use=use, error_key="box.error.no_tickets"
        )
    channel = use["channel"] if use["channel"] in ACCEPTED_CHANNELS else Channel.BOX_OFFICE.value
    redemption_id = field(form, "redemption_id") or uuid.uuid4().hex  # from the form: a double submit is one use
    body = {
        "redemption_id": redemption_id,
        "card_code": code,
        "venue_id": session.person.org_id,
        "performance_id": use["performance_id"],
        "adult_tickets": adults,
        "child_tickets": children,
        "channel": channel,
    }
    try:
        await services.post(session.person, "usage", "/v1/redemptions", body)
    except Rejection as rejection:
        return await _box_office(
            request, session, services, status=rejection.status, code=code, use=use, rejection=rejection
        )
    recent = [r for r in session.data.get("recent_uses", []) if r.get("redemption_id") != redemption_id]
    recent.insert(
        0, {k: body[k] for k in ("redemption_id", "card_code", "performance_id", "adult_tickets", "child_tickets")}
    )
    await store.save_data(session, {**session.data, "recent_uses": recent[:RECENT_USES]})
    session.data["recent_uses"] = recent[:RECENT_USES]
    return await _box_office(
        request, session, services, status=201, code="", recorded=body, use={"performance_id": use["performance_id"]}
    )


def _recent(session: Session, redemption_id: str) -> dict[str, Any] | None:
    return next((r for r in session.data.get("recent_uses", []) if r.get("redemption_id") == redemption_id), None)


@router.get("/box-office/uses/{redemption_id}/undo")
async def undo_page(request: Request, redemption_id: str, session: Clerk) -> Response:
    use = _recent(session, redemption_id) or {"redemption_id": redemption_id}
    return render(request, "undo.html", "undo.title", use=use)


@router.post("/box-office/uses/{redemption_id}/undo")
async def undo(
    request: Request, redemption_id: str, session: Clerk, services: CurrentServices, store: CurrentAccounts
) -> Response:
    await checked_form(request)
    use = _recent(session, redemption_id) or {"redemption_id": redemption_id}
    try:
        await services.delete(session.person, "usage", f"/v1/redemptions/{redemption_id}")
    except Rejection as rejection:
        return render(request, "undo.html", "undo.title", status=rejection.status, use=use, rejection=rejection)
    recent = [r for r in session.data.get("recent_uses", []) if r.get("redemption_id") != redemption_id]
    await store.save_data(session, {**session.data, "recent_uses": recent})
    session.data["recent_uses"] = recent
    return await _box_office(request, session, services, undone=use)


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


@router.get("/performances")
async def performances_page(request: Request, lang: CurrentLang, session: Clerk, services: CurrentServices) -> Response:
    performances, listed = await _performances(services, session)
    values = {"kind": "performance", "performance_id": ""}
    return render(
        request,
        "performances.html",
        "perf.title",
        performances=performances,
        performances_listed=listed,
        **_performance_form_context(lang, values),
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
    performance_id = values["performance_id"] or "P-" + uuid.uuid4().hex[:12].upper()
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


def _report_form(results: Any, kind: str = "performance") -> dict[str, Any]:
    return {"results": results, "kinds": KINDS, "values": {"kind": kind if kind in KINDS else "performance"}}


@router.post("/venue-report")
async def upload_venue_report(request: Request, session: Clerk, services: CurrentServices) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    kind = field(form, "kind") or "performance"
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
            {"kind": page["values"]["kind"]},
        )
    except Rejection as rejection:
        return render(
            request, "venue_report.html", "report.title", status=rejection.status, rejection=rejection, **page
        )
    page["results"] = row_results(answer)
    return render(request, "venue_report.html", "report.title", filename=upload.filename, **page)
