"""The printable forms (docs/rules.md §9.2, the venue's usage report; §4.2, the distributor's transfer form)
as a fillable XLSX, whose header row is the one the import reads (so a filled-in file goes back in as it
is), and as a print-ready A4 PDF for a pen, both in the page's language. The forms' words are catalogue
messages; a form's columns are the same messages as the list of uses' export (one source for each header)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

Translate = Callable[[str], str]


@dataclass(frozen=True)
class FormLayout:
    """One printable form: its words (message keys) and its table."""

    file_stem: str  # message key of the downloaded file's name
    title: str
    note: str
    fields: tuple[str, ...]  # lines filled in by hand above the table (on paper only; never stored)
    columns: tuple[str, ...]  # the table's headers: the import's columns, in its order
    widths: tuple[int, ...]  # relative column widths
    whole_numbers: dict[int, tuple[int, int]]  # column index -> the range a cell may hold (XLSX checks it)
    total_row: bool
    blank_rows: int = 25
    text_columns: tuple[int, ...] = (0,)  # kept as typed: a spreadsheet would drop a code's leading zeros


VENUE_REPORT = FormLayout(
    file_stem="forms.venue_report.file",
    title="forms.venue_report.title",
    note="forms.venue_report.note",
    fields=("forms.field.venue", "forms.field.period", "forms.field.sent_on"),
    columns=(
        "uses.column.card_code",
        "uses.column.adult_tickets",
        "uses.column.child_tickets",
        "uses.column.performance",
        "uses.column.date",
    ),
    widths=(18, 11, 11, 40, 14),
    # §7.2: one adult (the holder's own) ticket per card and performance; children as the venue's report allows
    whole_numbers={1: (0, 1), 2: (0, 50)},
    total_row=True,
)

TRANSFER_COLUMNS = ("card_code", "issued_on", "birth_year", "mother_tongue", "gender", "postal_code", "life_situation")
"""The §4.2 transfer form's columns, in the order issuance's paper-form import documents them."""

TRANSFER = FormLayout(
    file_stem="forms.transfer.file",
    title="forms.transfer.title",
    note="forms.transfer.note",
    fields=("forms.field.distributor", "forms.field.branch", "forms.field.sent_on"),
    columns=tuple(f"import.header.{column}" for column in TRANSFER_COLUMNS),
    widths=(16, 13, 11, 14, 12, 11, 22),
    whole_numbers={},
    total_row=False,
    text_columns=(0, 5),  # the card code and the postal code keep their leading zeros (§4.2: five digits)
)

FORMS = {"venue-report": VENUE_REPORT, "transfer": TRANSFER}
"""The forms by the name in their URL (/forms/<name>.xlsx, /forms/<name>.pdf)."""


def as_xlsx(form: FormLayout, say: Translate) -> bytes:
    """Sheet 1: the header row in row 1 (what the import reads), empty rows, the total row with sums; sheet 2:
    the form's title, note and the lines to fill in."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    table = book.active
    assert table is not None
    table.title = say(form.title)[:31]  # Excel's limit for a sheet's name
    table.append([say(column) for column in form.columns])
    for cell in table[1]:
        cell.font = Font(bold=True)
    table.freeze_panes = "A2"
    last = form.blank_rows + 1
    for index, width in enumerate(form.widths, start=1):
        table.column_dimensions[get_column_letter(index)].width = width
    for index in form.text_columns:
        for row in range(2, last + 1):
            table.cell(row=row, column=index + 1).number_format = "@"
    for index, (low, high) in form.whole_numbers.items():
        letter = get_column_letter(index + 1)
        check = DataValidation(type="whole", operator="between", formula1=str(low), formula2=str(high))
        check.error = say("forms.whole_number").format(low=low, high=high)
        check.showErrorMessage = True
        table.add_data_validation(check)
        check.add(f"{letter}2:{letter}{last}")
    if form.total_row:
        total = [say("uses.total_row")] + [""] * (len(form.columns) - 1)
        for index in form.whole_numbers:
            letter = get_column_letter(index + 1)
            total[index] = f"=SUM({letter}2:{letter}{last})"
        # below the rows to fill in, which stay empty (the import skips empty rows and recognises this one)
        for column, value in enumerate(total, start=1):
            table.cell(row=last + 1, column=column, value=value).font = Font(bold=True)
    guide = book.create_sheet(say("forms.guide_sheet")[:31])
    guide.append([say(form.title)])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append([say(form.note)])
    guide.append([])
    for line in form.fields:
        guide.append([say(line), ""])
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_pdf(form: FormLayout, say: Translate) -> bytes:
    """A4 portrait: the title, the note, the lines to fill in, the table with empty rows and the total row."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(say(form.title))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, latin(say(form.title)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 4.5, latin(say(form.note)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 10)
    for line in form.fields:
        pdf.cell(45, 8, latin(say(line)) + ":")
        pdf.cell(0, 8, "", border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    widths = [usable * w / sum(form.widths) for w in form.widths]
    pdf.set_font("Helvetica", "B", 9)
    for width, column in zip(widths, form.columns, strict=True):
        pdf.cell(width, 7, latin(say(column)), border=1, align="C")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for _ in range(form.blank_rows):
        for width in widths:
            pdf.cell(width, 7.5, "", border=1)
        pdf.ln()
    if form.total_row:
        pdf.set_font("Helvetica", "B", 9)
        for index, width in enumerate(widths):
            pdf.cell(width, 7.5, latin(say("uses.total_row")) if index == 0 else "", border=1)
        pdf.ln()
    return bytes(pdf.output())


def latin(text: str) -> str:
    """PDF's core fonts carry Latin-1 (ä, ö, å, § included); a dash or quote outside it becomes its ASCII kin."""
    return text.translate({0x2013: "-", 0x2014: "-", 0x2019: "'", 0x201C: '"', 0x201D: '"', 0x2026: "..."})
