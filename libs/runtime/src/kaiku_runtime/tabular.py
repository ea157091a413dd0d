"""Reading the spreadsheets people actually send: CSV (comma or semicolon, UTF-8 or Excel's cp1252) and XLSX.

Used by the paper-form import (issuance) and the venue report import (usage, §9.2). Rows come
out as dicts keyed by a normalised header (lower-case, spaces and dashes as `_`), with the
spreadsheet row number so a per-row report can point at the line the user sees.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

XLSX_MAGIC = b"PK\x03\x04"


class TableError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header row)."""


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # the row number as the spreadsheet shows it (header = 1)
    values: dict[str, str]


def normalise_header(name: str) -> str:
    return re.sub(r"[\s\-/]+", "_", name.strip().lower()).strip("_")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_from_matrix(matrix: Iterator[list[str]], aliases: dict[str, str]) -> Iterator[Row]:
    header: list[str] | None = None
    for number, cells in enumerate(matrix, start=1):
        if header is None:
            header = [aliases.get(normalise_header(c), normalise_header(c)) for c in cells]
            if not any(header):
                raise TableError("the first row must be a header row naming the columns")
            continue
        if not any(c.strip() for c in cells):
            continue
        yield Row(number, {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h})
    if header is None:
        raise TableError("the file is empty")


def read_table(data: bytes, aliases: dict[str, str] | None = None) -> Iterator[Row]:
    """Rows of a CSV or XLSX file; `aliases` maps other header spellings to the canonical column name."""
    names = aliases or {}
    if data.startswith(XLSX_MAGIC):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise TableError("the file looks like XLSX but cannot be opened") from exc
        sheet = workbook.worksheets[0]
        matrix = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        yield from _rows_from_matrix(matrix, names)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    yield from _rows_from_matrix(iter(csv.reader(io.StringIO(text), delimiter=delimiter)), names)


_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(text: str) -> date:
    """A date as people write it in Finland (`3.2.2020`) or ISO (`2020-02-03`)."""
    value = text.strip()
    match = _FINNISH_DATE.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(value[:10])
