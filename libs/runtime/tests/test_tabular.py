from __future__ import annotations

import io
from datetime import date

import pytest
from kaiku_runtime.tabular import TableError, parse_date, read_table
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
