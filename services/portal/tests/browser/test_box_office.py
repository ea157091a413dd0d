"""The box office and the venue's pages in a real browser (issue 19, "At the box office"): each stumble
reproduced and shown gone, on a phone in Finnish and on a desktop in English, every page through axe.

The module's cards come from one paper-form import (the distributor's own page); its performances from
the performances page. The scanner flow is driven by the keyboard only: the code is typed where the focus
is (`page.keyboard`), so a field that lost the focus loses the keystrokes and the test fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from kaiku_contracts.calendar import HELSINKI, helsinki_today
from kaiku_devkit.testing import unique
from kaiku_issuance.domain.validity import add_months, card_valid_until
from kaiku_portal.domain.box_office import MAX_CHILD_TICKETS
from kaiku_portal.domain.formats import show_date
from kaiku_portal.i18n import reason_text, translate
from playwright.sync_api import Browser, Page, expect

SCANNED = 20  # cards in a row at the box office, per viewport
LIMIT = 30  # the scanner performances' card-holder limit
TOTAL_ROW = {"fi": "yhteensä", "en": "total"}
# The first test's set-up starts the module's stack and makes its cards and performances: on two busy cores
# that alone may take minutes.
pytestmark = pytest.mark.timeout(600)


@dataclass
class Venue:
    """The module's cards and performances (ids), made once."""

    cards: list[str]
    expired: str  # valid until three days ago
    ending: str  # valid until three days from now
    spare: list[str]  # for the undo test
    performances: dict[str, str]  # key -> id
    names: dict[str, str]  # key -> name
    starts: dict[str, datetime]


def _fill_performance(page: Page, performance_id: str, name: str, starts: datetime, limit: int | None) -> None:
    page.locator("#performance_id").fill(performance_id)
    page.locator("#name").fill(name)
    page.locator("#starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#kind").select_option("performance")
    page.locator("#capacity").fill("200")
    page.locator("#card_holder_limit").fill("" if limit is None else str(limit))
    page.locator("#performance-form button[type=submit]").click()
    expect(page.locator("#saved")).to_be_visible()


