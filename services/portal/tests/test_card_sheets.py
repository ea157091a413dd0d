"""Printable cards (domain/card_sheets.py): the PDF is rendered as a printer would and every card's QR code and
Code 39 are read back with a barcode reader; they are exactly the range's codes asked for, in order, and the
register (issuance's own range rule) accepts each one."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from kaiku_issuance.domain.stock import CodeRange
from kaiku_portal.domain.card_sheets import (
    CARD_HEIGHT,
    CARD_WIDTH,
    CARD_WORDS,
    CARDS_PER_PAGE,
    COLUMNS,
    DATE_SPACE,
    LABEL_SIZE,
    LEFT,
    MAX_CARDS,
    NUMBER_SPACE,
    PADDING,
    TEXT_LINE,
    TEXT_SIZE,
    TEXT_WIDTH,
    TOP,
    CardStock,
    SheetOrder,
    SheetProblem,
    card_sheet_pdf,
    sheet_order,
)
from kaiku_portal.i18n import LANGS, translate
from PIL import Image
from pypdf import PdfReader

pytestmark = pytest.mark.unit

DPI = 300  # an office printer's resolution
MM = DPI / 25.4


def read_cards(pdf: bytes) -> list[dict[zxingcpp.BarcodeFormat, list[str]]]:
    """Each card's decoded codes by format, card by card in print order (page, then row, then column)."""
    document = pypdfium2.PdfDocument(pdf)
    cards = []
    for page in document:
        image: Image.Image = page.render(scale=DPI / 72, grayscale=True).to_pil()
        for index in range(CARDS_PER_PAGE):
            column, row = index % COLUMNS, index // COLUMNS
            left, top = (LEFT + column * CARD_WIDTH) * MM, (TOP + row * CARD_HEIGHT) * MM
            card = image.crop((round(left), round(top), round(left + CARD_WIDTH * MM), round(top + CARD_HEIGHT * MM)))
            found = zxingcpp.read_barcodes(card, formats=[zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code39])
            if not found:
                continue  # an empty place on the last sheet
            by_format: dict[zxingcpp.BarcodeFormat, list[str]] = {}
            for barcode in found:
                by_format.setdefault(barcode.format, []).append(barcode.text)
            cards.append(by_format)
    return cards


def say_in(lang: str):
    return lambda key: translate(lang, key)


@pytest.mark.parametrize("lang", LANGS)
def test_the_printed_codes_read_back_are_exactly_the_ranges_codes_asked_for(lang: str):
    stock = CardStock("E", 1, 500, 4)
    order = sheet_order(stock, "e0095", "13")  # as typed: lower case; two sheets, the second not full
    assert isinstance(order, SheetOrder)
    expected = [f"E{number:04d}" for number in range(95, 108)]
    assert order.codes == expected

    pdf = card_sheet_pdf(order.codes, say_in(lang))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    cards = read_cards(pdf)
    qr = [card.get(zxingcpp.BarcodeFormat.QRCode) for card in cards]
    code39 = [card.get(zxingcpp.BarcodeFormat.Code39) for card in cards]
    assert qr == [[code] for code in expected]  # one QR code a card, in the range's order
    assert code39 == [[code] for code in expected]  # and one Code 39, the same code
    registered = CodeRange("E", 1, 500, 4)
    assert all(registered.contains(code) for code in expected)  # the register accepts every printed code


