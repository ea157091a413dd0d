"""Annual report of a region or the country (§4.3, §12): CSV, JSON, XLSX and a printable HTML page.

The report is meant to be shown and passed on (the yearly feedback meeting, the national office),
so its holder breakdowns are always the published ones, protected with every other published table
(docs/stats.md "Disclosure control"); the monthly use and card figures are counts of
cards and uses, published as they are (docs/contract.md: suppression applies to holder breakdowns).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any

import asyncpg
from kaiku_contracts.http import stats as answers
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kaiku_stats.adapters.figures import figures, national_scope, region_scope, top_venues
from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import HOLDER_BREAKDOWNS, Figures
from kaiku_stats.domain.periods import months_of_year
from kaiku_stats.domain.publication import PublishedHolders
from kaiku_stats.service.protection import protected_year

CSV_COLUMNS: tuple[str, ...] = answers.ANNUAL_REPORT_COLUMNS
"""docs/contract.md: the annual report CSV columns, in this order (the JSON rows' fields)."""

BREAKDOWN_TITLES = {
    "holders_by_age_group": "Age group",
    "holders_by_gender": "Gender",
    "holders_by_mother_tongue": "Mother tongue",
    "holders_by_life_situation": "Life situation",
    "holders_by_postal_code_area": "Postal-code area",
}
assert set(BREAKDOWN_TITLES) == set(HOLDER_BREAKDOWNS)


@dataclass(frozen=True, slots=True)
class AnnualReport:
    region_id: str | None
    year: int
    months: list[Figures]
    total: Figures
    top_venues: list[tuple[str, int]]
    k: int
    holders: PublishedHolders

    @property
    def title(self) -> str:
        where = f"region {self.region_id}" if self.region_id else "the whole country"
        return f"Kaikukortti annual report {self.year}: {where}"

    def rows(self) -> list[dict[str, Any]]:
        return [_row(f) for f in [*self.months, self.total]]

    def breakdowns(self) -> dict[str, dict[str, int | None]]:
        """The year's holder breakdowns as published (protected with every other published table)."""
        return {name: dict(cells) for name, cells in self.holders.items() if cells is not None}


def _row(f: Figures) -> dict[str, Any]:
    exact = f.exact()
    return {c: exact[c] for c in CSV_COLUMNS}


async def build_report(pool: asyncpg.Pool, region_id: str | None, year: int, today: date, k: int) -> AnnualReport:
    """The year's figures of a region (None: the country), read from one snapshot of the projection."""
    scope = region_scope(region_id) if region_id else national_scope()
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        months = [await figures(conn, scope, m, today) for m in months_of_year(year)]
        total = await figures(conn, scope, f"{year:04d}", today)
        holders = (await protected_year(conn, year, k)).holders(region_id or NATIONAL, f"{year:04d}")
        venues = await top_venues(conn, region_id, year)
    return AnnualReport(region_id, year, months, total, venues, k, holders)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def to_csv(report: AnnualReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows():
        writer.writerow([_cell(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(report: AnnualReport) -> answers.AnnualReport:
    """The same rows as the CSV, as numbers (usage_rate unrounded beyond the figures' own 4 decimals)."""
    rows = [answers.AnnualReportRow.model_validate(row) for row in report.rows()]
    return answers.AnnualReport(region_id=report.region_id, year=report.year, rows=rows)


def to_xlsx(report: AnnualReport) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Figures"
    sheet.append(list(CSV_COLUMNS))
    for row in report.rows():
        sheet.append([row[c] for c in CSV_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    _month_charts(sheet, len(report.months))
    holders = book.create_sheet("Holders")
    holders.append(["breakdown", "group", "holders"])
    for name, cells in report.breakdowns().items():
        for group, count in cells.items():
            holders.append([BREAKDOWN_TITLES[name], group, count if count is not None else "suppressed"])
    venues = book.create_sheet("Top venues")
    venues.append(["venue_id", "redemptions"])
    for venue_id, uses in report.top_venues:
        venues.append([venue_id, uses])
    for ws in (holders, venues):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_CHARTS: tuple[tuple[str, str, str], ...] = (
    ("redemptions", "Uses per month (by performance date)", "K2"),
    ("cards_issued", "Cards issued per month", "K20"),
)
"""The Figures sheet's native charts: the column charted, its title, the cell its top left corner sits on."""


def _month_charts(sheet: Worksheet, months: int) -> None:
    """Column charts over the month rows (2 .. months + 1; the year's total row is left out), as Excel charts
    that follow the cells, so a figure corrected in the sheet is corrected in its chart."""
    if months == 0:
        return
    periods = Reference(sheet, min_col=1, min_row=2, max_row=months + 1)
    for column, title, anchor in XLSX_CHARTS:
        index = CSV_COLUMNS.index(column) + 1
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.legend = None
        chart.y_axis.title = column
        chart.x_axis.title = "period"
        chart.add_data(Reference(sheet, min_col=index, min_row=1, max_row=months + 1), titles_from_data=True)
        chart.set_categories(periods)
        chart.width, chart.height = 18, 8
        sheet.add_chart(chart, anchor)


# -- HTML with inline SVG charts (server-side, printable, no scripts) -------------------------------

_BAR = "#1f6f8b"


def svg_columns(labels: list[str], values: list[int], *, title: str, width: int = 720, height: int = 260) -> str:
    """A vertical bar chart (e.g. uses per month)."""
    top = max(values, default=0) or 1
    pad_left, pad_bottom, pad_top = 40, 30, 40
    inner_w, inner_h = width - pad_left - 10, height - pad_bottom - pad_top
    step = inner_w / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="{pad_left}" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{pad_top + inner_h}" x2="{width - 10}" y2="{pad_top + inner_h}" stroke="#444"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = inner_h * value / top
        x = pad_left + i * step + step * 0.15
        y = pad_top + inner_h - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{_BAR}"/>')
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{y - 3:.1f}" font-size="11" text-anchor="middle">{value}</text>'
        )
        parts.append(
            f'<text x="{x + step * 0.35:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(items: list[tuple[str, int | None]], *, title: str, width: int = 460) -> str:
    """A horizontal bar chart; suppressed cells are drawn as 'suppressed' without a bar."""
    row_h, label_w, pad_top = 22, 170, 24
    height = pad_top + row_h * max(len(items), 1) + 8
    top = max((v for _, v in items if v is not None), default=0) or 1
    inner_w = width - label_w - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = pad_top + i * row_h
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>')
        if value is None:
            parts.append(f'<text x="{label_w}" y="{y + 15}" font-size="12" fill="#777">suppressed (&lt; k)</text>')
            continue
        w = inner_w * value / top
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" fill="{_BAR}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def to_html(report: AnnualReport) -> str:
    rows = report.rows()
    table_head = "".join(f"<th>{escape(c)}</th>" for c in CSV_COLUMNS)
    table_rows = "".join(
        "<tr"
        + (' class="total"' if r["period"] == str(report.year) else "")
        + ">"
        + "".join(f"<td>{escape(_cell(r[c]))}</td>" for c in CSV_COLUMNS)
        + "</tr>"
        for r in rows
    )
    month_labels = [f.period[5:] for f in report.months]
    uses_chart = svg_columns(
        month_labels, [f.uses.redemptions for f in report.months], title="Uses per month (by performance date)"
    )
    holder_charts = "".join(
        f'<div class="chart">{svg_bars(list(cells.items()), title=BREAKDOWN_TITLES[name])}</div>'
        for name, cells in report.breakdowns().items()
        if name != "holders_by_postal_code_area" or len(cells) <= 15
    )
    venues_chart = svg_bars(
        [(v, n) for v, n in report.top_venues], title=f"Top venues by uses ({len(report.top_venues)})", width=720
    )
    total = report.total
    rate = "–" if total.usage_rate is None else f"{total.usage_rate * 100:.1f} %"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(report.title)}</title>
<style>
 body {{ font-family: sans-serif; margin: 2em; color: #222; }}
 h1 {{ font-size: 1.6em; }} h2 {{ font-size: 1.2em; margin-top: 1.5em; }}
 .keys {{ display: flex; gap: 2em; flex-wrap: wrap; }} .keys div {{ font-size: 1.1em; }}
 .keys strong {{ display: block; font-size: 1.8em; color: {_BAR}; }}
 table {{ border-collapse: collapse; font-size: 0.9em; }}
 td, th {{ border: 1px solid #bbb; padding: 3px 8px; text-align: right; }}
 tr.total {{ font-weight: bold; }} .charts {{ display: flex; flex-wrap: wrap; gap: 1.5em; }}
 .note {{ color: #555; font-size: 0.85em; }}
 @media print {{ body {{ margin: 1cm; }} h2 {{ page-break-after: avoid; }} .chart {{ page-break-inside: avoid; }} }}
</style></head>
<body>
<h1>{escape(report.title)}</h1>
<div class="keys">
 <div><strong>{total.cards_issued}</strong>cards issued</div>
 <div><strong>{total.cards_active}</strong>cards active</div>
 <div><strong>{total.uses.redemptions}</strong>uses</div>
 <div><strong>{total.uses.distinct_cards_used}</strong>cards used</div>
 <div><strong>{rate}</strong>usage rate</div>
</div>
<h2>Uses per month</h2>
<div class="chart">{uses_chart}</div>
<h2>Card holders by background group</h2>
<p class="note">Holders of the personal cards issued in {report.year}. Groups of fewer than {report.k} people are
not shown, and where needed others too, chosen with every other published table (months, regions, the
country), so that no holder can be singled out even by adding and subtracting published figures.</p>
<div class="charts">{holder_charts}</div>
<h2>Top venues</h2>
<div class="chart">{venues_chart}</div>
<h2>Figures per month</h2>
<table><thead><tr>{table_head}</tr></thead><tbody>{table_rows}</tbody></table>
<p class="note">Definitions: docs/stats.md. A use counts in the month of its performance; cancelled uses do not count.
cards_active: cards valid at the end of the month (or today, if earlier).</p>
</body></html>
"""
