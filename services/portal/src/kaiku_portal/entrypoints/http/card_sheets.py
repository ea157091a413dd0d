"""Printable cards (docs/portal/README.md "Printable cards"): a region's coordinator, its distributors and the
national office print sheets of cards from a code range the region registered in issuance (domain/card_sheets.py).

The ranges are read from issuance as the signed-in person, so each sees the stock issuance lets them read:
their own region's (the national office every region's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_runtime.auth import Role
from starlette.concurrency import run_in_threadpool

from kaiku_portal.adapters.upstream import Rejection, Services
from kaiku_portal.domain.accounts import Person, Session
from kaiku_portal.domain.card_sheets import (
    CARDS_PER_PAGE,
    MAX_CARDS,
    CardStock,
    SheetProblem,
    card_sheet_pdf,
    sheet_order,
)
from kaiku_portal.domain.formats import show_number
from kaiku_portal.entrypoints.access import role
from kaiku_portal.entrypoints.http.web import CurrentServices, render
from kaiku_portal.i18n import LANGS, translate

router = APIRouter()
Printer = Annotated[Session, role(Role.DISTRIBUTOR, Role.REGION_ADMIN, Role.NATIONAL)]
TITLE = "card_sheets.title"
STOCK_UNKNOWN = "card_sheets.error.stock"
FILE_STEM = "card_sheets.file"  # the downloaded file's name, before its codes
DEFAULT_COUNT = str(CARDS_PER_PAGE)  # one sheet


@dataclass(frozen=True, slots=True)
class StockChoice:
    """A registered range as the form offers it: `value` names region and range (`R1/7`)."""

    value: str
    region_id: str
    label: str
    size: int
    stock: CardStock


async def _stocks(services: Services, person: Person) -> list[StockChoice]:
    """The ranges the person may print from: their region's, or every region's for the national office."""
    if person.role is Role.NATIONAL:
        regions = [region.region_id for region in await services.issuance.regions(person)]
    else:
        regions = [person.region_id] if person.region_id else []
    return [
        StockChoice(
            f"{region_id}/{r.range_id}", region_id, r.label, r.size, CardStock(r.prefix, r.first, r.last, r.digits)
        )
        for region_id in regions
        for r in await services.issuance.card_ranges(person, region_id)
    ]


def _page(
    request: Request, person: Person, stocks: list[StockChoice], values: dict[str, str], *, status: int = 200,
    errors: dict[str, str] | None = None, rejection: Rejection | None = None, error_key: str | None = None,
) -> Response:  # fmt: skip
    lang = request.state.lang
    return render(
        request, "card_sheets.html", TITLE, status=status, stocks=stocks, values=values, errors=errors or {},
        rejection=rejection, error_key=error_key, max_cards=show_number(MAX_CARDS, lang),
        per_page=CARDS_PER_PAGE, national=person.role is Role.NATIONAL,
    )  # fmt: skip


def _values(request: Request) -> dict[str, str]:
    asked = request.query_params
    language = asked.get("language", "")
    return {
        "stock": asked.get("stock", ""),
        "first": asked.get("first", "").strip()[:40],
        "count": asked.get("count", DEFAULT_COUNT).strip()[:10],
        "language": language if language in LANGS else request.state.lang,
    }


@router.get("/card-sheets")
async def card_sheets_page(request: Request, session: Printer, services: CurrentServices) -> Response:
    values = _values(request)
    try:
        stocks = await _stocks(services, session.person)
    except Rejection as refused:
        return _page(request, session.person, [], values, status=refused.status, rejection=refused)
    return _page(request, session.person, stocks, values)


@router.get("/card-sheets/cards.pdf")
async def card_sheet(request: Request, session: Printer, services: CurrentServices) -> Response:
    """The sheet as a PDF download; a range, code or count that cannot be printed shows the form again."""
    values = _values(request)
    lang = request.state.lang
    try:
        stocks = await _stocks(services, session.person)
    except Rejection as refused:
        return _page(request, session.person, [], values, status=refused.status, rejection=refused)
    chosen = next((choice for choice in stocks if choice.value == values["stock"]), None)
    if chosen is None:
        # a range of another region (or none left) is not offered: said above the form, as for a missing choice
        errors = {"stock": translate(lang, STOCK_UNKNOWN)}
        return _page(request, session.person, stocks, values, status=422, errors=errors, error_key=STOCK_UNKNOWN)
    order = sheet_order(chosen.stock, values["first"], values["count"])
    if isinstance(order, SheetProblem):
        errors = {order.form_field: _problem_text(lang, order)}
        return _page(request, session.person, stocks, values, status=422, errors=errors, error_key="error.fix_fields")
    card_lang = values["language"]
    codes = order.codes
    content = await run_in_threadpool(card_sheet_pdf, codes, lambda key: translate(card_lang, key))
    filename = f"{translate(card_lang, FILE_STEM)}-{codes[0]}-{codes[-1]}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _problem_text(lang: str, problem: SheetProblem) -> str:
    shown: dict[str, Any] = {
        name: show_number(value, lang) if isinstance(value, int) else value for name, value in problem.values.items()
    }
    return translate(lang, problem.message, **shown)
