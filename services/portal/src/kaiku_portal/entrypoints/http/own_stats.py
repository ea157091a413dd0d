"""A distributor's and a venue's own statistics (issue: every role sees what it was promised).

Both read their own scope from stats (exact figures: a scope's own readers see them, docs/stats.md):
the period's figures, the year's months side by side, and the rows below the scope (a distributor's
branches, a venue's performances with how full their card-holder places are).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from kaiku_contracts.http.usage import Performance
from kaiku_runtime.auth import Role

from kaiku_portal.adapters.upstream import Rejection, Services
from kaiku_portal.domain.accounts import Person, Session
from kaiku_portal.domain.charts import bars
from kaiku_portal.domain.formats import current_year, valid_period
from kaiku_portal.entrypoints.access import role
from kaiku_portal.entrypoints.http.web import CurrentServices, render

router = APIRouter()

DISTRIBUTOR_FIGURES = ("cards_issued", "cards_active", "redemptions", "distinct_cards_used")
VENUE_FIGURES = ("redemptions", "adult_tickets", "child_tickets", "course_places", "distinct_cards_used",
                 "uses_of_cards_from_other_regions")  # fmt: skip


async def _by_month(services: Services, person: Person, path: str, year: str, columns: tuple[str, ...]) -> list[Any]:
    """One bar chart per column over the year's twelve months (twelve small reads, side by side)."""
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    answers = await asyncio.gather(*(services.get(person, "stats", path, period=p) for p in months))
    return [(column, bars([(p, a.get(column)) for p, a in zip(months, answers, strict=True)])) for column in columns]


async def _own_page(
    request: Request, services: Services, person: Person, *, path: str, period: str, title: str,
    figure_keys: tuple[str, ...], monthly_columns: tuple[str, ...], **context: Any,
) -> Response:  # fmt: skip
    period = period if valid_period(period) else str(current_year())
    year = period[:4]
    figures: dict[str, Any] | None = None
    months: list[Any] = []
    rejection: Rejection | None = None
    try:
        figures = await services.get(person, "stats", path, period=period)
        months = await _by_month(services, person, path, year, monthly_columns)
    except Rejection as refused:
        rejection = refused
    shown = figures or {}
    return render(
        request, "own_stats.html", title, status=rejection.status if rejection else 200, period=period, year=year,
        rejection=rejection, has_figures=figures is not None, months=months,
        figures=[(key, shown.get(key)) for key in figure_keys], usage_rate=shown.get("usage_rate"), charts=[],
        answer=shown, **context,
    )  # fmt: skip


@router.get("/cards/stats")
async def distributor_stats(
    request: Request, session: Annotated[Session, role(Role.DISTRIBUTOR)], services: CurrentServices, period: str = ""
) -> Response:
    """Cards granted by month, cards valid, the uses of the distributor's cards, per branch."""
    path = f"/v1/stats/distributors/{session.person.org_id}"
    return await _own_page(
        request, services, session.person, path=path, period=period,
        title="own.distributor_title", figure_keys=DISTRIBUTOR_FIGURES,
        monthly_columns=("cards_issued", "redemptions"), rows="branches", action="/cards/stats",
    )  # fmt: skip


@router.get("/venue-stats")
async def venue_stats(
    request: Request, session: Annotated[Session, role(Role.VENUE)], services: CurrentServices, period: str = ""
) -> Response:
    """Uses by performance and month, and how full each performance's card-holder places are."""
    limits: dict[str, Performance] = {}
    try:
        listed = await services.usage.performances(session.person, session.person.org_id)
        limits = {p.performance_id: p for p in listed}
    except Rejection:
        limits = {}  # the uses still show; the places need usage's listing
    path = f"/v1/stats/venues/{session.person.org_id}"
    return await _own_page(
        request, services, session.person, path=path, period=period,
        title="own.venue_title", figure_keys=VENUE_FIGURES, monthly_columns=("redemptions",),
        rows="performances", limits=limits, action="/venue-stats", show_rate=False,
    )  # fmt: skip
