"""The printable cards' pages (in-process portal, own PostgreSQL database, a real issuance process): a region's
coordinator, its distributors and the national office print their region's registered code ranges as a PDF in
the language chosen for the cards; a venue may not; another region's range is never printed."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import zxingcpp
from asgi_lifespan import LifespanManager
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, auth, unique
from kaiku_portal import app as portal
from kaiku_portal.domain.card_sheets import MAX_CARDS
from kaiku_portal.domain.formats import show_number
from kaiku_portal.i18n import translate
from kaiku_portal.service.accounts import Accounts
from kaiku_runtime.auth import Role
from markupsafe import escape
from pypdf import PdfReader

from .test_card_sheets import read_cards

pytestmark = pytest.mark.connected
PASSWORD = "a-long-test-password"


@dataclass(frozen=True)
class Stock:
    """A region with a distributor and one registered range of printed codes, in a running issuance."""

    issuance: ServiceProcess
    region: str
    distributor: str
    prefix: str
    range_id: int

    @property
    def choice(self) -> str:
        return f"{self.region}/{self.range_id}"

    def code(self, number: int) -> str:
        return f"{self.prefix}{number:04d}"


@pytest.fixture(scope="module")
def stock(service_runner: ServiceRunner) -> Iterator[Stock]:
    with service_runner.started("issuance") as (issuance,), httpx.Client(base_url=issuance.url, timeout=60) as http:
        region, distributor = unique("R"), unique("D")
        prefix = "".join(c for c in unique("K") if c.isalpha())[:6]
        admin = auth("region_admin", region=region)
        assert http.post("/v1/regions", json={"region_id": region, "name": "Alue"}, headers=auth("national")).is_success
        body = {"distributor_id": distributor, "region_id": region, "name": "Sosiaalitoimi"}
        assert http.post("/v1/distributors", json=body, headers=admin).is_success
        added = http.post(f"/v1/regions/{region}/card-ranges", json={"prefix": prefix, "first": 1, "last": 200,
                                                                    "digits": 4}, headers=admin)  # fmt: skip
        assert added.status_code == 201, added.text
        yield Stock(issuance, region, distributor, prefix, added.json()["range_id"])


@pytest.fixture
async def app(
    portal_alone: LifespanManager, stock: Stock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.ASGITransport]:
    monkeypatch.setattr(portal.settings, "issuance_url", stock.issuance.url)
    async with portal_alone as manager:
        accounts: Accounts = portal.app.state.accounts
        await accounts.create("coord.north", PASSWORD, Role.REGION_ADMIN, stock.region)
        await accounts.create("social.north", PASSWORD, Role.DISTRIBUTOR, stock.region, stock.distributor)
        await accounts.create("clerk.north", PASSWORD, Role.VENUE, stock.region, "V1")
        await accounts.create("office.national", PASSWORD, Role.NATIONAL)
        await accounts.create("coord.south", PASSWORD, Role.REGION_ADMIN, unique("R"))
        yield httpx.ASGITransport(app=manager.app)


@contextlib.asynccontextmanager
async def signed_in(app: httpx.ASGITransport, username: str, lang: str = "en") -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=app, base_url="http://portal", headers={"Accept-Language": lang}) as http:
        answer = await http.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        yield http


def words(lang: str, key: str, **values: str) -> str:
    """The catalogue's text as it stands in the page's HTML."""
    return str(escape(translate(lang, key, **values)))


@pytest.mark.parametrize(
    ("username", "card_lang"),
    [("coord.north", "fi"), ("social.north", "sv"), ("office.national", "en")],
    ids=["region-admin-fi", "distributor-sv", "national-en"],
)
async def test_the_regions_printers_download_its_codes_as_cards_in_the_language_chosen(
    app: httpx.ASGITransport, stock: Stock, username: str, card_lang: str
):
    async with signed_in(app, username) as http:
        page = await http.get("/card-sheets")
        assert page.status_code == 200
        assert f'value="{stock.choice}"' in page.text  # the region's range is offered
        assert words("en", "card_sheets.stock_option", label=f"{stock.code(1)}–{stock.code(200)}", size="200") in (
            page.text
        )
        assert 'href="/card-sheets" aria-current="page"' in page.text  # in the role's navigation

        sheet = await http.get(
            "/card-sheets/cards.pdf",
            params={"stock": stock.choice, "first": stock.code(41), "count": "12", "language": card_lang},
        )
    assert sheet.status_code == 200, sheet.text
    assert sheet.headers["content-type"] == "application/pdf"
    stem = translate(card_lang, "card_sheets.file")
    assert sheet.headers["content-disposition"] == (
        f'attachment; filename="{stem}-{stock.code(41)}-{stock.code(52)}.pdf"'
    )
    expected = [[stock.code(number)] for number in range(41, 53)]
    cards = read_cards(sheet.content)
    assert [card.get(zxingcpp.BarcodeFormat.QRCode) for card in cards] == expected
    assert [card.get(zxingcpp.BarcodeFormat.Code39) for card in cards] == expected
    text = " ".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(sheet.content)).pages)
    assert " ".join(translate(card_lang, "card_sheets.card.personal").split()) in " ".join(text.split())


async def test_a_venue_may_not_print_cards(app: httpx.ASGITransport, stock: Stock):
    async with signed_in(app, "clerk.north") as http:
        assert (await http.get("/card-sheets")).status_code == 403
        refused = await http.get("/card-sheets/cards.pdf", params={"stock": stock.choice, "count": "1"})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert words("en", "error.forbidden") in refused.text


async def test_another_regions_range_is_never_printed(app: httpx.ASGITransport, stock: Stock):
    async with signed_in(app, "coord.south") as http:
        page = await http.get("/card-sheets")
        assert page.status_code == 200
        assert words("en", "card_sheets.no_stock") in page.text  # their own region registered none
        assert stock.choice not in page.text
        refused = await http.get("/card-sheets/cards.pdf", params={"stock": stock.choice, "count": "1"})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert words("en", "card_sheets.error.stock") in refused.text


@pytest.mark.parametrize(
    ("first", "count", "key", "values"),
    [
        ("", str(MAX_CARDS + 1), "card_sheets.error.too_many", {"most": MAX_CARDS}),
        ("201", "1", "card_sheets.error.first", {"first": 1, "last": 200}),
        ("195", "10", "card_sheets.error.past_end", {"left": 6, "last": 200}),
    ],
)
async def test_an_order_that_cannot_be_printed_is_explained_in_the_pages_language(
    app: httpx.ASGITransport, stock: Stock, first: str, count: str, key: str, values: dict[str, int]
):
    async with signed_in(app, "social.north", lang="sv") as http:
        answer = await http.get(
            "/card-sheets/cards.pdf", params={"stock": stock.choice, "first": first, "count": count, "language": "fi"}
        )
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    shown = {
        name: stock.code(value) if name in ("first", "last") else show_number(value, "sv")
        for name, value in values.items()
    }
    assert words("sv", key, **shown) in answer.text
    assert re.search(r'aria-invalid="true"', answer.text)
    assert f'value="{escape(first)}"' in answer.text  # the form keeps what was typed
