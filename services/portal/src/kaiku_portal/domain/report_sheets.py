"""The annual report as a spreadsheet opened in Finland reads it (issue 19): semicolons between the columns,
decimal commas, headers and month names in the page's language, UTF-8 with a byte-order mark so Excel
shows ä and å. The machine-readable CSV (docs/contract.md, INTERFACE.md) stays as stats writes it; this is
a second file beside it, made from the same rows (stats' JSON report)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from babel.dates import get_month_names
from babel.numbers import format_decimal
from kaiku_contracts.http.stats import ANNUAL_REPORT_COLUMNS, AnnualReportRow

from kaiku_portal.domain.formats import locale

SEPARATOR = ";"  # the list separator of a Finnish (and Swedish-in-Finland) spreadsheet
RATE_FORMAT = "0.0###"  # the figures' own four decimals at most, never a thousands separator
BYTE_ORDER_MARK = "\ufeff"


def sheet_cell(value: int | float | None, lang: str) -> str:
    """A figure as a Finnish spreadsheet reads it: `0,1234`, `12345` (no grouping space: it would be text)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format_decimal(value, format=RATE_FORMAT, locale=locale(lang))
    return str(value)


def period_label(period: str, lang: str, year_total: str) -> str:
    """`2026-03` -> `maaliskuu 2026`; the year's total row -> `year_total` (already in the page's language)."""
    if len(period) == len("YYYY-MM"):
        return f"{get_month_names('wide', locale=locale(lang))[int(period[5:])]} {period[:4]}"
    return year_total


def local_csv(rows: Sequence[AnnualReportRow], headers: Mapping[str, str], year_total: str, lang: str) -> bytes:
    """The report's rows (months, then the total) with `headers` (column -> its name in the page's language)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow([headers[column] for column in ANNUAL_REPORT_COLUMNS])
    for row in rows:
        values = row.model_dump()
        writer.writerow(
            [period_label(row.period, lang, year_total)]
            + [sheet_cell(values[column], lang) for column in ANNUAL_REPORT_COLUMNS[1:]]
        )
    return (BYTE_ORDER_MARK + out.getvalue()).encode("utf-8")
