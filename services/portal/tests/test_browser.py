"""The staff portal in a real browser against the real services (issuance, usage, stats as processes,
real Kafka-protocol broker and PostgreSQL): each role signs in and does its main task, and every page
passes an axe-core WCAG 2.1 AA check.

The journey: the national office adds a region; its coordinator adds a distributor and a venue; the
distributor grants a card (typed as a scanner types it) and is told the expiry date; the box-office
clerk adds a performance (the limit's minimum shows as they type), checks the card, records a use,
undoes a mistaken one and sees a rejection in plain words; the coordinator sees the use in the
region's statistics and downloads the annual report; the national office sees the dashboard.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import oidc_provider_mock
import pytest
from axe_playwright_python.sync_playwright import Axe
from kaiku_contracts.calendar import HELSINKI, helsinki_today
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, unique
from kaiku_issuance.domain.validity import card_valid_until
from kaiku_portal.domain.formats import show_date
from kaiku_portal.i18n import reason_text, translate
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = [pytest.mark.e2e, pytest.mark.connected]
PASSWORD = "a-long-test-password"

CHROMIUM = os.environ.get("KAIKU_CHROMIUM", "/usr/bin/chromium")
# for a machine without Chromium (README "Tests"); CI installs it and never skips (`CI` set: ignored)
if os.environ.get("KAIKU_SKIP_BROWSER_TESTS") == "1" and not os.environ.get("CI"):
    pytestmark.append(pytest.mark.skip(reason="KAIKU_SKIP_BROWSER_TESTS=1"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# WCAG 2.1 A and AA rules (and axe's best practices): a serious or critical finding fails the test.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = os.environ.get("KAIKU_PORTAL_SCREENSHOTS")  # a folder: the docs' screenshots are taken there
_axe = Axe()
checked_pages: list[str] = []


def accessible(page: Page) -> None:
    """axe-core on the page as it is now: no serious or critical WCAG 2.1 AA violation."""
    results: dict[str, Any] = _axe.run(page, options=AXE_OPTIONS).response
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{page.url}: " + "; ".join(blocking)
    checked_pages.append(page.url)


def shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, username: str, password: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    if not any("/login" in url for url in checked_pages):
        accessible(page)
    shoot(page, f"{lang}-login")
    page.get_by_label(re.compile("Käyttäjätunnus|Användarnamn|Username")).fill(username)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")
    page.wait_for_url(re.compile(r"/(cards/new|box-office|region|national)$"))


def sign_out(page: Page) -> None:
    page.locator("form.signout button").click()
    page.wait_for_url(re.compile(r"/login"))


@dataclass
class World:
    portal: ServiceProcess
    region: str
    distributor: str
    venue: str
    card: str
    performance: str
    users: dict[str, str]  # role -> username


def _add_user(portal: ServiceProcess, username: str, role: str, region: str | None, org: str | None) -> None:
    args = ["add-user", "--username", username, "--role", role, "--password-stdin"]
    args += ["--region", region] if region else []
    args += ["--org", org] if org else []
    done = subprocess.run(
        [sys.executable, "-c", "from kaiku_portal.entrypoints.cli import main; main()", *args],
        input=PASSWORD + "\n",
        env={**os.environ, "KAIKU_DATABASE_URL": portal.database_url or ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def organisation() -> Iterator[str]:
    """The region's OpenID Connect provider (a real one: authlib's server, on its own port)."""
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def world(service_runner: ServiceRunner, organisation: str) -> Iterator[World]:
    with (
        service_runner.started("issuance", "usage", "stats") as (issuance, usage, stats),
        service_runner.started(
            "portal",
            KAIKU_ISSUANCE_URL=issuance.url,
            KAIKU_USAGE_URL=usage.url,
            KAIKU_STATS_URL=stats.url,
            KAIKU_OIDC_ISSUER=organisation,
            KAIKU_OIDC_CLIENT_SECRET="the-portal's-secret-at-the-provider",
        ) as (portal,),
    ):
        yield _world(portal)


def _world(portal: ServiceProcess) -> World:
    region, distributor, venue = unique("R"), unique("D"), unique("V")
    suffix = unique("").lower()
    users = {
        "national": f"nat.{suffix}",
        "region_admin": f"coord.{suffix}",
        "distributor": f"social.{suffix}",
        "venue": f"clerk.{suffix}",
    }
    _add_user(portal, users["national"], "national", None, None)
    _add_user(portal, users["region_admin"], "region_admin", region, None)
    _add_user(portal, users["distributor"], "distributor", region, distributor)
    _add_user(portal, users["venue"], "venue", region, venue)
    return World(portal, region, distributor, venue, unique("E"), unique("P"), users)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # a phone-sized window: the box office works on a phone
    context = browser.new_context(viewport={"width": 412, "height": 915}, accept_downloads=True)
    context.set_default_timeout(30_000)  # stats pages compute the year's protection; CI runs on 2 busy cores
    yield context.new_page()
    context.close()


def test_every_role_does_its_main_task(world: World, page: Page):
    base = world.portal.url

    # -- national office: a new region ----------------------------------------------------------
    sign_in(page, base, world.users["national"], PASSWORD, "fi")
    accessible(page)
    page.locator("#region_id").fill(world.region)
    page.locator("#region_name").fill("Testialue")
    page.locator("#region-form button").click()
    expect(page.locator("#saved")).to_be_visible()
    sign_out(page)

    # -- regional coordinator: a distributor and a venue -----------------------------------------
    sign_in(page, base, world.users["region_admin"], PASSWORD, "fi")
    accessible(page)
    page.locator("#distributor_id").fill(world.distributor)
    page.locator("#distributor_name").fill("Sosiaalitoimi")
    page.locator("#distributor-form button").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.get_by_text(world.distributor)).to_be_visible()  # the region's distributor list
    page.locator("#venue_id").fill(world.venue)
    page.locator("#venue_name").fill("Kaupunginteatteri")
    page.locator("#category").select_option("culture")
    page.locator("#venue-form button").click()
    expect(page.locator("#saved")).to_be_visible()
    accessible(page)
    shoot(page, "fi-region")
    sign_out(page)

    # -- distributor: grant a card, as a scanner types it ----------------------------------------
    sign_in(page, base, world.users["distributor"], PASSWORD, "en")
    accessible(page)
    code_field = page.locator("#card_code")
    expect(code_field).to_be_focused()
    code_field.press_sequentially(world.card.lower())
    code_field.press("Enter")  # the scanner's Enter moves on, it does not send a half-filled form
    expect(page).to_have_url(f"{base}/cards/new")
    expect(code_field).not_to_be_focused()
    page.locator("#birth_year").fill("1980")
    page.locator("#mother_tongue").select_option("fi")
    page.locator("#gender-female").check()
    page.locator("#postal_code").fill("00100")
    page.locator("#life_situation").select_option("student")
    page.locator("#grant-form button[type=submit]").click()
    valid_until = card_valid_until(datetime.now(HELSINKI).date(), None)
    expect(page.locator("#valid-until")).to_have_text(show_date(valid_until, "en"))
    expect(page.locator("#granted")).to_contain_text(world.card)
    accessible(page)
    shoot(page, "en-grant-done")

    page.goto(f"{base}/cards")
    expect(page.get_by_role("link", name=world.card)).to_be_visible()
    accessible(page)

    paper_card, today = unique("E"), helsinki_today()
    yesterday = today - timedelta(days=1)  # a form filled in yesterday, entered today
    forms = (
        "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation\n"
        f"{paper_card},{yesterday:%d.%m.%Y},1955,sv,male,65100,pensioner\n"
        f"{unique('E')},{today:%d.%m.%Y},{today.year - 10},fi,female,00100,student\n"  # a 10-year-old
    )
    page.goto(f"{base}/cards/import")
    page.locator("#file").set_input_files(
        files=[{"name": "forms.csv", "mimeType": "text/csv", "buffer": forms.encode()}]
    )
    page.locator("form[data-progress] button[type=submit]").click()
    expect(page.locator("#upload-summary")).to_have_text(
        translate("en", "upload.summary", count=2, accepted=1, rejected=1, skipped=0)
    )
    expect(page.locator("tr.bad")).to_contain_text(reason_text("en", "invalid_request"))
    accessible(page)
    shoot(page, "en-paper-forms")

    # the paper card was lost: revoked, with a reason and a confirmation
    page.goto(f"{base}/cards?code={paper_card}")
    page.locator(f"#reason-{paper_card}").select_option("lost")
    page.locator(f"#confirm-{paper_card}").check()
    page.locator("form.revoke button[type=submit]").click()
    expect(page.get_by_role("status").filter(has_text=paper_card)).to_be_visible()
    page.goto(f"{base}/cards?code={paper_card}")
    expect(page.locator("#found-status")).to_have_text(translate("en", "cards.status.revoked"))
    accessible(page)
    sign_out(page)

    # -- box-office clerk (in Swedish): performance, check, record, undo, a refusal --------------
    sign_in(page, base, world.users["venue"], PASSWORD, "sv")
    page.goto(f"{base}/performances")
    starts = (datetime.now(HELSINKI) + timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    page.locator("#performance_id").fill(world.performance)
    page.locator("#name").fill("Trollkarlen Matti")
    page.locator("#starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#kind").select_option("performance")
    page.locator("#capacity").fill("120")
    expect(page.locator("#limit-minimum")).to_have_text(translate("sv", "perf.minimum", minimum=6, rule="§7.2.2"))
    page.locator("#card_holder_limit").fill("3")  # below the minimum: the service refuses, in plain words
    page.locator("#performance-form button[type=submit]").click()
    expect(page.locator("#page-error")).to_contain_text(reason_text("sv", "limit_below_minimum"))
    accessible(page)
    page.locator("#card_holder_limit").fill("10")
    page.locator("#performance-form button[type=submit]").click()
    expect(page.locator("#saved")).to_be_visible()
    accessible(page)

    page.goto(f"{base}/box-office")
    page.locator("#code").fill(world.card.lower())
    page.locator("#code").press("Enter")
    status = page.locator("#card-status")
    expect(status).to_contain_text(translate("sv", "box.valid", code=world.card, until=show_date(valid_until, "sv")))
    accessible(page)

    def record(adults: str, children: str) -> None:
        performance = page.locator("#performance_id")
        if performance.evaluate("e => e.tagName") == "SELECT":
            performance.select_option(world.performance)
        else:
            performance.fill(world.performance)
        page.locator(f"#adult-{adults}").check()
        page.locator("#child_tickets").fill(children)
        page.locator("#use-form button[type=submit]").click()

    record("1", "2")
    expect(page.locator("#recorded")).to_contain_text(world.card)
    page.locator("#card_code").fill(world.card)
    record("0", "1")  # a mistaken extra child ticket
    expect(page.locator("#recorded")).to_be_visible()
    accessible(page)
    shoot(page, "sv-box-office")
    page.locator("ul.uses a.button-link").first.click()  # the latest use: undo, after a confirmation
    expect(page.locator("#confirm-undo")).to_be_visible()
    accessible(page)
    page.locator("#confirm-undo").click()
    expect(page.locator("#undone")).to_contain_text(world.card)

    page.locator("#card_code").fill(world.card)
    record("1", "0")  # the same card's second adult ticket to the same performance
    expect(page.locator("#page-error")).to_contain_text(reason_text("sv", "already_redeemed"))
    deadline = time.monotonic() + 60  # the revocation reaches usage through kaiku.cards.v1
    while time.monotonic() < deadline:
        page.goto(f"{base}/box-office?code={paper_card}")
        if reason_text("sv", "card_revoked") in page.locator("#card-status").inner_text():
            break
        page.wait_for_timeout(250)
    expect(page.locator("#card-status")).to_contain_text(reason_text("sv", "card_revoked"))
    page.locator("#code").fill("NOSUCHCARD1")
    page.locator("#code").press("Enter")
    expect(page.locator("#card-status")).to_contain_text(reason_text("sv", "card_unknown"))
    assert "Traceback" not in page.content()

    # a report of yesterday's performance (a report's new performance starts at 12:00, and a paper-form use
    # is entered only after the start): the card granted on paper yesterday, revoked (lost) only today
    report_csv = (
        "kortin koodi;aikuisten liput;lasten liput;esitys;päivämäärä\n"
        f"{paper_card};1;0;En magisk sommarnatt;{yesterday.day}.{yesterday.month}.{yesterday.year}\n"
        ";1;0;;\n"  # a row without a card code
        "yhteensä;2;0;;\n"  # the report's total row (§9.2)
    )
    page.goto(f"{base}/venue-report")
    page.locator("#file").set_input_files(
        files=[{"name": "raportti.csv", "mimeType": "text/csv", "buffer": report_csv.encode()}]
    )
    page.locator("form[data-progress] button[type=submit]").click()
    expect(page.locator("#upload-summary")).to_have_text(
        translate("sv", "upload.summary", count=3, accepted=1, rejected=1, skipped=1)
    )
    accessible(page)
    shoot(page, "sv-venue-report")
    sign_out(page)

    # -- coordinator: the use in the region's statistics, the annual report ----------------------
    sign_in(page, base, world.users["region_admin"], PASSWORD, "fi")
    year = str(starts.year)
    redemptions = page.locator("#figures tr", has_text=translate("fi", "figure.redemptions")).locator("td")
    for _ in range(60):  # the stats service projects the use from Kafka; poll the page, not a sleep
        page.goto(f"{base}/region/stats?period={year}")
        if redemptions.count() and redemptions.inner_text().strip() == "2":
            break
        page.wait_for_timeout(500)
    expect(redemptions).to_have_text("2")  # the box-office use and the report's; the undone one does not count
    cards = page.locator("#figures tr", has_text=translate("fi", "figure.cards_issued")).locator("td")
    expect(cards).to_have_text("2")  # the card granted on screen and the paper form
    accessible(page)
    shoot(page, "fi-region-stats")
    with page.expect_download() as download_info:
        page.locator("#report-csv").click()
    report = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    total = next(row for row in report if row["period"] == year)
    assert total["redemptions"] == "2"
    assert total["child_tickets"] == "2"
    assert len([row for row in report if row["period"].startswith(f"{year}-")]) == 12
    sign_out(page)

    # -- the venue and the distributor see their own figures ------------------------------------
    sign_in(page, base, world.users["venue"], PASSWORD, "en")
    page.goto(f"{base}/venue-stats?period={year}")
    expect(page.get_by_role("row", name=f"{translate('en', 'figure.redemptions')} 2", exact=True)).to_be_visible()
    expect(page.locator("#performances")).to_contain_text("En magisk sommarnatt")
    expect(page.locator("#months-chart-redemptions")).to_be_visible()
    accessible(page)
    shoot(page, "en-venue-stats")
    sign_out(page)
    sign_in(page, base, world.users["distributor"], PASSWORD, "fi")
    page.goto(f"{base}/cards/stats?period={year}")
    expect(page.get_by_role("row", name=f"{translate('fi', 'figure.cards_issued')} 2", exact=True)).to_be_visible()
    expect(page.locator("#branches")).to_be_visible()
    accessible(page)
    shoot(page, "fi-distributor-stats")
    sign_out(page)

    # -- national office: the dashboard ----------------------------------------------------------
    sign_in(page, base, world.users["national"], PASSWORD, "en")
    page.goto(f"{base}/national?period={year}")
    expect(page.locator("#figures")).to_be_visible()
    accessible(page)
    with page.expect_download() as download_info:
        page.locator("#report-csv").click()
    national_report = download_info.value.path().read_text(encoding="utf-8-sig")
    assert national_report.startswith("period,cards_issued,cards_active,redemptions")
    paths = {url.split("?")[0].removeprefix(base) for url in checked_pages}
    assert {"/login", "/national", "/region", "/cards/new", "/cards", "/cards/import", "/performances",
            "/box-office", "/venue-report", "/region/stats"} <= paths  # fmt: skip


# Each role's pages, visited in every language.
PAGES = {
    "national": [("/national", "national.title"), ("/flags", "flags.title"), ("/accounts", "accounts.title")],
    "region_admin": [
        ("/region", "region.title"),
        ("/region/stats", "stats.title"),
        ("/flags", "flags.title"),
        ("/accounts", "accounts.title"),
    ],
    "distributor": [
        ("/cards/new", "grant.title"),
        ("/cards", "cards.title"),
        ("/cards/import", "import.title"),
        ("/cards/stats", "own.distributor_title"),
    ],
    "venue": [
        ("/box-office", "box.title"),
        ("/performances", "perf.title"),
        ("/venue-report", "report.title"),
        ("/venue-stats", "own.venue_title"),
    ],
}


def _through_the_organisation(page: Page, base: str, subject: str, lang: str) -> None:
    """Sign in with the organisation's provider (its own form asks who you are)."""
    page.goto(f"{base}/login?lang={lang}")
    page.get_by_role("link", name=translate(lang, "login.oidc")).click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()


