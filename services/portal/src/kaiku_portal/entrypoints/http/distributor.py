"""Distributor staff (§4.2): grant a card (or a lost one's replacement), list, read and revoke own cards, enter a
batch of paper forms (checked first if wished, the refused rows downloadable to fix)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18
from kaiku_contracts.enums import CardType, Gender, LifeSituation, RevocationReason
from kaiku_contracts.http.issuance import BranchIn, Card, RevocationIn
from kaiku_runtime.auth import Role
from kaiku_runtime.tabular import TableError, read_matrix
from starlette.datastructures import FormData, UploadFile

from kaiku_portal.adapters.upstream import Rejection, Services
from kaiku_portal.domain.accounts import Session
from kaiku_portal.domain.codes import normalise_card_code
from kaiku_portal.domain.desk import (
    CARD_STATES,
    CardFilter,
    issue_months,
    month_label,
    newest_first,
    rejected_rows_csv,
    valid_postal_code,
    without_identity_codes,
)
from kaiku_portal.domain.formats import current_year
from kaiku_portal.domain.forms import TRANSFER_COLUMNS
from kaiku_portal.domain.languages import MOTHER_TONGUES
from kaiku_portal.entrypoints.access import checked_form, role
from kaiku_portal.entrypoints.http.common import form_body
from kaiku_portal.entrypoints.http.web import CurrentServices, field, render
from kaiku_portal.i18n import refusal_keys, translate

router = APIRouter()
Distributor = Annotated[Session, role(Role.DISTRIBUTOR)]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
CARD_COLUMNS = TRANSFER_COLUMNS  # the paper form's columns (domain/forms.py, §4.2)


def _choices() -> dict[str, Any]:
    return {
        "genders": [g.value for g in Gender],
        "life_situations": [s.value for s in LifeSituation],
        "mother_tongues": MOTHER_TONGUES,
        "revocation_reasons": [r.value for r in RevocationReason],
        "this_year": current_year(),
        "max_children": MAX_CHILDREN_UNDER_18,
    }


HOLDER_FIELDS = ("birth_year", "mother_tongue", "gender", "postal_code", "life_situation")
LIST_PAGE = 1000  # issuance's largest page: the desk reads its cards whole to count, sort and filter them
SHOWN_ROWS = 50  # rows on one screen, newest first; the count tells how many more, the filters find them


def _card_body(form: FormData, distributor_id: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The POST /v1/cards body from the form, the fields the person must fix (message keys), and the values
    to show back: a value holding an identity code or a malformed postal code is never shown back (§11)."""
    typed = {key: field(form, key) for key in form if key != "csrf"}
    values, flagged = without_identity_codes(typed)
    errors: dict[str, str] = dict.fromkeys(flagged, "fielderror.personal_data")
    code = normalise_card_code(values.get("card_code", ""))
    if code is None:
        errors.setdefault("card_code", "grant.error.card_code")
    card_type = values.get("card_type") or CardType.PERSONAL.value
    if card_type not in {t.value for t in CardType}:
        errors["card_type"] = "error.choose"
    body: dict[str, Any] = {"card_code": code, "card_type": card_type, "distributor_id": distributor_id}
    branch = values.get("branch_id", "")
    if branch:  # issuance refuses a branch that is not the distributor's (§12: statistics per branch)
        body["branch_id"] = branch
    replaces = values.get("replaces_card_code", "")
    if replaces:
        body["replaces_card_code"] = normalise_card_code(replaces)
    issued_on = values.get("issued_on", "")
    if issued_on:
        try:
            body["issued_on"] = date.fromisoformat(issued_on).isoformat()
        except ValueError:
            errors["issued_on"] = "error.date"
    if card_type == CardType.PERSONAL.value:
        holder: dict[str, Any] = {}
        try:
            holder["birth_year"] = int(values.get("birth_year", ""))
        except ValueError:
            errors.setdefault("birth_year", "grant.error.birth_year")
        for name, allowed in (
            ("mother_tongue", set(MOTHER_TONGUES)),
            ("gender", {g.value for g in Gender}),
            ("life_situation", {s.value for s in LifeSituation}),
        ):
            value = values.get(name, "")
            if value not in allowed:
                errors.setdefault(name, "error.choose")
            holder[name] = value
        postal_code = values.get("postal_code", "")
        if not valid_postal_code(postal_code):
            errors.setdefault("postal_code", "grant.error.postal_code")
            values["postal_code"] = ""  # whatever was pasted there is not shown back
        holder["postal_code"] = postal_code
        body["holder"] = holder
        children = values.get("children_under_18", "")
        if children:  # optional: left empty when the distributor did not ask (seed 000)
            if children.isdigit() and 0 <= int(children) <= MAX_CHILDREN_UNDER_18:
                body["children_under_18"] = int(children)
            else:
                errors.setdefault("children_under_18", "grant.error.children_under_18")
    return body, errors, values


