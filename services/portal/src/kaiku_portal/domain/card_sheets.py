"""Printable card stock (§2: "a numbered cardboard card"; docs/portal/README.md "Printable cards").

A region prints its cards from a code range it registered in issuance; a distributor may print more of its
region's stock. A sheet is A4 with ten cards of 85 × 54 mm (two columns, five rows) that touch, so one cut
separates two cards; crop marks in the margins show where to cut. Each card carries its fixed texts in the
chosen language, lines to write on by hand (the holder's name, the expiry date and the number of children
and grandchildren under 18: §2, all written on the card; the name is never stored anywhere, §11), and its
code three ways: in plain text, as Code 39 and as a QR code. The codes are exactly the range's codes,
formatted as issuance formats them (a prefix, then the number zero-padded to the range's width).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kaiku_portal.domain.forms import Translate, latin

if TYPE_CHECKING:
    from fpdf import FPDF

MAX_CARDS = 1000
"""The most cards one download holds (a hundred sheets): a bigger order is printed in parts."""

CARD_WIDTH = 85.0  # mm: the size of a payment card (ISO/IEC 7810 ID-1, rounded), fits a wallet
CARD_HEIGHT = 54.0
COLUMNS = 2
ROWS = 5
CARDS_PER_PAGE = COLUMNS * ROWS
PAGE_WIDTH = 210.0  # A4 portrait
PAGE_HEIGHT = 297.0
LEFT = (PAGE_WIDTH - COLUMNS * CARD_WIDTH) / 2
TOP = (PAGE_HEIGHT - ROWS * CARD_HEIGHT) / 2
PADDING = 4.0  # white inside each card's edge: the cut may wander a little, a code never gets cut
QR_SIZE = 18.0  # the QR code's side without its quiet zone (a phone reads it at arm's length)
BAR_HEIGHT = 9.0
MAX_WIDE_BAR = 0.75  # Code 39's wide bar; its narrow bar is a third of it (0.25 mm prints on any office printer)
CODE39_QUIET = 3.0  # white left and right of the bars (Code 39 asks ten narrow bars at least)
CROP_MARK = 5.0  # length of a crop mark, drawn in the margin
CROP_GAP = 1.5  # between a crop mark and the cards, so a mark never shows on a card
TEXT_WIDTH = CARD_WIDTH - 2 * PADDING - QR_SIZE - 3  # the card's words, left of its QR code
TEXT_SIZE = 7.0  # pt; what the card gives and that it is personal take two lines each at most
TEXT_LINE = 2.9  # mm
LABEL_SIZE = 6.5  # pt: the labels of the lines written on by hand
DATE_SPACE = 17.0  # mm at least to write the expiry date (dd.mm.yyyy) by hand
NUMBER_SPACE = 7.0  # mm to write the number of children (0-20) by hand

CARD_WORDS = {
    "name": "card_sheets.card.name",
    "gives": "card_sheets.card.gives",
    "personal": "card_sheets.card.personal",
    "holder": "card_sheets.card.holder",
    "valid_until": "card_sheets.card.valid_until",
    "children": "card_sheets.card.children",
}
"""The card's fixed texts: message keys, said in the language chosen for the cards."""

_TYPED_CODE = re.compile(r"^([A-Z-]*)([0-9]{1,20})$")
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: `²` is a digit to str.isdigit, not to int


@dataclass(frozen=True, slots=True)
class CardStock:
    """A printed code range as issuance registers it: `prefix` and a number from `first` to `last`, zero-padded
    to `digits` digits where given (`E0001`..`E0500`); the same codes issuance accepts into the register."""

    prefix: str
    first: int
    last: int
    digits: int | None = None

    def code(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits or 0}d}"

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def number(self, typed: str) -> int | None:
        """The number of a code typed in the form (`E0017`, `e17` or just `17`), or None when it is no code of
        this range."""
        match = _TYPED_CODE.match(typed.strip().upper())
        if match is None or match.group(1) not in ("", self.prefix):
            return None
        number = int(match.group(2))
        return number if self.first <= number <= self.last else None


@dataclass(frozen=True, slots=True)
class SheetOrder:
    """`count` consecutive cards of `stock`, from the number `first` on."""

    stock: CardStock
    first: int
    count: int

    @property
    def codes(self) -> list[str]:
        return [self.stock.code(number) for number in range(self.first, self.first + self.count)]


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """Why the form's order cannot be printed: the field at fault and a message key with its values."""

    form_field: str
    message: str
    values: dict[str, str | int] = field(default_factory=dict)


def sheet_order(stock: CardStock, first: str, count: str) -> SheetOrder | SheetProblem:
    """The cards the form asks for: from the code `first` (empty: the range's first) `count` cards, all inside
    the range and at most `MAX_CARDS` of them."""
    number = stock.first if not first.strip() else stock.number(first)
    if number is None:
        values: dict[str, str | int] = {"first": stock.code(stock.first), "last": stock.code(stock.last)}
        return SheetProblem("first", "card_sheets.error.first", values)
    if _WHOLE_NUMBER.match(count.strip()) is None or int(count) < 1:
        return SheetProblem("count", "card_sheets.error.count")
    wanted = int(count)
    if wanted > MAX_CARDS:
        return SheetProblem("count", "card_sheets.error.too_many", {"most": MAX_CARDS})
    left = stock.last - number + 1
    if wanted > left:
        return SheetProblem("count", "card_sheets.error.past_end", {"left": left, "last": stock.code(stock.last)})
    return SheetOrder(stock, number, wanted)


