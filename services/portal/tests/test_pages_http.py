"""The portal's pages over HTTP (in-process, own PostgreSQL database, services unreachable):
sign-in, sessions, roles, CSRF, refusals in the person's language, never a stack trace."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kaiku_portal import app as portal
from kaiku_portal.entrypoints.http.web import SESSION_COOKIE
from kaiku_portal.i18n import reason_text, translate
from kaiku_runtime.auth import Role

pytestmark = pytest.mark.connected
PASSWORD = "a-long-test-password"


@pytest.fixture
async def client(portal_alone: LifespanManager) -> AsyncIterator[httpx.AsyncClient]:
    async with portal_alone as manager:
        accounts = portal.app.state.accounts
        await accounts.create("clerk.one", PASSWORD, Role.VENUE, "R1", "V1")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            yield http


async def sign_in(http: httpx.AsyncClient, username: str = "clerk.one", password: str = PASSWORD) -> httpx.Response:
    return await http.post("/login", data={"username": username, "password": password})


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


async def test_pages_need_a_signed_in_person(client: httpx.AsyncClient):
    answer = await client.get("/box-office?code=E1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/box-office%3Fcode%3DE1"
    login = await client.get("/login", headers={"Accept-Language": "sv-FI,sv;q=0.9,en;q=0.5"})
    assert '<html lang="sv">' in login.text
    assert translate("sv", "login.title") in login.text


async def test_signing_in_sets_a_safe_session_cookie_and_signing_out_ends_it(client: httpx.AsyncClient):
    wrong = await sign_in(client, password="not the password")
    assert wrong.status_code == 401
    assert translate("fi", "login.failed") in wrong.text

    answer = await client.post("/login", data={"username": "clerk.one", "password": PASSWORD, "next": "//evil.example"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/box-office"  # never an open redirect
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie

    page = await client.get("/box-office")
    assert page.status_code == 200
    assert "clerk.one" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]

    out = await client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, answer.cookies[SESSION_COOKIE])  # the old token is worthless
    assert (await client.get("/box-office")).status_code == 303


async def test_a_role_sees_only_its_own_pages_and_forms_need_their_csrf_token(client: httpx.AsyncClient):
    await sign_in(client)
    other_role = await client.get("/cards/new?lang=en")
    assert other_role.status_code == 403
    assert translate("en", "error.forbidden") in other_role.text

    forged = await client.post("/box-office/uses", data={"card_code": "E1", "performance_id": "P1"})
    assert forged.status_code == 403


async def test_a_service_that_does_not_answer_is_said_in_plain_words(client: httpx.AsyncClient):
    await sign_in(client)
    page = await client.get("/box-office?lang=sv")
    answer = await client.post(
        "/box-office/uses",
        data={"csrf": csrf_of(page.text), "card_code": "e1234", "performance_id": "P1", "adult_tickets": "1",
              "child_tickets": "0", "channel": "box_office", "redemption_id": "r1"},
    )  # fmt: skip
    assert answer.status_code == 503
    assert reason_text("sv", "service_unavailable") in answer.text
    assert "Traceback" not in answer.text
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert translate("sv", "error.not_found") in missing.text


async def test_password_guessing_is_stopped_after_five_failures(client: httpx.AsyncClient):
    for _ in range(5):
        assert (await sign_in(client, password="guess guess guess")).status_code == 401
    blocked = await sign_in(client)  # even the right password waits now
    assert blocked.status_code == 429
    assert translate("fi", "login.throttled") in blocked.text
    # the count lives in the database (shared by every portal instance), not in this process
    accounts = portal.app.state.accounts
    assert await accounts.sign_in_blocked("clerk.one")
    assert not await accounts.sign_in_blocked("someone.else")
    await accounts.sign_in_succeeded("clerk.one")  # what a successful sign-in does, e.g. after the window
    assert (await sign_in(client)).status_code == 303


async def test_health_ready_answers_for_the_portals_own_database(client: httpx.AsyncClient):
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    assert ready.json()["services"]["usage"].startswith("unavailable")


async def test_a_use_queued_offline_is_answered_in_json_and_stays_queued_while_usage_does_not_answer(
    client: httpx.AsyncClient,
):
    """docs/portal/README.md, "Offline box office": the page's script sends each queued use here."""
    await sign_in(client)
    page = await client.get("/box-office?lang=sv")
    queued = {"csrf": csrf_of(page.text), "card_code": "e1234", "performance_id": "P1", "adult_tickets": "1",
              "child_tickets": "0", "channel": "phone", "redemption_id": "0123abcd",
              "made_at": "2026-12-03T18:05:00Z"}  # fmt: skip
    answer = await client.post("/box-office/uses.json", data=queued)
    assert answer.status_code == 503
    assert answer.json() == {
        "redemption_id": "0123abcd",
        "made_at": "2026-12-03T18:05:00Z",
        "outcome": "not_sent",  # not settled: the same use is sent again later, with the same id
        "reason": "service_unavailable",
        "words": reason_text("sv", "service_unavailable"),
        "final": False,
    }
    no_tickets = await client.post("/box-office/uses.json", data={**queued, "adult_tickets": "0"})
    assert no_tickets.status_code == 422
    assert no_tickets.json()["final"] is True
    assert no_tickets.json()["words"] == translate("sv", "box.error.no_tickets")
    without_id = await client.post("/box-office/uses.json", data={**queued, "redemption_id": ""})
    assert without_id.status_code == 422
    forged = await client.post("/box-office/uses.json", data={**queued, "csrf": "forged"})
    assert forged.status_code == 403
    assert not forged.headers["content-type"].startswith("application/json")  # the script keeps the use queued


async def test_the_box_office_installs_with_a_service_worker_whose_scope_covers_the_page(client: httpx.AsyncClient):
    worker = await client.get("/box-office/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/box-office"
    assert 'addEventListener("fetch"' in worker.text
    manifest = await client.get("/box-office/manifest.webmanifest?lang=sv")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.json()["start_url"] == manifest.json()["scope"] == "/box-office"
    assert manifest.json()["name"] == translate("sv", "offline.app_name")
    await sign_in(client)
    page = await client.get("/box-office")
    assert '<link rel="manifest" href="/box-office/manifest.webmanifest">' in page.text
    for name in ("offline/box_office.js", "offline/scanner.js", "vendor/zxing-library-0.23.0.min.js"):
        assert (await client.get(f"/static/{name}")).status_code == 200
