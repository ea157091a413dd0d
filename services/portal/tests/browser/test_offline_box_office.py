"""The offline-first box office and camera scanning (issue 18) in a real browser against the real services.

The clerk's phone loses the network mid-session (the browser context's offline mode): uses are queued on the
device, kept over a reload, and sent when the network returns through the portal's `POST
/box-office/uses.json` (usage's idempotent `POST /v1/redemptions` behind it). Meanwhile another clerk sells the
last card-holder place of one performance, so that queued use is refused and says why; the answer to another
is lost on the way back, and its retry records nothing twice (the places left, counted by usage, say so).

The camera test launches Chromium with a fake camera that shows a generated QR code / Code 39 barcode
(`--use-file-for-fake-video-capture`): the page's own scanner reads the frames and checks the card.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import barcode
import pytest
import segno
from barcode.writer import ImageWriter
from kaiku_contracts.calendar import HELSINKI
from kaiku_devkit.testing import unique
from kaiku_portal.i18n import reason_text, translate
from PIL import Image
from playwright.sync_api import Browser, Page, Route, expect

LANGS = ("fi", "sv", "en")
LIMIT = 30  # the main performance's card-holder limit: the places left show each use counted once
pytestmark = pytest.mark.timeout(900)


@dataclass
class Stock:
    """Per language: five cards, a performance with `LIMIT` places and a small one with a single place."""

    cards: dict[str, list[str]]
    main: dict[str, str]
    small: dict[str, str]
    names: dict[str, str]  # performance id -> name


def _performance(page: Page, performance_id: str, name: str, starts: datetime, capacity: int, limit: int) -> None:
    page.locator("#performance_id").fill(performance_id)
    page.locator("#name").fill(name)
    page.locator("#starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#kind").select_option("performance")
    page.locator("#capacity").fill(str(capacity))
    page.locator("#card_holder_limit").fill(str(limit))
    page.locator("#performance-form button[type=submit]").click()
    expect(page.locator("#saved")).to_be_visible()


@pytest.fixture(scope="module")
def stock(browser: Browser, world: Any, ui: Any) -> Stock:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    ui.register_organisations(page, world)
    cards = {lang: [unique("OF") for _ in range(5)] for lang in LANGS}
    camera = [unique("QR"), unique("CB")]
    every = [code for codes in cards.values() for code in codes] + camera
    ui.import_cards(page, world, [(code, datetime.now(HELSINKI).date()) for code in every])
    tomorrow = (datetime.now(HELSINKI) + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    main = {lang: unique("P") for lang in LANGS}
    small = {lang: unique("P") for lang in LANGS}
    names = {}
    ui.sign_in(page, world.base, world.users["venue"], "en")
    page.goto(f"{world.base}/performances")
    for number, lang in enumerate(LANGS):
        names[main[lang]] = f"Kesäteatteri {lang}"
        names[small[lang]] = f"Kyläkonsertti {lang}"
        _performance(page, main[lang], names[main[lang]], tomorrow + timedelta(hours=number), 200, LIMIT)
        # at most 10 places: a limit of 0-1 (§7.2.2); one place, for the other clerk to take meanwhile
        _performance(page, small[lang], names[small[lang]], tomorrow + timedelta(hours=number), 10, 1)
    deadline = time.monotonic() + 60  # the cards reach usage through kaiku.cards.v1
    while time.monotonic() < deadline:
        page.goto(f"{world.base}/box-office?code={every[-1]}")
        if reason_text("en", "card_unknown") not in page.locator("#card-status").inner_text():
            break
        page.wait_for_timeout(250)
    ui.sign_out(page)
    context.close()
    stock = Stock(cards, main, small, names)
    stock.cards["camera"] = camera
    return stock


def _ready_offline(page: Page) -> None:
    """The service worker controls the page and keeps it: the box office now opens without a network."""
    expect(page.locator("#offline-ready")).to_be_visible()  # said once the worker controls and keeps the page
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def _queue_use(page: Page, card: str, performance: str, children: int = 0, channel: str = "box_office") -> None:
    """What the clerk does offline: scan the card (typed into the focused check field, Enter), choose, record."""
    page.locator("#code").focus()
    page.keyboard.type(card.lower())
    page.keyboard.press("Enter")
    expect(page.locator("#card_code")).to_have_value(card)  # offline the check carries the code to the form
    expect(page.locator("#code")).to_be_focused()
    page.locator("#performance_id").select_option(performance)
    page.locator("#child_tickets").fill(str(children))
    page.locator("#channel").select_option(channel)
    page.locator("#use-form button[type=submit]").click()
    expect(page.locator("#queue-said")).to_contain_text(card)
    expect(page.locator("#card_code")).to_have_value("")


def _queued(page: Page, card: str) -> Any:
    return page.locator("#queue li", has=page.locator("strong.code", has_text=re.compile(f"^{card}$")))


@pytest.mark.parametrize("lang", LANGS)
def test_uses_made_offline_are_kept_over_a_reload_and_settled_against_the_server(
    page: Page, browser: Browser, ui: Any, world: Any, stock: Stock, lang: str
):
    base = world.base
    first, second, third, others, _ = stock.cards[lang]
    main, small = stock.main[lang], stock.small[lang]
    ui.sign_in(page, base, world.users["venue"], lang)
    page.goto(f"{base}/box-office?performance_id={main}")
    _ready_offline(page)
    expect(page.locator("#places-left")).to_have_text(translate(lang, "box.places_left", count=LIMIT))

    # -- the network drops: three uses go into the queue, each with the channel and moment it was made -----
    page.context.set_offline(True)
    expect(page.locator("#offline-banner")).to_be_visible()
    _queue_use(page, first, main)
    _queue_use(page, second, main, children=2, channel="phone")
    _queue_use(page, third, small)
    queued = translate(lang, "offline.queued")
    for card in (first, second, third):
        expect(_queued(page, card).locator(".outcome")).to_have_text(queued)
    expect(_queued(page, second)).to_contain_text(translate(lang, "box.tickets_count", adults=1, children=2))
    page.locator("#performance_id").select_option(main)
    expect(page.locator("#places-left")).to_contain_text(translate(lang, "offline.places_queued", count=2))

    # -- the tab is reloaded offline: the kept page opens, the queue is still there -------------------------
    page.reload()
    expect(page.locator("#offline-banner")).to_be_visible()
    # the copy the service worker kept when it was installed (the plain page, no performance chosen yet), not
    # a fresh answer: the worker's own requests are offline too
    expect(page.locator("#performance_id")).to_have_value("")
    expect(page.locator("#queue li")).to_have_count(3)
    for card in (first, second, third):
        expect(_queued(page, card).locator(".outcome")).to_have_text(queued)
    ui.accessible(page)
    ui.shoot(page, f"{lang}-box-office-offline")

    # -- meanwhile another clerk, online, sells the small performance's only card-holder place --------------
    till = browser.new_context(viewport={"width": 1366, "height": 768})
    till.set_default_timeout(30_000)
    other = till.new_page()
    ui.sign_in(other, base, world.users["venue"], lang)
    other.goto(f"{base}/box-office?performance_id={small}&code={others}")
    other.locator("#use-form button[type=submit]").click()
    expect(other.locator("#recorded")).to_contain_text(others)
    till.close()

    # -- the network returns; the first answer is lost on the way back (usage has recorded the use) --------
    sent: list[str] = []

    def lose_the_first_answer(route: Route) -> None:
        sent.append(route.request.post_data or "")
        if len(sent) == 1:
            route.fetch()  # the portal and usage record the use ...
            route.abort("connectionreset")  # ... and the answer never reaches the phone
        else:
            route.continue_()

    page.route("**/box-office/uses.json", lose_the_first_answer)
    page.context.set_offline(False)
    settled = 30_000  # the lost answer's use is sent again a few seconds later; the machine may be busy
    expect(_queued(page, first).locator(".outcome")).to_contain_text(
        translate(lang, "offline.accepted_at", time="").split(" ")[0], timeout=settled
    )
    for card in (first, second):
        expect(_queued(page, card)).to_have_class(re.compile(r"\baccepted\b"), timeout=settled)
    refused = _queued(page, third)
    expect(refused).to_have_class(re.compile(r"\brefused\b"), timeout=settled)
    expect(refused.locator(".outcome")).to_contain_text(reason_text(lang, "limit_reached"))
    expect(page.locator("#offline-banner")).to_be_hidden()
    ui.accessible(page)
    ui.shoot(page, f"{lang}-box-office-offline-synced")
    page.unroute("**/box-office/uses.json")
    lost = [body for body in sent if f"card_code={first}" in body]
    assert len(lost) == 2, sent  # the lost answer's use was sent again, with its own redemption_id
    assert len({re.search(r"redemption_id=(\w+)", body).group(1) for body in lost}) == 1  # type: ignore[union-attr]
    assert "channel=phone" in next(body for body in sent if f"card_code={second}" in body)

    # -- against the server: each accepted use counted once, the refused one not at all ---------------------
    refused.locator("button.settle").click()
    expect(page.locator("#queue li")).to_have_count(2)
    page.goto(f"{base}/box-office?performance_id={main}")
    expect(page.locator("#places-left")).to_have_text(translate(lang, "box.places_left", count=LIMIT - 2))
    recent = page.locator("#recent-uses")
    for card in (first, second):
        expect(recent.locator("strong.code", has_text=re.compile(f"^{card}$"))).to_have_count(1)
    expect(recent).not_to_contain_text(third)
    page.locator("#performance_id").select_option(small)
    expect(page.locator("#places-left")).to_have_text(translate(lang, "box.places_left", count=0))
    for _ in range(2):
        page.locator("#queue li button.settle").first.click()
    expect(page.locator("#queue-section")).to_be_hidden()
    ui.sign_out(page)
    kept = "async () => !!(await caches.match('/box-office'))"
    for _ in range(50):  # signing out forgets the kept page (today's uses, the form's token)
        if not page.evaluate(kept):
            break
        page.wait_for_timeout(100)
    assert not page.evaluate(kept)


def test_a_use_queued_while_the_session_lapsed_waits_for_the_next_sign_in(
    page: Page, ui: Any, world: Any, stock: Stock
):
    base, card, main = world.base, stock.cards["en"][4], stock.main["en"]
    ui.sign_in(page, base, world.users["venue"], "en")
    page.goto(f"{base}/box-office?performance_id={main}")
    _ready_offline(page)
    page.context.set_offline(True)
    _queue_use(page, card, main)
    page.context.clear_cookies()  # the session ends while the phone is offline (a working day is over)
    page.context.set_offline(False)
    outcome = _queued(page, card).locator(".outcome")
    expect(outcome).to_contain_text(translate("en", "offline.sign_in"), timeout=30_000)
    expect(_queued(page, card)).to_have_class(re.compile(r"\bwaiting\b"))  # not settled: still queued
    ui.sign_in(page, base, world.users["venue"], "en")  # lands on the box office, which sends the queue
    expect(_queued(page, card)).to_have_class(re.compile(r"\baccepted\b"), timeout=30_000)
    page.goto(f"{base}/box-office")
    expect(page.locator("#recent-uses strong.code", has_text=re.compile(f"^{card}$"))).to_have_count(1)


# -- camera scanning -----------------------------------------------------------------------------------------
WIDTH, HEIGHT = 640, 480


def _y4m(picture: Image.Image, path: Path) -> Path:
    """The picture, centred on white, as a few frames of raw YUV 4:2:0 video: Chromium's fake camera input."""
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    picture.thumbnail((WIDTH - 80, HEIGHT - 80))
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(5):
            video.write(b"FRAME\n" + planes)
    return path