@pytest.fixture(scope="module")
def venue(browser: Browser, world: Any, ui: Any) -> Venue:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    began = time.monotonic()
    ui.register_organisations(page, world)
    print(f"organisations {time.monotonic() - began:.1f}s")
    today = helsinki_today()
    cards = [unique("BX") for _ in range(SCANNED)]
    expired, ending, spare = unique("EX"), unique("EN"), [unique("UN"), unique("UN")]
    rows = [(code, today) for code in [*cards, *spare]]
    # §2: twelve months from the issue date; a late paper form may give a past date
    rows.append((expired, add_months(today, -12) - timedelta(days=3)))
    rows.append((ending, add_months(today, -12) + timedelta(days=3)))
    ui.import_cards(page, world, rows)

    tomorrow = (datetime.now(HELSINKI) + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    later = tomorrow + timedelta(days=9)
    keys = {
        "phone": ("Taikuri Matti", tomorrow, LIMIT),
        "desktop": ("The Magician Matti", tomorrow + timedelta(hours=1), LIMIT),
        "undo": ("Lumikuningatar", tomorrow, None),
        "later": ("Myöhempi konsertti", later, None),
    }
    performances = {key: unique("P") for key in keys}
    ui.sign_in(page, world.base, world.users["venue"], "en")
    page.goto(f"{world.base}/performances")
    for key, (name, starts, limit) in keys.items():
        _fill_performance(page, performances[key], name, starts, limit)
    deadline = time.monotonic() + 60  # the cards reach usage through kaiku.cards.v1
    for code in (cards[-1], ending, expired):
        while time.monotonic() < deadline:
            page.goto(f"{world.base}/box-office?code={code}")
            if reason_text("en", "card_unknown") not in page.locator("#card-status").inner_text():
                break
            page.wait_for_timeout(250)
    print(f"ready {time.monotonic() - began:.1f}s")
    ui.sign_out(page)
    context.close()
    return Venue(
        cards,
        expired,
        ending,
        spare,
        performances,
        {key: value[0] for key, value in keys.items()},
        {key: value[1] for key, value in keys.items()},
    )


def _seat(page: Page) -> tuple[str, str]:
    """The viewport's name and its language: the phone in Finnish, the desktop in English."""
    return ("phone", "fi") if (page.viewport_size or {"width": 0})["width"] < 800 else ("desktop", "en")


def _ready_for_the_next_scan(page: Page) -> None:
    """The check field has the focus and is empty (or wholly selected): the next scan starts afresh."""
    page.wait_for_load_state()  # the page's script has run: it may not move the focus after this
    code = page.locator("#code")
    expect(code).to_be_focused()
    selected = code.evaluate("e => e.value === '' || (e.selectionStart === 0 && e.selectionEnd === e.value.length)")
    assert selected, f"the check field holds {code.input_value()!r} with the cursor inside it"


def _scan(page: Page, text: str) -> None:
    """What a scanner does: type into whatever has the focus, then Enter."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _record_by_keyboard(page: Page, card: str) -> None:
    """From the check field to the use form's code (prefilled by a valid check) and Enter: the default use,
    one adult ticket to the chosen performance."""
    expect(page.locator("#card_code")).to_have_value(card)  # the check's answer has arrived
    _ready_for_the_next_scan(page)
    page.keyboard.press("Tab")  # the check button
    page.keyboard.press("Tab")  # the use form's card code
    focused = page.evaluate("document.activeElement.id || document.activeElement.outerHTML.slice(0, 60)")
    assert focused == "card_code", f"the focus is on {focused} at {page.url}"
    page.keyboard.press("Enter")


def test_scanner_flow_twenty_cards_with_refusals_between(screen: Page, ui: Any, world: Any, venue: Venue):
    page = screen
    seat, lang = _seat(page)
    performance = venue.performances[seat]
    ui.sign_in(page, world.base, world.users["venue"], lang)
    page.goto(f"{world.base}/box-office?performance_id={performance}")
    _ready_for_the_next_scan(page)
    places = page.locator("#places-left")
    expect(places).to_have_text(translate(lang, "box.places_left", count=LIMIT))  # before recording
    expect(page.locator("#children-hint")).to_contain_text(translate(lang, "box.children_max", count=MAX_CHILD_TICKETS))
    expect(page.locator("#child_tickets")).to_have_attribute("max", str(MAX_CHILD_TICKETS))
    ui.accessible(page)

    recorded = 0
    for number, card in enumerate(venue.cards, start=1):
        if number % 5 == 0:  # a code the register does not know, between two good ones
            unknown = f"NOSUCH{number}"
            _scan(page, unknown.lower())
            status = page.locator("#card-status")
            expect(status).to_contain_text(translate(lang, "box.not_valid", code=unknown))
            expect(status).to_contain_text(reason_text(lang, "card_unknown"))
            _ready_for_the_next_scan(page)
            expect(page.locator("#card_code")).to_have_value("")  # a refused card is not carried to the use form
        _scan(page, card.lower())
        expect(page.locator("#card-status")).to_contain_text(
            translate(lang, "box.valid", code=card, until=show_date(card_valid_until(helsinki_today(), None), lang))
        )
        _ready_for_the_next_scan(page)
        expect(page.locator("#card_code")).to_have_value(card)
        _record_by_keyboard(page, card)
        expect(page.locator("#recorded")).to_contain_text(card)
        recorded += 1
        _ready_for_the_next_scan(page)
        expect(page.locator("#card_code")).to_have_value("")
        if number % 7 == 0:  # the same card again: a second adult ticket to the same performance
            _scan(page, card)
            _record_by_keyboard(page, card)
            expect(page.locator("#page-error")).to_contain_text(reason_text(lang, "already_redeemed"))
            expect(page.locator("#refused")).to_have_text(translate(lang, "box.refused", code=card))
            expect(page.locator("#card_code")).to_have_value("")  # the refused code is cleared from the use form
            _ready_for_the_next_scan(page)
            if number == 7:
                ui.accessible(page)
                ui.shoot(page, f"{lang}-box-office-refused")
    assert recorded == SCANNED
    # the performance stays chosen throughout; its places are counted down
    expect(page.locator("#performance_id")).to_have_value(performance)
    expect(places).to_have_text(translate(lang, "box.places_left", count=LIMIT - SCANNED))
    expect(page.locator("#recent-uses li")).to_have_count(SCANNED)
    ui.accessible(page)
    ui.shoot(page, f"{lang}-box-office")
    ui.sign_out(page)


def test_expiry_is_said_against_the_performance_and_uses_are_undone_after_signing_in_again(
    screen: Page, ui: Any, world: Any, venue: Venue
):
    page = screen
    seat, lang = _seat(page)
    base = world.base
    today = helsinki_today()
    ui.sign_in(page, base, world.users["venue"], lang)

    # -- the expired message: valid until when, and whether that is before the performance ------------
    later, later_day = venue.performances["later"], show_date(venue.starts["later"].date(), lang)
    expired_until = show_date(card_valid_until(add_months(today, -12) - timedelta(days=3), None), lang)
    page.goto(f"{base}/box-office?performance_id={later}")
    _scan(page, venue.expired)
    note = page.locator("#validity-note")
    expect(note).to_contain_text(translate(lang, "box.expired", until=expired_until))
    expect(note).to_contain_text(
        translate(lang, "box.expired_before_performance", name=venue.names["later"], day=later_day)
    )
    _ready_for_the_next_scan(page)
    ending_until = show_date(card_valid_until(add_months(today, -12) + timedelta(days=3), None), lang)
    _scan(page, venue.ending)  # valid today, but not on the later performance's day
    expect(page.locator("#card-status")).to_have_class("status valid")
    expect(note).to_have_text(
        translate(lang, "box.ends_before_performance", until=ending_until, name=venue.names["later"], day=later_day)
    )
    ui.accessible(page)
    ui.shoot(page, f"{lang}-box-office-ends-before")
    page.goto(f"{base}/box-office?performance_id={venue.performances['undo']}&code={venue.ending}")
    expect(note).to_have_text(
        translate(
            lang,
            "box.covers_performance",
            name=venue.names["undo"],
            day=show_date(venue.starts["undo"].date(), lang),
        )
    )

    # -- today's uses by performance name, and still there after signing in again ----------------------
    card = venue.spare[0 if seat == "phone" else 1]
    page.goto(f"{base}/box-office?performance_id={venue.performances['undo']}")
    _scan(page, card)
    _record_by_keyboard(page, card)
    expect(page.locator("#recorded")).to_contain_text(card)
    ui.sign_out(page)
    ui.sign_in(page, base, world.users["venue"], lang)
    page.goto(f"{base}/box-office")
    latest = page.locator("#recent-uses li").first
    expect(latest).to_contain_text(card)
    expect(latest).to_contain_text(venue.names["undo"])
    expect(page.locator("#recent-uses")).not_to_contain_text(venue.performances["undo"])  # never the id
    ui.accessible(page)
    latest.get_by_role("link").click()
    expect(page.locator("#undo-question")).to_contain_text(venue.names["undo"])
    expect(page.locator("#undo-question")).to_contain_text(card)
    ui.accessible(page)
    page.locator("#confirm-undo").click()
    expect(page.locator("#undone")).to_have_text(translate(lang, "box.undone", code=card))
    _ready_for_the_next_scan(page)
    expect(page.locator("#recent-uses")).not_to_contain_text(card)
    ui.sign_out(page)


def test_performances_are_edited_cancelled_and_listed_back_a_year(screen: Page, ui: Any, world: Any):
    page = screen
    seat, lang = _seat(page)
    base = world.base
    now = datetime.now(HELSINKI).replace(second=0, microsecond=0)
    coming, past = unique("P"), unique("P")
    ui.sign_in(page, base, world.users["venue"], lang)
    page.goto(f"{base}/performances")
    _fill_performance(page, coming, f"Kevätkonsertti {seat}", now + timedelta(days=5), None)
    _fill_performance(page, past, f"Syyskonsertti {seat}", now - timedelta(days=3), None)

    row = page.locator("tr", has_text=f"Kevätkonsertti {seat}")
    edit = row.locator("a.edit-link")
    box = edit.bounding_box()
    width = (page.viewport_size or {"width": 0})["width"]
    assert box is not None
    assert box["x"] + box["width"] <= width, "the edit link is out of sight on this screen"
    expect(page.locator("table.performances")).not_to_contain_text(coming)  # the id is not the way in
    expect(page.locator("table.performances")).not_to_contain_text(f"Syyskonsertti {seat}")  # past: not by default
    ui.accessible(page)
    ui.shoot(page, f"{lang}-performances")
    edit.click()
    expect(page.locator("#form-heading")).to_have_text(
        translate(lang, "perf.edit_heading", name=f"Kevätkonsertti {seat}")
    )
    expect(page.locator("#name")).to_have_value(f"Kevätkonsertti {seat}")
    expect(page.locator("#capacity")).to_have_value("200")
    expect(page.locator("#starts_at")).to_have_value((now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    ui.accessible(page)
    page.locator("#name").fill(f"Kevätkonsertti {seat} (uusi aika)")
    page.locator("#performance-form button[type=submit]").click()
    expect(page.locator("#saved")).to_contain_text(f"Kevätkonsertti {seat} (uusi aika)")

    page.locator("tr", has_text=f"Kevätkonsertti {seat} (uusi aika)").locator("a.cancel-link").click()
    expect(page.locator("#cancel-question")).to_contain_text(f"Kevätkonsertti {seat} (uusi aika)")
    ui.accessible(page)
    page.locator("#confirm-cancel").click()
    expect(page.locator("#cancelled")).to_have_text(
        translate(lang, "perf.cancelled", name=f"Kevätkonsertti {seat} (uusi aika)", count=0)
    )
    expect(page.locator("table.performances")).not_to_contain_text(f"Kevätkonsertti {seat}")

    page.locator("#past-link").click()
    expect(page.locator("tr", has_text=f"Syyskonsertti {seat}")).to_be_visible()
    cancelled = page.locator("tr", has_text=f"Kevätkonsertti {seat} (uusi aika)")
    expect(cancelled).to_contain_text(translate(lang, "perf.cancelled_mark"))
    expect(cancelled.locator("a.cancel-link")).to_have_count(0)
    ui.accessible(page)

    # -- the venue report's form: the §9.2 header row in the page's language, accepted as it is --------
    page.goto(f"{base}/venue-report")
    with page.expect_download() as download_info:
        page.locator("#report-template").click()
    download = download_info.value
    assert download.suggested_filename == translate(lang, "report.template_file")
    form = download.path().read_text(encoding="utf-8-sig")
    columns = ("card_code", "adult_tickets", "child_tickets", "performance", "date")
    assert form.splitlines() == [";".join(translate(lang, f"uses.column.{c}") for c in columns)]
    filled = form + f"{TOTAL_ROW[lang]};0;0;;\r\n"  # the form's total row (§9.2), skipped by the upload
    page.locator("#file").set_input_files(
        files=[{"name": download.suggested_filename, "mimeType": "text/csv", "buffer": filled.encode("utf-8-sig")}]
    )
    page.locator("form[data-progress] button[type=submit]").click()
    expect(page.locator("#upload-summary")).to_have_text(
        translate(lang, "upload.summary", count=1, accepted=0, rejected=0, skipped=1)
    )
    ui.accessible(page)
    ui.sign_out(page)