def card_sheet_pdf(codes: Sequence[str], say: Translate) -> bytes:
    """The cards as A4 sheets ready to print and cut: ten a page, in the order given, said by `say`."""
    from fpdf import FPDF

    if not 0 < len(codes) <= MAX_CARDS:
        raise ValueError(f"a sheet holds 1 to {MAX_CARDS} cards, not {len(codes)}")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"{say(CARD_WORDS['name'])} {codes[0]}-{codes[-1]}")
    pdf.set_auto_page_break(auto=False)
    words = {part: latin(say(key)) for part, key in CARD_WORDS.items()}
    pages = (len(codes) + CARDS_PER_PAGE - 1) // CARDS_PER_PAGE
    for page in range(pages):
        on_page = codes[page * CARDS_PER_PAGE : (page + 1) * CARDS_PER_PAGE]
        pdf.add_page()
        _crop_marks(pdf)
        for index, code in enumerate(on_page):
            column, row = index % COLUMNS, index // COLUMNS
            _card(pdf, LEFT + column * CARD_WIDTH, TOP + row * CARD_HEIGHT, code, words)
        pdf.set_font("Helvetica", "", 6)
        pdf.set_text_color(110)
        pdf.set_xy(LEFT + 6, PAGE_HEIGHT - TOP + CROP_GAP + 1)
        pdf.cell(80, 3, f"{words['name']} {on_page[0]}-{on_page[-1]}   {page + 1}/{pages}")
        pdf.set_text_color(0)
    return bytes(pdf.output())


def _crop_marks(pdf: FPDF) -> None:
    """Short lines in the margins along every cut: the sheet's edges and the lines between cards."""
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    right, bottom = LEFT + COLUMNS * CARD_WIDTH, TOP + ROWS * CARD_HEIGHT
    for column in range(COLUMNS + 1):
        x = LEFT + column * CARD_WIDTH
        pdf.line(x, TOP - CROP_GAP - CROP_MARK, x, TOP - CROP_GAP)
        pdf.line(x, bottom + CROP_GAP, x, bottom + CROP_GAP + CROP_MARK)
    for row in range(ROWS + 1):
        y = TOP + row * CARD_HEIGHT
        pdf.line(LEFT - CROP_GAP - CROP_MARK, y, LEFT - CROP_GAP, y)
        pdf.line(right + CROP_GAP, y, right + CROP_GAP + CROP_MARK, y)


def _card(pdf: FPDF, x: float, y: float, code: str, words: dict[str, str]) -> None:
    left, end = x + PADDING, x + CARD_WIDTH - PADDING
    pdf.set_xy(left, y + 3.5)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(TEXT_WIDTH, 5.5, words["name"])
    pdf.set_xy(left, y + 9.5)
    pdf.set_font("Helvetica", "", TEXT_SIZE)
    pdf.multi_cell(TEXT_WIDTH, TEXT_LINE, words["gives"], align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(left, pdf.get_y() + 0.8)
    pdf.set_font("Helvetica", "B", TEXT_SIZE)
    pdf.multi_cell(TEXT_WIDTH, TEXT_LINE, words["personal"], align="L")
    _qr(pdf, code, end - QR_SIZE, y + 3.5)

    # written by hand when the card is granted (§2); the register stores none of it but the number of children
    pdf.set_font("Helvetica", "", LABEL_SIZE)
    _line_to_fill(pdf, words["holder"], left, y + 22.5, end)
    children = end - NUMBER_SPACE - pdf.get_string_width(words["children"]) - 1
    _line_to_fill(pdf, words["valid_until"], left, y + 28.5, children - 3)
    _line_to_fill(pdf, words["children"], children, y + 28.5, end)

    wide = min(MAX_WIDE_BAR, (CARD_WIDTH - 2 * PADDING - 2 * CODE39_QUIET) / (len(code) + 2) / (16 / 3))
    bars = (len(code) + 2) * wide * 16 / 3 - wide / 3
    pdf.set_fill_color(0)
    pdf.code39(f"*{code}*", x + (CARD_WIDTH - bars) / 2, y + 35.5, w=wide, h=BAR_HEIGHT)
    pdf.set_xy(left, y + 35.5 + BAR_HEIGHT + 0.5)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(end - left, 4, code, align="C")


def _line_to_fill(pdf: FPDF, label: str, x: float, y: float, end: float) -> None:
    """A label (in the current font) and the line after it to write on."""
    pdf.set_xy(x, y)
    width = pdf.get_string_width(label) + 1
    pdf.cell(width, 5, label)
    pdf.set_line_width(0.2)
    pdf.line(x + width, y + 4, end, y + 4)


def _qr(pdf: FPDF, code: str, x: float, y: float) -> None:
    """The code as a QR code (error correction M), each row's dark modules drawn as runs of squares."""
    import segno

    matrix = segno.make_qr(code, error="m").matrix
    module = QR_SIZE / len(matrix)
    pdf.set_fill_color(0)
    for row, modules in enumerate(matrix):
        start: int | None = None
        for column, dark in enumerate([*modules, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + row * module, (column - start) * module, module, "F")
                start = None
