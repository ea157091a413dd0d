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
