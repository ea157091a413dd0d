"""The printable annual report (issue 15; docs/portal/README.md): the stats service's JSON report shown in the
person's language, with charts drawn by pygal, linked from the pages that offer the CSV and XLSX.

Stats stands in here (it answers `GET /v1/reports/annual?format=json` as docs/contract.md says, recording what
it was asked), so the numbers on the page can be compared with the JSON rows it sent.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kaiku_contracts.http.stats import AnnualReport
from kaiku_portal import app as portal
from kaiku_portal.domain.formats import show_number, show_rate
from kaiku_portal.entrypoints.http.coordination import PRINT_COLUMNS, month_chart
from kaiku_portal.i18n import reason_text, translate
from kaiku_runtime.auth import Role
from markupsafe import escape

PASSWORD = "a-long-test-password"
COLUMNS = ("cards_issued", "cards_active", "redemptions", "adult_tickets", "child_tickets", "course_places",
           "distinct_cards_used")  # fmt: skip


def report(region_id: str | None, year: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [
        {"period": f"{year}-{m:02d}", "cards_issued": 3 * m, "cards_active": 100 + m, "redemptions": 1000 * m + 7,
         "adult_tickets": m, "child_tickets": 2, "course_places": 0, "distinct_cards_used": 10 + m,
         "usage_rate": (10 + m) / (100 + m)}
        for m in range(1, 13)
    ]  # fmt: skip
    total = {c: sum(row[c] for row in rows) for c in COLUMNS}
    rows.append({"period": str(year), **total, "cards_active": 112, "usage_rate": 0.2})
    return {"region_id": region_id, "year": year, "rows": rows}


def words(lang: str, key: str, **values: Any) -> str:
    return str(escape(translate(lang, key, **values)))


@pytest.mark.unit
def test_a_month_chart_is_pygals_svg_without_scripts() -> None:
    rows = AnnualReport.model_validate(report("R1", 2026)).rows
    svg = str(month_chart(rows, "redemptions", "Käyttökerrat <kuukausittain>", "fi"))
    assert svg.startswith("<svg ")
    assert 'class="pygal-chart"' in svg
    assert 'role="img"' in svg
    assert "&lt;kuukausittain&gt;" in svg  # the title names the chart to a screen reader, escaped
    assert "<kuukausittain>" not in svg
    assert "<script" not in svg  # the pages allow no inline scripts (web.py SECURITY_HEADERS)
    assert show_number(12007, "fi") in svg  # December's value printed on its bar, grouped as in Finnish
    assert "joulu" in svg  # the month in the page's language


@pytest.fixture
async def stats_stand_in(portal_alone: LifespanManager) -> AsyncIterator[tuple[httpx.ASGITransport, list[Any]]]:
    asked: list[Any] = []
    stats = FastAPI()

    @stats.get("/v1/reports/annual")
    async def annual(request: Request, year: int, format: str, region_id: str | None = None) -> Any:
        asked.append((region_id, year, format))
        if year == 2001:  # stats refuses (docs/contract.md's one error shape)
            return JSONResponse({"reason": "forbidden", "detail": "not yours"}, status_code=403)
        return report(region_id, year)

    async with portal_alone as manager:
        accounts = portal.app.state.accounts
        await accounts.create("coord.one", PASSWORD, Role.REGION_ADMIN, "R1")
        await accounts.create("office.one", PASSWORD, Role.NATIONAL)
        upstream = portal.app.state.services
        real_http = upstream.http
        upstream.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stats))
        upstream.base = {name: "http://stand-in" for name in upstream.base}
        try:
            yield httpx.ASGITransport(app=manager.app), asked
        finally:
            await upstream.http.aclose()
            upstream.http = real_http


@contextlib.asynccontextmanager
async def signed_in(app: httpx.ASGITransport, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=app, base_url="http://portal") as http:
        answer = await http.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        yield http


def table(page: str) -> dict[str, dict[str, str]]:
    """The page's figures table: period -> column -> the cell's text."""
    found: dict[str, dict[str, str]] = {}
    for period, cells in re.findall(r'<tr[^>]*data-period="([^"]+)">(.*?)</tr>', page, re.DOTALL):
        found[period] = dict(re.findall(r'<td data-column="([a-z_]+)">([^<]*)</td>', cells))
    return found


@pytest.mark.connected
@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_printable_report_is_in_the_persons_language_with_the_json_numbers_and_charts(
    stats_stand_in: tuple[httpx.ASGITransport, list[Any]], lang: str
) -> None:
    app, asked = stats_stand_in
    async with signed_in(app, "coord.one") as coordinator:
        stats_page = await coordinator.get(f"/region/stats?period=2025&lang={lang}")
        assert 'href="/region/report/print?year=2025"' in stats_page.text
        assert words(lang, "stats.print_report", year="2025") in stats_page.text
        page = await coordinator.get("/region/report/print?year=2025")
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert words(lang, "report_print.heading_region", year="2025", region="R1") in page.text
    assert words(lang, "report_print.table") in page.text
    for column in ("redemptions", "cards_issued"):
        heading = words(lang, "stats.by_month", figure=translate(lang, f"figure.{column}"), year="2025")
        assert heading in page.text
        assert re.search(rf'<figure id="chart-{column}"><svg [^>]*class="pygal-chart"', page.text)
    assert "<script" not in page.text.split("</head>", 1)[1]
    sent = report("R1", 2025)["rows"]
    shown = table(page.text)
    assert list(shown) == [row["period"] for row in sent]
    for row in sent:
        expected = {c: show_number(row[c], lang) for c in COLUMNS} | {"usage_rate": show_rate(row["usage_rate"], lang)}
        assert shown[row["period"]] == expected
    assert set(expected) == set(PRINT_COLUMNS)
    assert ("R1", 2025, "json") in asked


@pytest.mark.connected
async def test_the_national_office_prints_the_countrys_report_and_a_coordinator_cannot(
    stats_stand_in: tuple[httpx.ASGITransport, list[Any]],
) -> None:
    app, asked = stats_stand_in
    async with signed_in(app, "office.one") as office:
        national = await office.get("/national?period=2025&lang=sv")
        assert 'href="/national/report/print?year=2025"' in national.text
        page = await office.get("/national/report/print?year=2025")
    assert page.status_code == 200
    assert words("sv", "report_print.heading_national", year="2025") in page.text
    assert asked == [(None, 2025, "json")] * 2  # the dashboard's monthly trend, then the printable report
    del asked[1:]
    async with signed_in(app, "office.one") as office:
        refused_upstream = await office.get("/national/report/print?year=2001&lang=en")
    assert refused_upstream.status_code == 403
    assert str(escape(reason_text("en", "forbidden"))) in refused_upstream.text
    del asked[1:]
    async with signed_in(app, "coord.one") as coordinator:
        refused = await coordinator.get("/national/report/print?year=2025")
    assert refused.status_code == 403
    assert asked == [(None, 2025, "json")]  # stats was never asked for the country by a coordinator
