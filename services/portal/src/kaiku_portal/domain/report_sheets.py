"""The annual report as a spreadsheet opened in Finland reads it (issue 19): semicolons between the columns,
decimal commas, headers and month names in the page's language, UTF-8 with a byte-order mark so Excel
shows ä and å. The machine-readable CSV (docs/contract.md, INTERFACE.md) stays as stats writes it; this is
a second file beside it, made from the same rows (stats' JSON report)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from html import escape, unescape
from xml.etree import ElementTree

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
        return f"{get_month_names('wide', context='stand-alone', locale=locale(lang))[int(period[5:])]} {period[:4]}"
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


# -- Venue names in the XLSX report's "Top venues" sheet ------------------------------------------------------
# Stats knows venues by id only (the use events carry no venue name); usage knows their names. The portal adds
# them as a column of the sheet, editing the sheet's XML in place: reading and rewriting the workbook with
# openpyxl would drop its native charts.

VENUES_SHEET = "Top venues"
NAME_HEADER = "venue_name"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW = re.compile(r'<row r="(\d+)"([^>]*)>(.*?)</row>', re.DOTALL)
_FIRST_CELL = re.compile(r'<c r="A\d+"([^>]*)>(.*?)</c>', re.DOTALL)
_LAST_COLUMN = re.compile(r'<c r="([A-Z]+)\d+"([^>]*)>', re.DOTALL)
_STYLE = re.compile(r'\ss="(\d+)"')
_TEXT = re.compile(r"<t[^>]*>(.*?)</t>", re.DOTALL)
_VALUE = re.compile(r"<v>(.*?)</v>", re.DOTALL)
_DIMENSION = re.compile(r'<dimension ref="A1:([A-Z]+)(\d+)"\s*/>')


def _sheet_path(book: zipfile.ZipFile, title: str) -> str | None:
    """The zip member of the sheet with this title (workbook.xml names it, its relationships locate it)."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))  # noqa: S314 (stats' own workbook)
    wanted = next((s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == title), None)
    if wanted is None:
        return None
    relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))  # noqa: S314 (as above)
    target = next(
        (r.get("Target") for r in relations.iter(f"{_PACKAGE_REL}Relationship") if r.get("Id") == wanted), None
    )
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    strings = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))  # noqa: S314 (stats' own workbook)
    return ["".join(t.text or "" for t in item.iter(f"{_MAIN}t")) for item in strings.iter(f"{_MAIN}si")]


def _cell_text(attributes: str, body: str, shared: list[str]) -> str:
    if 't="s"' in attributes:
        value = _VALUE.search(body)
        return shared[int(value.group(1))] if value and value.group(1).isdigit() else ""
    found = _TEXT.search(body) or _VALUE.search(body)
    return unescape(found.group(1)) if found else ""


def _next_column(column: str) -> str:
    """`B` -> `C`, `Z` -> `AA`."""
    number = 0
    for letter in column:
        number = number * 26 + ord(letter) - ord("A") + 1
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def with_venue_names(workbook: bytes, names: Mapping[str, str]) -> bytes:
    """The XLSX report with a `venue_name` column beside each venue id of its "Top venues" sheet (a venue no
    longer listed keeps an empty cell); the workbook unchanged when it has no such sheet."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    path = _sheet_path(source, VENUES_SHEET)
    if path is None or path not in source.namelist():
        return workbook
    shared = _shared_strings(source)
    sheet = source.read(path).decode("utf-8")
    columns = [match.group(1) for match in _LAST_COLUMN.finditer(sheet)]
    if not columns:
        return workbook
    added = _next_column(max(columns, key=lambda c: (len(c), c)))

    def named(row: re.Match[str]) -> str:
        number, attributes, cells = row.group(1), row.group(2), row.group(3)
        first = _FIRST_CELL.search(cells)
        if first is None:
            return row.group(0)
        text = NAME_HEADER if number == "1" else names.get(_cell_text(first.group(1), first.group(2), shared))
        if not text:  # a venue no longer listed: an empty cell, never a guessed name
            return row.group(0)
        style = _STYLE.search(first.group(1))
        styled = f' s="{style.group(1)}"' if style else ""
        cell = f'<c r="{added}{number}" t="inlineStr"{styled}><is><t>{escape(text)}</t></is></c>'
        return f'<row r="{number}"{attributes}>{cells}{cell}</row>'

    sheet = _ROW.sub(named, sheet)
    sheet = _DIMENSION.sub(lambda d: f'<dimension ref="A1:{added}{d.group(2)}"/>', sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = sheet.encode("utf-8") if member.filename == path else source.read(member.filename)
            target.writestr(member, data)
    return out.getvalue()
