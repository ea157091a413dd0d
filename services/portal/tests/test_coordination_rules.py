"""Issue 19's rules for coordinators and the national office, without I/O: the statistics period a page
reads, every problem of a new account at once, the annual report as a Finnish spreadsheet reads it, and the
venue names added to the XLSX report's sheet."""

from __future__ import annotations

import csv
import io

import pytest
from kaiku_contracts.http.stats import ANNUAL_REPORT_COLUMNS, AnnualReportRow
from kaiku_portal.domain.formats import asked_period, current_year
from kaiku_portal.domain.report_sheets import NAME_HEADER, VENUES_SHEET, local_csv, sheet_cell, with_venue_names
from kaiku_portal.domain.staff import AccountProblem, new_account_problem, new_account_problems
from kaiku_runtime.auth import Role
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font


@pytest.mark.parametrize("typed", ["marraskuu 2026", "2026-3", "26", "2026-13", "november", "2026 11"])
def test_a_period_the_pages_cannot_read_is_refused_not_replaced(typed: str):
    assert asked_period(typed) is None


def test_the_periods_the_pages_read():
    assert asked_period("") == str(current_year())
    assert asked_period(" 2026-11 ") == "2026-11"
    assert asked_period("2026") == "2026"


def test_every_problem_of_a_new_account_is_named_at_once():
    problems = new_account_problems("Maija Clerk", "short", Role.VENUE, "R1", None)
    assert problems == [AccountProblem.USERNAME, AccountProblem.ORGANISATION, AccountProblem.PASSWORD]
    assert new_account_problem("Maija Clerk", "short", Role.VENUE, "R1", None) is AccountProblem.USERNAME
    assert new_account_problems("maija.clerk", None, Role.AGENCY, "R1", "A1") == [AccountProblem.ROLE]
    assert new_account_problems("maija.clerk", "long-enough-pw", Role.VENUE, "R1", "V1") == []


def _rows() -> list[AnnualReportRow]:
    months = [
        AnnualReportRow(period=f"2026-{m:02d}", cards_issued=m, cards_active=10, redemptions=12345, adult_tickets=1,
                        child_tickets=0, course_places=0, distinct_cards_used=1, usage_rate=0.1234 if m == 3 else None)
        for m in range(1, 13)
    ]  # fmt: skip
    total = AnnualReportRow(period="2026", cards_issued=78, cards_active=10, redemptions=12345, adult_tickets=12,
                            child_tickets=0, course_places=0, distinct_cards_used=5, usage_rate=0.5)  # fmt: skip
    return [*months, total]


@pytest.mark.parametrize(("lang", "march"), [("fi", "maaliskuu 2026"), ("sv", "mars 2026"), ("en", "March 2026")])
def test_the_annual_report_as_a_finnish_spreadsheet_reads_it(lang: str, march: str):
    headers = {column: column.upper() for column in ANNUAL_REPORT_COLUMNS}
    content = local_csv(_rows(), headers, "TOTAL", lang)
    assert content.startswith("\ufeff".encode())  # UTF-8 that Excel recognises
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [column.upper() for column in ANNUAL_REPORT_COLUMNS]
    assert rows[3][0] == march
    assert rows[3][-1] == "0,1234"  # a decimal comma in every language as written in Finland
    assert rows[3][3] == "12345"  # no grouping space: the cell stays a number
    assert rows[1][-1] == ""  # no active card: no rate
    assert rows[13][0] == "TOTAL"
    assert rows[13][-1] == "0,5"
    assert sheet_cell(None, lang) == ""


def _stats_workbook() -> bytes:
    """A workbook laid out as stats writes the report (services/stats/src/kaiku_stats/service/reports.py)."""
    book = Workbook()
    figures = book.active
    assert figures is not None
    figures.title = "Figures"
    figures.append(["period", "redemptions"])
    for month in range(1, 13):
        figures.append([f"2026-{month:02d}", month])
    chart = BarChart()
    chart.add_data(Reference(figures, min_col=2, min_row=1, max_row=13), titles_from_data=True)
    figures.add_chart(chart, "K2")
    venues = book.create_sheet(VENUES_SHEET)
    venues.append(["venue_id", "redemptions"])
    venues.append(["V-THEATRE", 5])
    venues.append(["V-GONE", 3])
    for cell in venues[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_report_sheet_names_the_venues_and_keeps_its_charts():
    named = with_venue_names(_stats_workbook(), {"V-THEATRE": "Kaupunginteatteri & Sali"})
    book = load_workbook(io.BytesIO(named))
    sheet = book[VENUES_SHEET]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["venue_id", "redemptions", NAME_HEADER],
        ["V-THEATRE", 5, "Kaupunginteatteri & Sali"],
        ["V-GONE", 3, None],  # no longer listed: an empty cell, never a wrong name
    ]
    assert sheet["C1"].font.bold
    assert sheet.dimensions == "A1:C3"
    assert b"xl/charts/chart1.xml" in named  # the native chart is still there (openpyxl would drop it)


def test_a_workbook_without_the_venues_sheet_is_left_as_it_is():
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    assert with_venue_names(out.getvalue(), {"V1": "Theatre"}) == out.getvalue()
