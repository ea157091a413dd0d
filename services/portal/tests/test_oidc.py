"""Signing in through the organisation's OpenID Connect provider: a real provider (authlib's server,
oidc-provider-mock) on a real port, the portal in-process on its own PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import oidc_provider_mock
import pytest
from asgi_lifespan import LifespanManager
from kaiku_portal import app as portal
from kaiku_portal.entrypoints.http.web import SESSION_COOKIE
from kaiku_portal.i18n import translate
from kaiku_runtime.auth import Role

pytestmark = pytest.mark.connected
NOWHERE = "http://127.0.0.1:9"  # the discard port: the provider does not answer


@pytest.fixture(scope="module")
def provider_url() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@dataclass
class Browser:
    """The portal (in-process) and the provider (over the network), as a browser sees them."""

    portal: httpx.AsyncClient
    provider: httpx.AsyncClient
    provider_url: str

    async def person_at_the_provider(self, sub: str, **claims: str) -> None:
        answer = await self.provider.put(f"{self.provider_url}/users/{quote(sub)}", json=claims)
        assert answer.status_code == 204

    async def sign_in(self, sub: str, *, next: str = "", action: str = "authorize") -> httpx.Response:
        """Click the organisation's button, answer the provider's form, follow it back to the portal."""
        start = await self.portal.get("/login/oidc" + (f"?next={quote(next)}" if next else ""))
        assert start.status_code == 302, start.text
        assert start.headers["location"].startswith(self.provider_url)
        assert "code_challenge=" in start.headers["location"]  # PKCE
        at_provider = await self.provider.post(start.headers["location"], data={"sub": sub, "action": action})
        assert at_provider.status_code in (302, 303), at_provider.text
        back = at_provider.headers["location"]
        assert back.startswith("http://portal/login/oidc/callback?")
        return await self.portal.get(back)


def _portal(portal_alone: LifespanManager, monkeypatch: pytest.MonkeyPatch, issuer: str | None) -> LifespanManager:
    monkeypatch.setattr(portal.settings, "oidc_issuer", issuer)
    monkeypatch.setattr(portal.settings, "oidc_client_secret", "the-portal's-secret-at-the-provider")
    return portal_alone


@pytest.fixture
async def browser(
    portal_alone: LifespanManager, monkeypatch: pytest.MonkeyPatch, provider_url: str
) -> AsyncIterator[Browser]:
    async with _portal(portal_alone, monkeypatch, provider_url) as manager:
        accounts = portal.app.state.accounts
        await accounts.create("clerk.oidc", None, Role.VENUE, "R1", "V1")  # signs in only through the provider
        await accounts.create("coordinator.oidc", "a-long-test-password", Role.REGION_ADMIN, "R1")
        transport = httpx.ASGITransport(app=manager.app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://portal") as http,
            httpx.AsyncClient(timeout=10) as provider,
        ):
            yield Browser(http, provider, provider_url)


async def test_the_sign_in_page_offers_the_organisation_and_the_person_lands_on_the_page_asked_for(browser: Browser):
    page = await browser.portal.get("/login?next=/performances")
    assert 'id="oidc-sign-in" href="/login/oidc?next=/performances"' in page.text
    assert translate("fi", "login.oidc") in page.text

    await browser.person_at_the_provider("f3a1-staff-77", preferred_username="Clerk.OIDC")
    answer = await browser.sign_in("f3a1-staff-77", next="/performances")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/performances"
    cookie = answer.headers["set-cookie"].lower()
    assert SESSION_COOKIE in cookie
    assert "httponly" in cookie

    home = await browser.portal.get("/")
    assert home.headers["location"] == "/box-office"  # the portal's account, not the provider, gives the role
    box_office = await browser.portal.get("/box-office")
    assert box_office.status_code == 200
    assert "clerk.oidc" in box_office.text

    # the account has no password: the password form never opens it
    password = await browser.portal.post("/login", data={"username": "clerk.oidc", "password": ""})
    assert password.status_code == 401


async def test_a_person_the_portal_has_no_account_for_is_told_whom_to_ask_and_gets_no_session(browser: Browser):
    await browser.person_at_the_provider("9b7e-stranger", preferred_username="stranger.danger")
    answer = await browser.sign_in("9b7e-stranger")
    assert answer.status_code == 403
    assert translate("fi", "login.oidc_no_account", username="stranger.danger") in answer.text
    assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")

    # a closed account is refused the same way
    await portal.app.state.accounts.pool.execute("UPDATE accounts SET disabled = true WHERE username = 'clerk.oidc'")
    await browser.person_at_the_provider("f3a1-staff-77", preferred_username="clerk.oidc")
    closed = await browser.sign_in("f3a1-staff-77")
    assert closed.status_code == 403
    assert (await browser.portal.get("/box-office")).status_code == 303  # still signed out

    # no claim to match: refused, never matched to an account by accident
    await browser.person_at_the_provider("no-username-claim")
    nameless = await browser.sign_in("no-username-claim")
    assert nameless.status_code == 403


async def test_a_sign_in_cancelled_at_the_provider_or_with_a_forged_state_is_refused(browser: Browser):
    await browser.person_at_the_provider("f3a1-staff-77", preferred_username="clerk.oidc")
    denied = await browser.sign_in("f3a1-staff-77", action="deny")
    assert denied.status_code == 401
    assert translate("fi", "login.oidc_failed") in denied.text

    # a callback this browser did not start (login CSRF): the state does not match the signed cookie
    start = await browser.portal.get("/login/oidc")
    at_provider = await browser.provider.post(start.headers["location"], data={"sub": "f3a1-staff-77"})
    code = httpx.URL(at_provider.headers["location"]).params["code"]
    forged = await browser.portal.get(f"/login/oidc/callback?code={code}&state=not-the-state")
    assert forged.status_code == 401
    assert (await browser.portal.get("/box-office")).status_code == 303


async def test_without_a_provider_configured_there_is_no_button_and_no_route(
    portal_alone: LifespanManager, monkeypatch: pytest.MonkeyPatch
):
    async with _portal(portal_alone, monkeypatch, None) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            assert "oidc-sign-in" not in (await http.get("/login")).text
            assert (await http.get("/login/oidc")).status_code == 404


async def test_a_provider_that_does_not_answer_gets_a_page_in_words(
    portal_alone: LifespanManager, monkeypatch: pytest.MonkeyPatch
):
    async with _portal(portal_alone, monkeypatch, NOWHERE) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            answer = await http.get("/login/oidc", headers={"Accept-Language": "sv"})
            assert answer.status_code == 503
            assert translate("sv", "login.oidc_unavailable") in answer.text


async def test_an_account_is_bound_to_the_person_at_the_provider_not_to_the_changeable_username(browser: Browser):
    await browser.person_at_the_provider("f3a1-staff-77", preferred_username="clerk.oidc")
    assert (await browser.sign_in("f3a1-staff-77")).status_code == 303
    bound = await portal.app.state.accounts.pool.fetchrow(
        "SELECT oidc_issuer, oidc_subject FROM accounts WHERE username = 'clerk.oidc'"
    )
    assert bound["oidc_subject"] == "f3a1-staff-77"
    assert bound["oidc_issuer"].rstrip("/") == browser.provider_url.rstrip("/")
    await browser.portal.post("/logout", data={"csrf": "x"})  # (a forged logout is ignored; a new jar below)
    browser.portal.cookies.clear()

    # someone else at the provider gives themselves the same username: refused, no session
    await browser.person_at_the_provider("0c0c-impostor", preferred_username="clerk.oidc")
    impostor = await browser.sign_in("0c0c-impostor")
    assert impostor.status_code == 403
    assert SESSION_COOKIE not in impostor.headers.get("set-cookie", "")
    assert (await browser.portal.get("/box-office")).status_code == 303

    assert (await browser.sign_in("f3a1-staff-77")).status_code == 303  # the right person still signs in