def _qr(code: str) -> Image.Image:
    out = io.BytesIO()
    segno.make(f"https://kaikukortti.fi/k/{code}", error="m").save(out, kind="png", scale=8, border=4)
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


def _code39(code: str) -> Image.Image:
    out = io.BytesIO()
    card = barcode.get_barcode_class("code39")(code, writer=ImageWriter(), add_checksum=False)
    # about three pixels a module at the camera's width, as a card held a hand's breadth away
    card.write(out, options={"module_width": 0.25, "module_height": 12, "quiet_zone": 4, "write_text": False})
    return Image.open(io.BytesIO(out.getvalue())).convert("RGB")


# the browser tests' Chromium (conftest.py), here started again with a fake camera
CHROMIUM = os.environ.get("KAIKU_CHROMIUM", "/usr/bin/chromium")
CAMERA_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--use-fake-device-for-media-stream",
               "--use-fake-ui-for-media-stream"]  # fmt: skip


@pytest.fixture
def camera(tmp_path: Path, browser: Browser) -> Iterator[Any]:
    """A Chromium whose camera shows a picture (a generated card image), on a phone-sized page."""
    launched: list[Browser] = []

    def launch(picture: Image.Image) -> Page:
        video = _y4m(picture, tmp_path / "card.y4m")
        args = [*CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, args=args))
        context = launched[-1].new_context(viewport={"width": 412, "height": 915}, permissions=["camera"])
        context.set_default_timeout(30_000)
        return context.new_page()

    yield launch
    for started in launched:
        started.close()


