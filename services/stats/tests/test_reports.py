"""The annual report's JSON carries the CSV's rows and values (docs/contract.md `GET /v1/reports/annual`)."""

from __future__ import annotations

import csv
import io

import pytest
from kaiku_contracts.http.stats import ANNUAL_REPORT_COLUMNS, AnnualReport
from kaiku_stats.domain.figures import Figures, UseFigures
from kaiku_stats.domain.publication import NOT_PUBLISHED
from kaiku_stats.service import reports

pytestmark = pytest.mark.unit


def figures(period: str, issued: int, active: int, uses: int, used: int) -> Figures:
    counted = UseFigures(redemptions=uses, adult_tickets=uses, child_tickets=1, distinct_cards_used=used)
    return Figures(period=period, cards_issued=issued, cards_active=active, uses=counted, holders={})


def test_the_json_report_has_the_csvs_rows_and_values() -> None:
    months = [figures(f"2026-{m:02d}", m, 3 * m, m + 1, m) for m in range(1, 13)]
    months[0] = figures("2026-01", 0, 0, 0, 0)  # no card active: no usage rate
    built = reports.AnnualReport("R.1:north", 2026, months, figures("2026", 78, 40, 90, 13), [], 5, NOT_PUBLISHED)
    answer = AnnualReport.model_validate_json(reports.to_json(built).model_dump_json())
    table = list(csv.reader(io.StringIO(reports.to_csv(built))))
    assert tuple(table[0]) == ANNUAL_REPORT_COLUMNS
    as_csv = [
        ["" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.model_dump().values()]
        for row in answer.rows
    ]
    assert as_csv == table[1:]
    assert (answer.region_id, answer.year, answer.rows[-1].period, answer.rows[0].usage_rate) == (
        "R.1:north",
        2026,
        "2026",
        None,
    )
    assert answer.rows[-1].usage_rate == pytest.approx(13 / 40)
