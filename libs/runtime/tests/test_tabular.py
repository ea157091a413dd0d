from __future__ import annotations

import io
import time
from datetime import date

import pytest
from kaiku_devkit.testing import xlsx
from kaiku_runtime.tabular import (
    MAX_COLUMNS,
    MAX_UNCOMPRESSED_BYTES,
    TableError,
    TableTooLargeError,
    parse_date,
    read_matrix,
    read_rows,
    read_table,
)
from openpyxl import Workbook

pytestmark = pytest.mark.unit


def test_semicolon_csv_with_bom_and_aliases() -> None:
    data = "\ufeffKortin koodi;Aikuisten liput\nE2251;1\n\n10141;1\n".encode()
    rows = list(read_table(data, {"kortin_koodi": "card_code", "aikuisten_liput": "adult_tickets"}))
    assert [(r.number, r.values) for r in rows] == [
        (2, {"card_code": "E2251", "adult_tickets": "1"}),
        (4, {"card_code": "10141", "adult_tickets": "1"}),
    ]


def test_xlsx_rows_and_dates() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "date", "adult tickets"])
    sheet.append(["E2251", date(2020, 2, 3), 1.0])
    out = io.BytesIO()
    book.save(out)
    rows = list(read_table(out.getvalue()))
    assert rows[0].values == {"code": "E2251", "date": "2020-02-03", "adult_tickets": "1"}


def test_finnish_and_iso_dates() -> None:
    assert parse_date("3.2.2020") == date(2020, 2, 3)
    assert parse_date("2020-02-09") == date(2020, 2, 9)
    with pytest.raises(ValueError, match="month"):
        parse_date("3.13.2020")


def test_empty_file_is_a_clear_error() -> None:
    with pytest.raises(TableError, match="empty"):
        list(read_table(b""))


def test_declared_dimensions_are_ignored_and_columns_capped() -> None:
    data = xlsx([["card code", "adult tickets"], ["E2251", 1]], dimension="A1:XFD500")
    assert len(data) < 10_000
    started = time.monotonic()
    rows = list(read_table(data))
    assert time.monotonic() - started < 1.0
    assert [r.values for r in rows] == [{"card_code": "E2251", "adult_tickets": "1"}]
    assert all(len(cells) <= MAX_COLUMNS for cells in read_matrix(data, max_rows=10))


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    data = xlsx([["card code"], ["E2251"]], extra_entry=("xl/media/bomb.bin", MAX_UNCOMPRESSED_BYTES + 1))
    assert len(data) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(TableTooLargeError, match="unpacks to more than"):
        list(read_table(data))
    assert time.monotonic() - started < 1.0


def test_rows_are_counted_while_streaming() -> None:
    data = ("card_code\n" + "E1\n" * 1_000).encode()
    assert len(list(read_table(data, max_rows=1_000))) == 1_000
    with pytest.raises(TableTooLargeError, match="more than 500 rows"):
        list(read_matrix(data, max_rows=500))
    blank_sheet = xlsx([["card code"], ["E1"]] + [[None]] * 3 + [["E2"]])
    assert [r.values["card_code"] for r in read_table(blank_sheet)] == ["E1", "E2"]


def test_a_deadline_stops_the_reader() -> None:
    data = ("card_code\n" + "E1\n" * 100).encode()
    with pytest.raises(TableTooLargeError, match="not read within"):
        list(read_table(data, deadline=time.monotonic() - 1))


async def test_read_rows_parses_in_a_worker_thread() -> None:
    rows = await read_rows(b"card_code\nE1\n", max_rows=10)
    assert [r.values for r in rows] == [{"card_code": "E1"}]


def test_a_csv_field_over_the_csv_modules_limit_is_a_table_error() -> None:
    with pytest.raises(TableError, match="cannot be read"):
        list(read_table(b'card_code\n"' + b"x" * 200_000 + b'"\n'))
