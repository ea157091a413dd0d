"""Distributor staff (§4.2): grant a card, list and revoke own cards, enter a batch of paper forms."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18
from kaiku_contracts.enums import CardType, Gender, LifeSituation, RevocationReason
from kaiku_contracts.http.issuance import Card, RevocationIn
from kaiku_runtime.auth import Role
from starlette.datastructures import FormData, UploadFile

from kaiku_portal.adapters.upstream import Rejection
from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.codes import normalise_card_code
from kaiku_portal.domain.formats import current_year
from kaiku_portal.domain.languages import MOTHER_TONGUES
from kaiku_portal.entrypoints.access import checked_form, role
from kaiku_portal.entrypoints.http.common import form_body
from kaiku_portal.entrypoints.http.web import CurrentServices, field, render

router = APIRouter()
Distributor = Annotated[Session, role(Role.DISTRIBUTOR)]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CARD_COLUMNS = ("card_code", "issued_on", "birth_year", "mother_tongue", "gender", "postal_code", "life_situation")


def _choices() -> dict[str, Any]:
    return {
        "genders": [g.value for g in Gender],
        "life_situations": [s.value for s in LifeSituation],
        "mother_tongues": MOTHER_TONGUES,
        "revocation_reasons": [r.value for r in RevocationReason],
        "this_year": current_year(),
        "max_children": MAX_CHILDREN_UNDER_18,
    }


def _card_body(form: FormData, distributor_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The POST /v1/cards body from the form, and the fields the person must fix (message keys)."""
    errors: dict[str, str] = {}
    code = normalise_card_code(field(form, "card_code"))
    if code is None:
        errors["card_code"] = "grant.error.card_code"
    card_type = field(form, "card_type") or CardType.PERSONAL.value
    if card_type not in {t.value for t in CardType}:
        errors["card_type"] = "error.choose"
    body: dict[str, Any] = {"card_code": code, "card_type": card_type, "distributor_id": distributor_id}
    issued_on = field(form, "issued_on")
    if issued_on:
        try:
            body["issued_on"] = date.fromisoformat(issued_on).isoformat()
        except ValueError:
            errors["issued_on"] = "error.date"
    if card_type == CardType.PERSONAL.value:
        holder: dict[str, Any] = {}
        try:
            holder["birth_year"] = int(field(form, "birth_year"))
        except ValueError:
            errors["birth_year"] = "grant.error.birth_year"
        for name, allowed in (
            ("mother_tongue", set(MOTHER_TONGUES)),
            ("gender", {g.value for g in Gender}),
            ("life_situation", {s.value for s in LifeSituation}),
        ):
            value = field(form, name)
            if value not in allowed:
                errors[name] = "error.choose"
            holder[name] = value
        postal_code = field(form, "postal_code")
        if not (len(postal_code) == 5 and postal_code.isdigit()):
            errors["postal_code"] = "grant.error.postal_code"
        holder["postal_code"] = postal_code
        body["holder"] = holder
        children = field(form, "children_under_18")
        if children:  # optional: left empty when the distributor did not ask (seed 000)
            if children.isdigit() and 0 <= int(children) <= MAX_CHILDREN_UNDER_18:
                body["children_under_18"] = int(children)
            else:
                errors["children_under_18"] = "grant.error.children_under_18"
    return body, errors


@router.get("/cards/new")
async def grant_page(request: Request, session: Distributor) -> Response:
    return render(request, "grant.html", "grant.title", values={"card_type": "personal"}, errors={}, **_choices())