@pytest.mark.parametrize("lang", LANGS)
def test_each_card_carries_its_fixed_texts_in_the_chosen_language_and_its_code_in_plain_text(lang: str):
    codes = [f"{number}" for number in range(10140, 10150)]  # a range of plain numbers (§2: `10142`)
    pdf = PdfReader(io.BytesIO(card_sheet_pdf(codes, say_in(lang))))
    assert len(pdf.pages) == 1
    text = " ".join(pdf.pages[0].extract_text().split())
    for key in CARD_WORDS.values():
        assert " ".join(translate(lang, key).split()) in text, key
    for other in set(LANGS) - {lang}:
        assert translate(other, CARD_WORDS["gives"]) not in text
    for code in codes:
        assert code in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_cards_words_fit_their_place_in_every_language(lang: str):
    """What the card gives and that it is personal: two lines each beside the QR code, or the lines to write
    on would be printed over (a translation grown too long fails here)."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm")
    pdf.add_page()
    for key, style in ((CARD_WORDS["gives"], ""), (CARD_WORDS["personal"], "B")):
        pdf.set_font("Helvetica", style, TEXT_SIZE)
        lines = pdf.multi_cell(TEXT_WIDTH, TEXT_LINE, translate(lang, key), dry_run=True, output="LINES")
        assert len(lines) <= 2, (key, lines)
    # one row: the expiry date's label and line, then the children's label and line (each label + 1 mm, 3 mm apart)
    pdf.set_font("Helvetica", "", LABEL_SIZE)
    labels = sum(pdf.get_string_width(translate(lang, CARD_WORDS[part])) + 1 for part in ("valid_until", "children"))
    assert CARD_WIDTH - 2 * PADDING - labels - 3 - NUMBER_SPACE >= DATE_SPACE


def test_the_longest_code_still_reads_back():
    """20 characters (docs/rules.md §2): the bars narrow to fit the card and stay readable."""
    stock = CardStock("KAIKUKOR", 10**11, 10**12 - 1, 12)
    order = sheet_order(stock, "", "2")
    assert isinstance(order, SheetOrder)
    assert [len(code) for code in order.codes] == [20, 20]
    cards = read_cards(card_sheet_pdf(order.codes, say_in("fi")))
    assert [card.get(zxingcpp.BarcodeFormat.Code39) for card in cards] == [[code] for code in order.codes]
    assert [card.get(zxingcpp.BarcodeFormat.QRCode) for card in cards] == [[code] for code in order.codes]


@pytest.mark.parametrize(
    ("first", "count", "wanted"),
    [
        ("", "3", ["E0001", "E0002", "E0003"]),  # empty: from the range's first code
        ("E0498", "3", ["E0498", "E0499", "E0500"]),  # up to the range's last code
        ("17", "1", ["E0017"]),  # the number alone
        (" e17 ", "1", ["E0017"]),  # the prefix in lower case, unpadded
    ],
)
def test_the_form_asks_for_codes_of_the_range(first: str, count: str, wanted: list[str]):
    order = sheet_order(CardStock("E", 1, 500, 4), first, count)
    assert isinstance(order, SheetOrder)
    assert order.codes == wanted


@pytest.mark.parametrize(
    ("first", "count", "problem"),
    [
        ("E0501", "1", SheetProblem("first", "card_sheets.error.first", {"first": "E0001", "last": "E0500"})),
        ("0", "1", SheetProblem("first", "card_sheets.error.first", {"first": "E0001", "last": "E0500"})),
        ("F0010", "1", SheetProblem("first", "card_sheets.error.first", {"first": "E0001", "last": "E0500"})),
        ("E 10", "1", SheetProblem("first", "card_sheets.error.first", {"first": "E0001", "last": "E0500"})),
        ("E0010", "0", SheetProblem("count", "card_sheets.error.count")),
        ("E0010", "ten", SheetProblem("count", "card_sheets.error.count")),
        ("E0010", "-5", SheetProblem("count", "card_sheets.error.count")),
        ("E0010", "²", SheetProblem("count", "card_sheets.error.count")),
        ("E0490", "12", SheetProblem("count", "card_sheets.error.past_end", {"left": 11, "last": "E0500"})),
    ],
)
def test_codes_outside_the_range_or_a_wrong_count_are_named(first: str, count: str, problem: SheetProblem):
    assert sheet_order(CardStock("E", 1, 500, 4), first, count) == problem


def test_one_download_holds_at_most_a_thousand_cards():
    stock = CardStock("", 1, 5000)
    assert sheet_order(stock, "", str(MAX_CARDS + 1)) == SheetProblem(
        "count", "card_sheets.error.too_many", {"most": MAX_CARDS}
    )
    largest = sheet_order(stock, "4001", str(MAX_CARDS))
    assert isinstance(largest, SheetOrder)
    assert (largest.codes[0], largest.codes[-1], len(largest.codes)) == ("4001", "5000", MAX_CARDS)
    with pytest.raises(ValueError, match="1 to 1000 cards"):
        card_sheet_pdf([*largest.codes, "5001"], say_in("fi"))