@pytest.mark.parametrize("kind", ["qr", "code39"])
def test_the_camera_reads_the_card_online_and_offline(camera: Any, ui: Any, world: Any, stock: Stock, kind: str):
    code = stock.cards["camera"][0 if kind == "qr" else 1]
    page = camera(_qr(code) if kind == "qr" else _code39(code))
    lang = "fi" if kind == "qr" else "en"
    ui.sign_in(page, world.base, world.users["venue"], lang)
    page.goto(f"{world.base}/box-office?performance_id={stock.main[lang]}")
    _ready_offline(page)
    scan = page.locator("#scan-camera")
    expect(scan).to_be_visible()
    expect(page.locator("#code")).to_be_visible()  # typing the code is always there too
    scan.click()
    # the page's scanner reads the camera's frames; the check is sent as a hand scanner's Enter would
    read = 20_000  # a few frames, and the decoder loaded on the first: a busy machine takes its time
    expect(page.locator("#card-status")).to_contain_text(code, timeout=read)
    expect(page.locator("#card-status")).to_have_class("status valid")
    expect(page.locator("#card_code")).to_have_value(code)
    expect(page.locator("#scanner")).to_be_hidden()  # the camera is closed once the code is read
    if kind == "qr":
        ui.accessible(page)
    # offline the same scanner works (the decoder is kept by the service worker): the code goes to the form
    page.context.set_offline(True)
    page.goto(f"{world.base}/box-office?performance_id={stock.main[lang]}")  # the kept page
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#card_code")).to_have_value("")
    page.locator("#scan-camera").click()
    expect(page.locator("#card_code")).to_have_value(code, timeout=read)
    expect(page.locator("#queue-said")).to_contain_text(code)
    page.context.set_offline(False)