@router.post("/cards/new")
async def grant(request: Request, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    assert session.person.org_id is not None
    body, errors = _card_body(form, session.person.org_id)
    values = {key: field(form, key) for key in form}
    if errors:
        return render(
            request,
            "grant.html",
            "grant.title",
            status=422,
            values=values,
            errors=errors,
            error_key="error.fix_fields",
            **_choices(),
        )
    try:
        granted = await services.post(session.person, "issuance", "/v1/cards", body)
    except Rejection as rejection:
        return render(
            request,
            "grant.html",
            "grant.title",
            status=rejection.status,
            values=values,
            errors={},
            rejection=rejection,
            **_choices(),
        )
    return render(
        request,
        "grant.html",
        "grant.title",
        status=201,
        values={"card_type": "personal"},
        errors={},
        granted=granted,
        **_choices(),
    )


@router.get("/cards")
async def my_cards(
    request: Request, session: Distributor, services: CurrentServices, code: str = "", after: str = ""
) -> Response:
    cards: list[Card] = []
    next_after: str | None = None
    rejection: Rejection | None = None
    try:
        listing = await services.issuance.cards(
            session.person, session.person.org_id, normalise_card_code(after) if after else None
        )
        cards, next_after = listing.cards, listing.next_after
    except Rejection as refused:
        rejection = refused
    found: Card | None = None
    wanted = normalise_card_code(code) if code else None
    if wanted:
        try:
            found = await services.issuance.card(session.person, wanted)
        except Rejection as refused:
            rejection = refused
    return render(
        request,
        "cards.html",
        "cards.title",
        cards=cards,
        found=found,
        code=code,
        rejection=rejection,
        next_after=next_after,
        **_choices(),
    )


@router.post("/cards/{card_code}/revoke")
async def revoke(request: Request, card_code: str, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    code = normalise_card_code(card_code) or ""
    revocation = form_body(RevocationIn, {"reason": field(form, "reason")})
    if revocation is None or field(form, "confirm") != "yes":
        return render(
            request,
            "cards.html",
            "cards.title",
            status=422,
            cards=[],
            found=None,
            code=code,
            error_key="cards.revoke_confirm_needed",
            **_choices(),
        )
    try:
        await services.issuance.revoke(session.person, code, revocation)
    except Rejection as rejection:
        return render(
            request,
            "cards.html",
            "cards.title",
            status=rejection.status,
            cards=[],
            found=None,
            code=code,
            rejection=rejection,
            **_choices(),
        )
    return render(
        request,
        "cards.html",
        "cards.title",
        cards=[],
        found=None,
        code="",
        revoked=code,
        **_choices(),
    )


@router.get("/cards/import/template")
async def import_template(session: Distributor, services: CurrentServices) -> Response:
    """The issuance service's header row to start a spreadsheet from."""
    try:
        template = await services.download(session.person, "issuance", "/v1/imports/cards/template")
    except Rejection:
        return Response(",".join(CARD_COLUMNS) + "\n", media_type="text/csv")
    return Response(
        template.content,
        media_type=template.media_type,
        headers={"Content-Disposition": f'attachment; filename="{template.filename or "kaikukortti-cards.csv"}"'},
    )


@router.get("/cards/import")
async def import_page(request: Request, session: Distributor) -> Response:
    return render(request, "import.html", "import.title", results=None)


@router.post("/cards/import")
async def import_cards(request: Request, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "import.html", "import.title", status=422, results=None, error_key="upload.no_file")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return render(request, "import.html", "import.title", status=413, results=None, error_key="upload.too_big")
    try:
        answer = await services.upload(session.person, "issuance", "/v1/imports/cards", upload.filename, content)
    except Rejection as rejection:
        return render(
            request, "import.html", "import.title", status=rejection.status, results=None, rejection=rejection
        )
    return render(request, "import.html", "import.title", results=row_results(answer), filename=upload.filename)


ROW_DONE = frozenset({"accepted", "already_recorded"})  # already_recorded: the same row sent before
ROW_SKIPPED = frozenset({"skipped"})  # e.g. the report's total row (§9.2)


def row_results(answer: Any) -> dict[str, Any]:
    """Per-row outcomes of an import answer (issuance's and usage's), counted for the summary line."""
    rows: list[dict[str, Any]] = answer["rows"]
    accepted = sum(1 for r in rows if r.get("status") in ROW_DONE)
    skipped = sum(1 for r in rows if r.get("status") in ROW_SKIPPED)
    return {
        "rows": rows,
        "accepted": accepted,
        "skipped": skipped,
        "rejected": len(rows) - accepted - skipped,
        "total": len(rows),
    }