async def _card_or_none(services: Services, session: Session, code: str | None) -> Card | None:
    """The card as issuance has it, or None (unknown, another's, or not answering: the grant judges then)."""
    if code is None:
        return None
    try:
        return await services.issuance.card(session.person, code)
    except Rejection:
        return None


def _holder_values(card: Card) -> dict[str, str]:
    """A lost card's holder data, to prefill its replacement (the replacement keeps the holder)."""
    values = {"card_type": card.card_type.value, "replaces_card_code": card.card_code}
    if card.holder is not None:
        values |= {name: str(getattr(card.holder, name)) for name in HOLDER_FIELDS}
    if card.children_under_18 is not None:
        values["children_under_18"] = str(card.children_under_18)
    return values


async def _branches(services: Services, session: Session) -> list[BranchIn]:
    """The distributor's registered branches (none: the choice is not shown; a service down: likewise)."""
    try:
        listed = await services.issuance.distributors(session.person, None)
    except Rejection:
        return []
    return next((d.branches for d in listed if d.distributor_id == session.person.org_id), [])


@router.get("/cards/new")
async def grant_page(request: Request, session: Distributor, services: CurrentServices, replaces: str = "") -> Response:
    values: dict[str, str] = {"card_type": "personal"}
    lost = await _card_or_none(services, session, normalise_card_code(replaces)) if replaces else None
    if lost is not None:
        values = _holder_values(lost)
    return render(
        request,
        "grant.html",
        "grant.title",
        values=values,
        errors={},
        branches=await _branches(services, session),
        **_choices(),
    )


@router.post("/cards/new")
async def grant(request: Request, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    assert session.person.org_id is not None
    body, errors, values = _card_body(form, session.person.org_id)
    branches = await _branches(services, session)
    if errors:
        return render(
            request,
            "grant.html",
            "grant.title",
            status=422,
            values=values,
            errors=errors,
            error_key="error.fix_fields",
            branches=branches,
            **_choices(),
        )
    # issuance answers a repeat of the same grant as the first time (201, same body: INTERFACE.md), so the
    # desk asks first whether the card is already there, to say "already granted on ..." instead
    before = await _card_or_none(services, session, body["card_code"])
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
            branches=branches,
            **_choices(),
        )
    return render(
        request,
        "grant.html",
        "grant.title",
        status=200 if before is not None else 201,
        values={"card_type": "personal", "branch_id": body.get("branch_id", "")},  # the desk's branch stays chosen
        errors={},
        granted=granted,
        already=before,
        branches=branches,
        **_choices(),
    )


async def _all_cards(services: Services, session: Session) -> list[Card]:
    cards: list[Card] = []
    after: str | None = None
    while True:
        listing = await services.issuance.cards(session.person, session.person.org_id, after, limit=LIST_PAGE)
        cards += listing.cards
        if listing.next_after is None or not listing.cards:
            return cards
        after = listing.next_after


@router.get("/cards")
async def my_cards(
    request: Request,
    session: Distributor,
    services: CurrentServices,
    code: str = "",
    state: str = "",
    month: str = "",
    revoked: str = "",
) -> Response:
    cards: list[Card] = []
    rejection: Rejection | None = None
    try:
        cards = await _all_cards(services, session)
    except Rejection as refused:
        rejection = refused
    wanted = CardFilter.read(state, month, code)
    shown = newest_first(card for card in cards if wanted.keeps(card))
    exact = normalise_card_code(code) if code else None
    found = next((card for card in cards if card.card_code == exact), None)
    return render(
        request,
        "cards.html",
        "cards.title",
        cards=shown[:SHOWN_ROWS],
        shown_total=len(shown),
        total=len(cards),
        months=[(month, month_label(month, request.state.lang)) for month in issue_months(cards)],
        states=CARD_STATES,
        wanted=wanted,
        filtered=wanted != CardFilter(),
        found=found,
        code=code,
        revoked=normalise_card_code(revoked) if revoked else None,
        rejection=rejection,
        **_choices(),
    )


@router.get("/card/{card_code}")
async def card_page(request: Request, card_code: str, session: Distributor, services: CurrentServices) -> Response:
    """One card: its dates and state, the holder's background data as recorded (to spot a typo), revoking it,
    and granting a replacement for a lost one (`replaces_card_code`)."""
    code = normalise_card_code(card_code) or ""
    try:
        card = await services.issuance.card(session.person, code)
    except Rejection as rejection:
        return render(
            request, "card.html", "card.title", status=rejection.status, card=None, code=code, rejection=rejection
        )
    return render(request, "card.html", "card.title", card=card, code=code, **_choices())


