"""The portal in a real browser (Debian's Chromium through Playwright) against the real services: issuance,
usage, stats and the portal as processes, on the session's Kafka-protocol broker and PostgreSQL.

The folder shares one running stack (`stack`) and browser; each test module gets its own region, organisations
and staff (`world`) on it. A test takes a `page` (a phone, 412 × 915), a `desktop` page (1366 × 768) or
`screen` (both, one run each) and the `ui` helpers: signing in and out, the axe-core WCAG 2.1 AA check,
screenshots for the docs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import oidc_provider_mock
import pytest
from axe_playwright_python.sync_playwright import Axe
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, unique
from kaiku_portal.i18n import translate
from playwright.sync_api import Browser, Page, expect, sync_playwright

PASSWORD = "a-long-test-password"
CHROMIUM = os.environ.get("KAIKU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 412, "height": 915}
DESKTOP = {"width": 1366, "height": 768}
# WCAG 2.1 A and AA rules (and axe's best practices): a serious or critical finding fails the test.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING_IMPACTS = {"serious", "critical"}
SCREENSHOTS = os.environ.get("KAIKU_PORTAL_SCREENSHOTS")  # a folder: the docs' screenshots are taken there


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.connected)
            # the folder's first test also starts its four services and the browser, a module's first its accounts
            # (fixtures count in the time)
            item.add_marker(pytest.mark.timeout(900))
            # for a machine without Chromium (README "Tests"); CI installs it and never skips (`CI` set)
            if os.environ.get("KAIKU_SKIP_BROWSER_TESTS") == "1" and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason="KAIKU_SKIP_BROWSER_TESTS=1"))


@dataclass
class World:
    """One module's stack and its own region, distributor, venue and staff (role -> username)."""

    portal: ServiceProcess
    region: str
    distributor: str
    venue: str
    card: str
    performance: str
    users: dict[str, str]

    @property
    def base(self) -> str:
        return self.portal.url