def test_a_coordinator_opens_an_account_and_the_clerk_signs_in_through_their_organisation(
    world: World, organisation: str, page: Page
):
    base = world.portal.url
    newcomer = f"new.{world.users['venue']}"
    sign_in(page, base, world.users["region_admin"], PASSWORD, "en")
    page.goto(f"{base}/accounts")
    accessible(page)
    page.locator("#username").fill(newcomer)
    page.locator("#role").select_option("venue")
    page.locator("#org_id").select_option(world.venue)  # from the region's venues, as usage lists them
    page.locator("#signs_in-organisation").check()
    page.locator("#account-form button[type=submit]").click()
    expect(page.locator("#saved")).to_have_text(translate("en", "accounts.opened", username=newcomer))
    expect(page.locator("#staff")).to_contain_text(newcomer)
    accessible(page)
    shoot(page, "en-accounts")
    page.get_by_role("link", name=translate("en", "nav.password")).click()
    expect(page.locator("h1")).to_have_text(translate("en", "password.title"))
    accessible(page)
    sign_out(page)

    # the newcomer signs in at their organisation's provider and lands at the venue's box office
    subject = unique("staff-")  # the provider's id for the person; the portal matches preferred_username
    answer = httpx.put(f"{organisation}/users/{subject}", json={"preferred_username": newcomer})
    assert answer.status_code == 204
    page.goto(f"{base}/login?lang=sv")
    accessible(page)
    _through_the_organisation(page, base, subject, "sv")
    page.wait_for_url(re.compile(r"/box-office$"))
    expect(page.locator("body")).to_contain_text(newcomer)
    accessible(page)
    sign_out(page)

    # closed by the coordinator: the provider still knows them, the portal no longer lets them in
    sign_in(page, base, world.users["region_admin"], PASSWORD, "en")
    page.goto(f"{base}/accounts")
    page.get_by_role("button", name=translate("en", "accounts.close_who", username=newcomer)).click()
    expect(page.locator("#saved")).to_have_text(translate("en", "accounts.closed_done", username=newcomer))
    sign_out(page)
    _through_the_organisation(page, base, subject, "en")
    expect(page.locator("#page-error")).to_contain_text(translate("en", "login.oidc_no_account", username=newcomer))


