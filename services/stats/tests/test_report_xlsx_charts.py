"""The annual report's XLSX carries native charts over its month rows (issue 15; docs/stats.md "Annual report")."""

from __future__ import annotations

import io

import pytest
from kaiku_stats.domain.figures import Figures, UseFigures
from kaiku_stats.domain.publication import NOT_PUBLISHED
from kaiku_stats.service import reports
from openpyxl import load_workbook
from openpyxl.chart import BarChart

pytestmark = pytest.mark.unit


def figures(period: str, issued: int, uses: int) -> Figures:
    counted = UseFigures(redemptions=uses, adult_tickets=uses, distinct_cards_used=1)
    return Figures(period=period, cards_issued=issued, cards_active=10, uses=counted, holders={})


def test_the_xlsx_report_charts_uses_and_cards_issued_per_month() -> None:
    months = [figures(f"2026-{m:02d}", m, 10 * m) for m in range(1, 13)]
    built = reports.AnnualReport("R1", 2026, months, figures("2026", 78, 780), [], 5, NOT_PUBLISHED)
    book = load_workbook(io.BytesIO(reports.to_xlsx(built)))
    assert book.sheetnames == ["Figures", "Holders", "Top venues"]
    sheet = book["Figures"]
    charts = sheet._charts  # openpyxl keeps a loaded sheet's charts here (it has no public accessor)
    assert len(charts) == 2
    assert all(isinstance(chart, BarChart) for chart in charts)
    # the columns of docs/contract.md: B = cards_issued, D = redemptions; rows 2-13 are the months, 14 the total
    refs = [(s.tx.strRef.f, s.val.numRef.f, s.cat.strRef.f if s.cat.strRef else s.cat.numRef.f)
            for chart in charts for s in chart.series]  # fmt: skip
    assert refs == [
        ("'Figures'!D1", "'Figures'!$D$2:$D$13", "'Figures'!$A$2:$A$13"),
        ("'Figures'!B1", "'Figures'!$B$2:$B$13", "'Figures'!$A$2:$A$13"),
    ]
    assert [sheet.cell(row, 4).value for row in range(2, 14)] == [10 * m for m in range(1, 13)]
    assert sheet.cell(14, 1).value == "2026"  # the total row stays out of the charts
