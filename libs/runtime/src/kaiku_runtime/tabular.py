"""Reading the spreadsheets people actually send: CSV (comma or semicolon, UTF-8 or Excel's cp1252) and XLSX.

Used by the paper-form import (issuance) and the venue report import (usage, §9.2). Rows come
out as dicts keyed by a normalised header (lower-case, spaces and dashes as `_`), with the
spreadsheet row number so a per-row report can point at the line the user sees.

An upload must not be able to exhaust the service (docs/issuance.md, docs/usage.md "Limits"): an
XLSX's declared dimensions are ignored (a 1.5 KB file may declare `A1:XFD500`, half a million
cells), at most `MAX_COLUMNS` columns are read, the archive's uncompressed size is checked before
any parsing (Python's zipfile never inflates an entry past its declared size, so a zip bomb cannot
lie its way through), rows are counted while streaming, and `read_rows` parses in a worker thread
under a time limit.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

XLSX_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 64  # the forms have under 20; wider rows are cut, never padded out to a declared width
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024  # all the XLSX's parts together, inflated
MAX_ARCHIVE_ENTRIES = 1_000
MAX_BLANK_ROWS = 10_000  # rows of nothing in a row (a sheet that says it ends at row 1,048,576)
PARSE_SECONDS = 30.0


class TableError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header row)."""


class TableTooLargeError(TableError):
    """The file holds more than an import reads (rows, inflated size, time): 413 `payload_too_large`."""


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


def check_xlsx_archive(data: bytes, max_uncompressed: int = MAX_UNCOMPRESSED_BYTES) -> None:
    """Refuse an XLSX whose parts would inflate past `max_uncompressed` bytes, before parsing any of it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise TableError("the file looks like XLSX but cannot be opened") from exc
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise TableTooLargeError(f"the XLSX file has more than {MAX_ARCHIVE_ENTRIES} parts")
    if sum(entry.file_size for entry in entries) > max_uncompressed:
        raise TableTooLargeError(f"the XLSX file unpacks to more than {max_uncompressed // 2**20} MiB")


def read_matrix(data: bytes, *, max_rows: int, deadline: float | None = None) -> Iterator[list[str]]:
    """The cells of a CSV or XLSX file row by row (the first sheet), at most `MAX_COLUMNS` wide.

    Raises TableTooLargeError past `max_rows` rows (blank ones included), past `MAX_BLANK_ROWS` blank rows
    in a row, or past `deadline` (`time.monotonic()`); TableError when it is neither CSV nor XLSX.
    """
    raw = _xlsx_cells(data) if data.startswith(XLSX_MAGIC) else _csv_cells(data)
    blank = 0
    for count, cells in enumerate(raw, start=1):
        if count > max_rows:
            raise TableTooLargeError(f"more than {max_rows:,} rows; split the file")
        blank = 0 if any(cells) else blank + 1
        if blank > MAX_BLANK_ROWS:
            raise TableTooLargeError(f"more than {MAX_BLANK_ROWS:,} empty rows in a row")
        if deadline is not None and time.monotonic() > deadline:
            raise TableTooLargeError(f"not read within {PARSE_SECONDS:.0f} s; send a smaller file")
        yield cells


def _xlsx_cells(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    check_xlsx_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:
        raise TableError("the file looks like XLSX but cannot be opened") from exc
    try:
        # the declared dimension (`<dimension ref="A1:XFD500"/>`) would pad every row to its width
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # broken XML inside the archive
                raise TableError("the XLSX file's sheet cannot be read") from exc
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _csv_cells(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        for cells in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield cells[:MAX_COLUMNS]
    except csv.Error as exc:  # e.g. a field over the csv module's 128 KiB
        raise TableError(f"the CSV file cannot be read ({exc})") from exc


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


def read_table(
    data: bytes, aliases: dict[str, str] | None = None, *, max_rows: int = 100_000, deadline: float | None = None
) -> Iterator[Row]:
    """Rows of a CSV or XLSX file; `aliases` maps other header spellings to the canonical column name.

    Blocking: in a service, call `read_rows` (a worker thread, a time limit) instead."""
    # the header and a few title rows above it come on top of the data rows
    yield from _rows_from_matrix(read_matrix(data, max_rows=max_rows + 20, deadline=deadline), aliases or {})


async def read_rows(
    data: bytes, aliases: dict[str, str] | None = None, *, max_rows: int, seconds: float = PARSE_SECONDS
) -> list[Row]:
    """`read_table` off the event loop, given up after `seconds` (the worker stops at the same deadline)."""
    deadline = time.monotonic() + seconds

    def parse() -> list[Row]:
        return list(read_table(data, aliases, max_rows=max_rows, deadline=deadline))

    try:
        return await asyncio.wait_for(asyncio.to_thread(parse), seconds + 1)
    except TimeoutError as exc:
        raise TableTooLargeError(f"not read within {seconds:.0f} s; send a smaller file") from exc


_FINNISH_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def parse_date(text: str) -> date:
    """A date as people write it in Finland (`3.2.2020`) or ISO (`2020-02-03`)."""
    value = text.strip()
    match = _FINNISH_DATE.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(value[:10])
