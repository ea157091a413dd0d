"""Sign-in cannot be used to lock people out or stall the portal (in-process portal, own PostgreSQL
database): failures are throttled per client address as well as per username, names no account has
never fill the failures table, over-long names are refused without hashing, and password hashing
runs a bounded number at a time off the event loop while other pages go on answering."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kaiku_portal import app as portal
from kaiku_portal.domain.throttle import HASHING_AT_ONCE, LONGEST_USERNAME, MAX_FAILURES_FROM_ADDRESS
from kaiku_portal.i18n import translate
from kaiku_portal.service.accounts import Accounts
from kaiku_runtime.auth import Role

pytestmark = pytest.mark.connected
PASSWORD = "a-long-test-password"


@pytest.fixture
async def manager(portal_alone: LifespanManager) -> AsyncIterator[LifespanManager]:
    async with portal_alone as started:
        await portal.app.state.accounts.create("clerk.one", PASSWORD, Role.VENUE, "R1", "V1")
        yield started


@contextlib.asynccontextmanager
async def browser_at(manager: LifespanManager, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=manager.app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal", headers={"Accept-Language": "en"}) as h:
        yield h


async def sign_in(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post("/login", data={"username": username, "password": password})


def accounts() -> Accounts:
    store: Accounts = portal.app.state.accounts
    return store


async def test_guessing_names_from_one_address_is_stopped_there_and_never_stores_the_names(manager: LifespanManager):
    async with browser_at(manager, "203.0.113.7") as attacker, browser_at(manager, "198.51.100.2") as office:
        for n in range(MAX_FAILURES_FROM_ADDRESS):
            assert (await sign_in(attacker, f"guess.{n}", "guess guess guess")).status_code == 401
        blocked = await sign_in(attacker, "clerk.one")  # even a right password from there waits now
        assert blocked.status_code == 429
        assert translate("en", "login.throttled") in blocked.text
        assert (await sign_in(office, "clerk.one")).status_code == 303  # the person, elsewhere, is not locked out
    rows = await accounts().pool.fetch("SELECT username, client_address FROM sign_in_failures")
    assert len(rows) == MAX_FAILURES_FROM_ADDRESS
    assert {row["username"] for row in rows} == {None}  # names no account has are never kept
    assert {row["client_address"] for row in rows} == {"203.0.113.7"}


async def test_guessing_one_persons_password_from_many_addresses_is_still_stopped(manager: LifespanManager):
    for n in range(5):
        async with browser_at(manager, f"192.0.2.{n + 1}") as attacker:
            assert (await sign_in(attacker, "clerk.one", "guess guess guess")).status_code == 401
    async with browser_at(manager, "192.0.2.99") as another:
        assert (await sign_in(another, "clerk.one")).status_code == 429
        assert (await sign_in(another, "someone.else", "guess guess guess")).status_code == 401


async def test_an_over_long_username_is_refused_without_hashing_and_never_echoed(manager: LifespanManager):
    store = accounts()
    long_name = "x" * (LONGEST_USERNAME + 1)
    async with browser_at(manager, "203.0.113.8") as attacker:
        for _ in range(HASHING_AT_ONCE):  # every hashing slot is busy: a sign-in that hashed would wait
            await store._hashing.acquire()
        try:
            answer = await asyncio.wait_for(sign_in(attacker, long_name), timeout=5)
        finally:
            for _ in range(HASHING_AT_ONCE):
                store._hashing.release()
        assert answer.status_code == 401
        assert long_name not in answer.text
    assert await store.pool.fetchval("SELECT count(*) FROM sign_in_failures WHERE username IS NOT NULL") == 0


async def test_sign_ins_wait_their_turn_to_hash_while_other_pages_answer(manager: LifespanManager):
    store = accounts()
    async with browser_at(manager, "203.0.113.9") as person, browser_at(manager, "203.0.113.10") as other:
        for _ in range(HASHING_AT_ONCE):
            await store._hashing.acquire()
        waiting = asyncio.create_task(sign_in(person, "clerk.one"))
        try:
            await asyncio.sleep(0.5)
            assert not waiting.done()  # no more hashing than HASHING_AT_ONCE at a time
            assert (await asyncio.wait_for(other.get("/login"), timeout=5)).status_code == 200  # the loop is free
            assert (await asyncio.wait_for(other.get("/health/live"), timeout=5)).status_code == 200
        finally:
            for _ in range(HASHING_AT_ONCE):
                store._hashing.release()
        assert (await asyncio.wait_for(waiting, timeout=30)).status_code == 303
