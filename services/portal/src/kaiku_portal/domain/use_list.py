"""The coordinator's list of uses (§9.3) as a file in the venue report's layout (§9.2): one row per use with
the card code, adult tickets, child tickets, performance and date, a total row at the bottom, the headers in
the page's language. usage's report import reads these headers in all three languages (tests prove it), so a
coordinator can send a venue its rows to check, and a corrected file goes back in as it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.http.stats import RegionUse

REPORT_COLUMNS = ("card_code", "adult_tickets", "child_tickets", "performance", "date", "venue")
"""§9.2's five columns, then the venue (a region's list spans venues; the import ignores the column)."""

Translate = Callable[[str], str]


def performance_day(use: RegionUse) -> str:
    """The performance's day as the form writes it, `9.2.2020` (Helsinki), empty when not known."""
    if use.starts_at is None:
        return ""
    day = use.starts_at.astimezone(HELSINKI).date()
    return f"{day.day}.{day.month}.{day.year}"


def report_rows(uses: Sequence[RegionUse], venue_names: dict[str, str], say: Translate) -> list[list[str | int]]:
    """Header, one row per use, the total row (§9.2)."""
    rows: list[list[str | int]] = [[say(f"uses.column.{column}") for column in REPORT_COLUMNS]]
    for use in uses:
        venue = venue_names.get(use.venue_id, use.venue_id)
        rows.append(
            [use.card_code, use.adult_tickets, use.child_tickets, use.performance_name, performance_day(use), venue]
        )
    adults = sum(use.adult_tickets for use in uses)
    children = sum(use.child_tickets for use in uses)
    rows.append([say("uses.total_row"), adults, children, "", "", ""])
    return rows


def as_csv(rows: Iterable[Sequence[str | int]]) -> bytes:
    """Semicolons and a byte-order mark: the form opens in a Finnish spreadsheet as it is (§9.2)."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: Iterable[Sequence[str | int]], sheet_title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title[:31]  # Excel's limit for a sheet's name
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (16, 10, 10, 32, 12, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(region_id: str, since: str, until: str, stamp: datetime) -> str:
    """`uses-R1-2026-03-01-2026-03-31` (or the day it was taken when no dates were chosen)."""
    span = f"{since or 'start'}-{until or stamp.astimezone(HELSINKI).date().isoformat()}"
    return f"uses-{region_id}-{span}"