@router.post("/cards/{card_code}/revoke")
async def revoke(request: Request, card_code: str, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    code = normalise_card_code(card_code) or ""
    revocation = form_body(RevocationIn, {"reason": field(form, "reason")})
    card = await _card_or_none(services, session, code)
    if revocation is None or field(form, "confirm") != "yes":
        return render(
            request,
            "card.html",
            "card.title",
            status=422,
            card=card,
            code=code,
            error_key="cards.revoke_confirm_needed",
            **_choices(),
        )
    try:
        await services.issuance.revoke(session.person, code, revocation)
    except Rejection as rejection:
        return render(
            request, "card.html", "card.title", status=rejection.status, card=card, code=code, rejection=rejection
        )
    # back to the whole list (post, redirect, get: a reload does not revoke twice), the revocation told there
    return RedirectResponse(f"/cards?revoked={quote(code)}", status_code=303)


def template_csv(lang: str) -> str:
    """The paper form's columns headed in the page's language (issuance reads them: HEADER_ALIASES), no rows:
    a live-looking example row would be imported as a card. `;` as Excel in Finland expects."""
    return ";".join(translate(lang, f"import.header.{column}") for column in CARD_COLUMNS) + "\r\n"


@router.get("/cards/import/template")
async def import_template(request: Request, session: Distributor) -> Response:
    lang = request.state.lang
    return Response(
        "\ufeff" + template_csv(lang),  # the byte-order mark makes Excel read UTF-8 (ä, ö)
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{translate(lang, "import.template_file")}.csv"'},
    )


@router.get("/cards/import")
async def import_page(request: Request, session: Distributor, services: CurrentServices) -> Response:
    return render(request, "import.html", "import.title", results=None, branches=await _branches(services, session))


@router.post("/cards/import")
async def import_cards(request: Request, session: Distributor, services: CurrentServices) -> Response:
    form = await checked_form(request)
    upload = form.get("file")
    dry_run = field(form, "dry_run") == "yes"
    branch = field(form, "branch_id")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "import.html", "import.title", status=422, results=None, error_key="upload.no_file")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return render(request, "import.html", "import.title", status=413, results=None, error_key="upload.too_big")
    try:
        answer = await services.upload(
            session.person,
            "issuance",
            "/v1/imports/cards",
            upload.filename,
            content,
            params={
                **({"dry_run": "true"} if dry_run else {}),  # issuance judges every row and records none
                **({"branch_id": branch} if branch else {}),  # the branch the forms came from (§12)
            }
            or None,
        )
    except Rejection as rejection:
        return render(
            request, "import.html", "import.title", status=rejection.status, results=None, rejection=rejection
        )
    results = row_results(answer)
    rejected = [row["row"] for row in results["rows"] if row.get("status") == "rejected" and row.get("row")]
    fix_file = ""
    if rejected:
        try:
            matrix = list(read_matrix(content, max_rows=len(results["rows"]) + 100))
            fix_file = rejected_rows_csv(matrix, rejected)
        except TableError:
            fix_file = ""  # issuance read it; if we cannot, the page still lists every refusal
    return render(
        request,
        "import.html",
        "import.title",
        results=results,
        filename=upload.filename,
        dry_run=dry_run,
        fix_file=fix_file,
        values={"branch_id": branch},
        branches=await _branches(services, session),
    )


@router.post("/cards/import/rejected")
async def rejected_rows(request: Request, session: Distributor) -> Response:
    """The rejected rows the import page holds, as a file to fix and send again (nothing is kept server-side)."""
    form = await checked_form(request)
    rows = field(form, "rows")
    filename = translate(request.state.lang, "import.fix_file")
    return Response(
        "\ufeff" + rows + ("\r\n" if rows and not rows.endswith("\n") else ""),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


ROW_DONE = frozenset({"accepted", "already_recorded"})  # already_recorded: the same row sent before
ROW_SKIPPED = frozenset({"skipped"})  # e.g. the report's total row (§9.2)


def skipped_because(detail: str) -> str:
    """Why a row was passed over, as a message key: the report's total row (§9.2), or else said in general."""
    return "upload.skipped_total_row" if detail.startswith("total row") else "upload.skipped_other"


def row_results(answer: Any) -> dict[str, Any]:
    """Per-row outcomes of an import answer (issuance's and usage's), counted for the summary line; a refused
    row's fields at fault as message keys (i18n.refusal_keys), so the row is told in the page's language."""
    rows: list[dict[str, Any]] = [
        {**row, "fault_keys": refusal_keys(str(row["reason"]), str(row.get("detail") or ""))}
        if row.get("reason")
        else row
        for row in answer["rows"]
    ]
    rows = [{**row, "skip_key": skipped_because(str(row.get("detail") or ""))} if row.get("status") in ROW_SKIPPED
            else row for row in rows]  # fmt: skip
    accepted = sum(1 for r in rows if r.get("status") in ROW_DONE)
    skipped = sum(1 for r in rows if r.get("status") in ROW_SKIPPED)
    return {
        "rows": rows,
        "accepted": accepted,
        # of the accepted, those sent before: the summary's counts add up to the rows' statuses as listed
        "already_recorded": sum(1 for r in rows if r.get("status") == "already_recorded"),
        "skipped": skipped,
        "rejected": len(rows) - accepted - skipped,
        "total": len(rows),
    }