@dataclass
class Ui:
    """What every browser test does: sign in and out, check accessibility, take the docs' screenshots."""

    checked_pages: list[str] = field(default_factory=list)
    _axe: Axe = field(default_factory=Axe)

    def accessible(self, page: Page) -> None:
        """axe-core on the page as it is now: no serious or critical WCAG 2.1 AA violation."""
        results: dict[str, Any] = self._axe.run(page, options=AXE_OPTIONS).response
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
            if v.get("impact") in BLOCKING_IMPACTS
        ]
        assert blocking == [], f"{page.url}: " + "; ".join(blocking)
        self.checked_pages.append(page.url)

    def shoot(self, page: Page, name: str) -> None:
        if SCREENSHOTS:
            folder = Path(SCREENSHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def sign_in(self, page: Page, base: str, username: str, lang: str, password: str = PASSWORD) -> None:
        page.goto(f"{base}/login?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if not any("/login" in url for url in self.checked_pages):
            self.accessible(page)
        self.shoot(page, f"{lang}-login")
        page.get_by_label(re.compile("Käyttäjätunnus|Användarnamn|Username")).fill(username)
        page.locator("#password").fill(password)
        page.locator("#password").press("Enter")
        page.wait_for_url(re.compile(r"/(cards/new|box-office|region|national)$"))

    def sign_out(self, page: Page) -> None:
        page.locator("form.signout button").click()
        page.wait_for_url(re.compile(r"/login"))

    def import_cards(self, page: Page, world: World, rows: list[tuple[str, date]]) -> None:
        """Cards as the distributor imports paper forms through the page (code, issue date), all accepted."""
        forms = "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation\n" + "".join(
            f"{code},{issued:%d.%m.%Y},1980,fi,female,00100,student\n" for code, issued in rows
        )
        self.sign_in(page, world.base, world.users["distributor"], "en")
        page.goto(f"{world.base}/cards/import")
        page.locator("#file").set_input_files(
            files=[{"name": "forms.csv", "mimeType": "text/csv", "buffer": forms.encode()}]
        )
        page.locator("form[data-progress] button[type=submit]").click()
        expect(page.locator("#upload-summary")).to_have_text(
            translate("en", "upload.summary", count=len(rows), accepted=len(rows), rejected=0, skipped=0)
        )
        self.sign_out(page)

    def register_organisations(self, page: Page, world: World) -> None:
        """The region, its distributor and its venue, as the national office and the coordinator add them."""
        self.sign_in(page, world.base, world.users["national"], "en")
        page.locator("#region_id").fill(world.region)
        page.locator("#region_name").fill("Test region")
        page.locator("#region-form button").click()
        expect(page.locator("#saved")).to_be_visible()
        self.sign_out(page)
        self.sign_in(page, world.base, world.users["region_admin"], "en")
        page.locator("#distributor_id").fill(world.distributor)
        page.locator("#distributor_name").fill("Social services")
        page.locator("#distributor-form button").click()
        expect(page.locator("#saved")).to_be_visible()
        page.locator("#venue_id").fill(world.venue)
        page.locator("#venue_name").fill("City theatre")
        page.locator("#category").select_option("culture")
        page.locator("#venue-form button").click()
        expect(page.locator("#saved")).to_be_visible()
        self.sign_out(page)


def add_user(portal: ServiceProcess, username: str, role: str, region: str | None, org: str | None) -> None:
    """An account through the portal's own command line (`kaiku portal add-user`)."""
    args = ["add-user", "--username", username, "--role", role, "--password-stdin"]
    args += ["--region", region] if region else []
    args += ["--org", org] if org else []
    done = subprocess.run(
        [sys.executable, "-c", "from kaiku_portal.entrypoints.cli import main; main()", *args],
        input=PASSWORD + "\n",
        env={**os.environ, "KAIKU_DATABASE_URL": portal.database_url or ""},
        capture_output=True,
        text=True,
        timeout=180,  # a busy machine (CI's 2 cores) starts Python slowly
        check=False,
    )
    assert done.returncode == 0, done.stderr


_FOLDER = Path(__file__).parent
_FOLDER_RESOURCES = ExitStack()
"""The folder's stack, OIDC provider and browser: session fixtures (the folder is no package), closed as soon
as the folder's last test is done (`pytest_runtest_teardown`), so no usage instance of theirs answers another
folder's agency submissions."""


@pytest.hookimpl(trylast=True)  # after the test's own fixtures (its pages) are torn down
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if nextitem is None or _FOLDER not in Path(nextitem.path).parents:
        _FOLDER_RESOURCES.close()


@pytest.fixture(scope="session")
def organisation() -> str:
    """The region's OpenID Connect provider (a real one: authlib's server, on its own port)."""
    server = _FOLDER_RESOURCES.enter_context(oidc_provider_mock.run_server_in_thread())
    return f"http://localhost:{server.server_port}"


@pytest.fixture(scope="session")
def stack(service_runner: ServiceRunner, organisation: str) -> ServiceProcess:
    """The browser tests' running services, started once for the folder; each module still gets a region,
    organisations and staff of its own (`world`)."""
    issuance, usage, stats = _FOLDER_RESOURCES.enter_context(service_runner.started("issuance", "usage", "stats"))
    (portal,) = _FOLDER_RESOURCES.enter_context(
        service_runner.started(
            "portal",
            KAIKU_ISSUANCE_URL=issuance.url,
            KAIKU_USAGE_URL=usage.url,
            KAIKU_STATS_URL=stats.url,
            KAIKU_OIDC_ISSUER=organisation,
            KAIKU_OIDC_CLIENT_SECRET="the-portal's-secret-at-the-provider",
        )
    )
    return portal


@pytest.fixture(scope="module")
def world(stack: ServiceProcess) -> World:
    """The module's own region, distributor, venue and four accounts (national office, coordinator,
    distributor, clerk) on the folder's running stack.

    The region and organisations exist only in the accounts until a test registers them
    (`ui.register_organisations`, or the journey test through the pages)."""
    region, distributor, venue = unique("R"), unique("D"), unique("V")
    suffix = unique("").lower()
    users = {
        "national": f"nat.{suffix}",
        "region_admin": f"coord.{suffix}",
        "distributor": f"social.{suffix}",
        "venue": f"clerk.{suffix}",
    }
    add_user(stack, users["national"], "national", None, None)
    add_user(stack, users["region_admin"], "region_admin", region, None)
    add_user(stack, users["distributor"], "distributor", region, distributor)
    add_user(stack, users["venue"], "venue", region, venue)
    return World(stack, region, distributor, venue, unique("E"), unique("P"), users)


@pytest.fixture(scope="module")
def ui() -> Ui:
    return Ui()


@pytest.fixture(scope="session")
def browser() -> Browser:
    playwright = _FOLDER_RESOURCES.enter_context(sync_playwright())
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    _FOLDER_RESOURCES.callback(launched.close)
    return launched


def _page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
    context.set_default_timeout(30_000)  # stats pages compute the year's protection; CI runs on 2 busy cores
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A phone-sized window: the box office works on a phone."""
    yield from _page(browser, PHONE)


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, DESKTOP)


@pytest.fixture(params=["phone", "desktop"])
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The test runs twice: on a phone (412 × 915) and on a desktop (1366 × 768)."""
    yield from _page(browser, PHONE if request.param == "phone" else DESKTOP)
