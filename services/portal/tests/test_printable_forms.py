"""The printable §9.2 form: its XLSX filled in as a venue would goes through usage's report import as it is;
its PDF carries the form's words in the page's language."""

from __future__ import annotations

import io
from datetime import date

import pytest
from kaiku_portal.domain.forms import VENUE_REPORT, as_pdf, as_xlsx
from kaiku_portal.i18n import LANGS, translate
from kaiku_runtime.tabular import read_table
from kaiku_usage.domain.venue_report import ReportLine, SkippedRow, parse_line
from openpyxl import load_workbook
from pypdf import PdfReader

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("lang", LANGS)
def test_the_filled_in_xlsx_goes_through_the_venue_report_import_as_it_is(lang: str):
    blank = as_xlsx(VENUE_REPORT, lambda key: translate(lang, key))
    book = load_workbook(io.BytesIO(blank))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [translate(lang, key) for key in VENUE_REPORT.columns]
    # the venue types into the empty rows under the header, as a clerk would
    for row, values in enumerate(
        [("10141", 1, 2, "En magisk sommarnatt", "9.2.2020"), ("10142", 0, 1, "Kesäteatteri", "10.2.2020")], start=2
    ):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    total = sheet.max_row
    assert sheet.cell(row=total, column=1).value == translate(lang, "uses.total_row")
    assert sheet.cell(row=total, column=2).value == f"=SUM(B2:B{total - 1})"
    filled = io.BytesIO()
    book.save(filled)

    parsed = [parse_line(row.number, row.values) for row in read_table(filled.getvalue())]
    lines = [p for p in parsed if isinstance(p, ReportLine)]
    assert [(p.card_code, p.adult_tickets, p.child_tickets, p.performance_name, p.performed_on) for p in lines] == [
        ("10141", 1, 2, "En magisk sommarnatt", date(2020, 2, 9)),
        ("10142", 0, 1, "Kesäteatteri", date(2020, 2, 10)),
    ]
    assert len(parsed) == 3
    assert isinstance(parsed[-1], SkippedRow)  # the total row: recognised, never taken for a card


def test_the_xlsx_refuses_a_second_adult_ticket_as_it_is_typed():
    sheet = load_workbook(io.BytesIO(as_xlsx(VENUE_REPORT, lambda key: translate("fi", key)))).worksheets[0]
    rules = {str(rule.sqref): (rule.formula1, rule.formula2) for rule in sheet.data_validations.dataValidation}
    assert rules == {"B2:B26": ("0", "1"), "C2:C26": ("0", "50")}  # §7.2: the holder's own ticket, one


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_is_the_form_in_the_pages_language(lang: str):
    pdf = PdfReader(io.BytesIO(as_pdf(VENUE_REPORT, lambda key: translate(lang, key))))
    assert len(pdf.pages) == 1  # one A4 sheet to print
    text = " ".join(pdf.pages[0].extract_text().split())
    for key in (VENUE_REPORT.title, *VENUE_REPORT.columns, *VENUE_REPORT.fields, "uses.total_row"):
        assert " ".join(translate(lang, key).split()) in text, key
    assert "§9.2" in text
