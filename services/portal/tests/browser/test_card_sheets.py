"""Printable cards in a real browser against the real services, on a phone in Finnish and on a desktop in
English: the distributor finds the page in the navigation, downloads a sheet of cards in another language
and reads every code back from it; too many cards at once is said on the form; the coordinator sees the
same range. axe-core on every state of the page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp
from kaiku_devkit.testing import ServiceRunner, auth, unique
from kaiku_portal.domain.card_sheets import MAX_CARDS
from kaiku_portal.domain.formats import show_number
from kaiku_portal.i18n import translate
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(600)  # the first test carries the module's four services' start on 2 busy cores


@dataclass(frozen=True)
class Stock:
    prefix: str
    choice: str

    def code(self, number: int) -> str:
        return f"{self.prefix}{number:05d}"


def codes_read(pdf: bytes) -> dict[str, list[str]]:
    """Every QR code and Code 39 on the sheets, rendered at an office printer's 300 dpi, sorted by format."""
    found: dict[str, list[str]] = {"qr": [], "code39": []}
    for sheet in pypdfium2.PdfDocument(pdf):
        image = sheet.render(scale=300 / 72, grayscale=True).to_pil()
        for barcode in zxingcpp.read_barcodes(
            image, formats=[zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code39]
        ):
            found["qr" if barcode.format == zxingcpp.BarcodeFormat.QRCode else "code39"].append(barcode.text)
    return {name: sorted(codes) for name, codes in found.items()}


def lang_of(page: Page) -> str:
    size = page.viewport_size
    return "fi" if size is not None and size["width"] < 600 else "en"


@pytest.fixture(scope="module")
def stock(world: Any, service_runner: ServiceRunner) -> Iterator[Stock]:
    """The module's region, its distributor and a range of printed codes, registered in the module's issuance."""
    issuance = [svc for svc in service_runner.running if svc.name == "issuance"][-1]
    admin = auth("region_admin", region=world.region)
    with httpx.Client(base_url=issuance.url, timeout=60) as http:
        region = {"region_id": world.region, "name": "Test region"}
        assert http.post("/v1/regions", json=region, headers=auth("national")).is_success
        distributor = {"distributor_id": world.distributor, "region_id": world.region, "name": "Social services"}
        assert http.post("/v1/distributors", json=distributor, headers=admin).is_success
        prefix = "".join(c for c in unique("K") if c.isalpha())[:6]
        body = {"prefix": prefix, "first": 1, "last": 2000, "digits": 5}
        added = http.post(f"/v1/regions/{world.region}/card-ranges", json=body, headers=admin)
        assert added.status_code == 201, added.text
        yield Stock(prefix, f"{world.region}/{added.json()['range_id']}")


def test_the_distributor_prints_a_sheet_of_cards_and_every_code_reads_back(
    ui: Any, world: Any, stock: Stock, screen: Page, tmp_path: Path
):
    page, lang = screen, lang_of(screen)
    ui.sign_in(page, world.base, world.users["distributor"], lang)
    page.get_by_role("link", name=translate(lang, "nav.card_sheets")).click()
    expect(page.locator("h1")).to_have_text(translate(lang, "card_sheets.title"))
    expect(page.locator("#stock")).to_have_value(stock.choice)
    ui.accessible(page)
    ui.shoot(page, f"{lang}-distributor-card-sheets")

    page.locator("#first").fill(stock.code(101))
    page.locator("#count").fill("12")
    page.locator("#language").select_option("sv")  # the cards' language, not the page's
    with page.expect_download() as started:
        page.locator("#card-sheet-form button[type=submit]").click()
    download = started.value
    assert download.suggested_filename == f"kaikukort-{stock.code(101)}-{stock.code(112)}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    expected = [stock.code(number) for number in range(101, 113)]
    assert codes_read(saved.read_bytes()) == {"qr": expected, "code39": expected}

    page.locator("#count").fill(str(MAX_CARDS + 1))
    page.locator("#card-sheet-form button[type=submit]").click()
    most = show_number(MAX_CARDS, lang)
    expect(page.locator("#count-error")).to_have_text(translate(lang, "card_sheets.error.too_many", most=most))
    expect(page.locator("#count")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#first")).to_have_value(stock.code(101))  # the form keeps what was typed
    ui.accessible(page)
    ui.sign_out(page)

    ui.sign_in(page, world.base, world.users["region_admin"], lang)
    page.goto(f"{world.base}/card-sheets")
    expect(page.locator("#stock option")).to_have_count(1)
    expect(page.locator("#stock")).to_contain_text(f"{stock.code(1)}–{stock.code(2000)}")
    ui.accessible(page)
    ui.sign_out(page)