def test_every_page_speaks_the_chosen_language_and_passes_axe(world: World, page: Page):
    base = world.portal.url
    for role, pages in PAGES.items():
        sign_in(page, base, world.users[role], PASSWORD, "fi")
        for lang in ("fi", "sv", "en"):
            page.goto(f"{base}{pages[0][0]}?lang={lang}")  # the switch; a cookie keeps the choice
            for path, title in pages:
                page.goto(base + path + (f"?code={world.card}" if path == "/box-office" else ""))
                expect(page.locator("html")).to_have_attribute("lang", lang)
                expect(page.locator("h1")).to_have_text(translate(lang, title))
                expect(page.locator("nav.main-nav a[aria-current=page]")).to_have_count(1)
                accessible(page)
                shoot(page, f"{lang}-{role}-{path.strip('/').replace('/', '-')}")
        sign_out(page)


def test_the_public_statistics_page_needs_no_sign_in_and_links_the_open_data(world: World, page: Page):
    """Seed 001 "Tilastot-sivu": anyone, in three languages; the feed is the open data (CC BY 4.0)."""
    base = world.portal.url
    for lang in ("fi", "sv", "en"):
        page.goto(f"{base}/statistics?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("h1")).to_have_text(translate(lang, "open.title"))
        expect(page.locator("#figures")).to_be_visible()
        expect(page.locator("#licence")).to_contain_text("CC BY 4.0")
        accessible(page)
        shoot(page, f"{lang}-public-statistics")
    page.locator("#region_id").fill(world.region)
    page.locator("form.inline-form button[type=submit]").click()
    expect(page.locator("#figures-heading")).to_contain_text(world.region)
    feed = httpx.get(f"{base}/statistics/feed", params={"region_id": world.region, "format": "json"}, timeout=30)
    assert feed.status_code == 200
    assert feed.headers["cache-control"].startswith("public")
    assert (feed.json()["licence"], feed.json()["region_id"]) == ("CC BY 4.0", world.region)
    bad = httpx.get(f"{base}/statistics/feed", params={"region_id": "../stats/national"}, timeout=30)
    assert bad.status_code == 422
