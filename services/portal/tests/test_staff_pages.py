"""Staff accounts in the portal (in-process, own PostgreSQL database, services unreachable): who may
open and close whose account, refusals in words, closing ends the person's sessions at once."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from kaiku_contracts.http.issuance import Region
from kaiku_portal import app as portal
from kaiku_portal.adapters.upstream import IssuanceClient
from kaiku_portal.domain.accounts import Person
from kaiku_portal.entrypoints.http.web import SESSION_COOKIE
from kaiku_portal.i18n import translate
from kaiku_portal.service.accounts import Accounts
from kaiku_runtime.auth import Role
from markupsafe import escape

pytestmark = pytest.mark.connected
PASSWORD = "a-long-test-password"


@pytest.fixture
async def app(portal_alone: LifespanManager) -> AsyncIterator[httpx.ASGITransport]:
    async with portal_alone as manager:
        accounts: Accounts = portal.app.state.accounts
        await accounts.create("coord.north", PASSWORD, Role.REGION_ADMIN, "R1")
        await accounts.create("coord.south", PASSWORD, Role.REGION_ADMIN, "R2")
        await accounts.create("clerk.south", PASSWORD, Role.VENUE, "R2", "V9")
        await accounts.create("office.national", PASSWORD, Role.NATIONAL)
        yield httpx.ASGITransport(app=manager.app)


@contextlib.asynccontextmanager
async def signed_in(app: httpx.ASGITransport, username: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=app, base_url="http://portal", headers={"Accept-Language": "en"}) as http:
        answer = await http.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        yield http


def words(lang: str, key: str, **values: str) -> str:
    """The catalogue's text as it stands in the page's HTML."""
    return str(escape(translate(lang, key, **values)))  # type: ignore[arg-type]


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def account_ids(page: str) -> dict[str, str]:
    """username -> account id, from the close/reopen buttons of the list."""
    return dict(
        (username, account_id)
        for account_id, username in re.findall(
            r'action="/accounts/([0-9a-f-]+)/closed".*?aria-label="[^"]*?(\S+)"', page, re.S
        )
    )


async def test_a_coordinator_opens_an_account_in_their_region_that_signs_in_and_is_traced_to_them(
    app: httpx.ASGITransport,
):
    async with signed_in(app, "coord.north") as coordinator:
        page = await coordinator.get("/accounts")
        assert page.status_code == 200
        assert "coord.north" in page.text
        assert "clerk.south" not in page.text  # another region's people
        assert "office.national" not in page.text

        opened = await coordinator.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "Maija.Coordinator", "role": "region_admin",
                  "signs_in": "password", "password": "her-own-first-password"},
        )  # fmt: skip
        assert opened.status_code == 200, opened.text
        assert words("en", "accounts.opened", username="maija.coordinator") in opened.text
        assert "maija.coordinator" in account_ids(opened.text)

    async with httpx.AsyncClient(transport=app, base_url="http://portal") as newcomer:
        answer = await newcomer.post(
            "/login", data={"username": "maija.coordinator", "password": "her-own-first-password"}
        )
        assert answer.headers["location"] == "/region"

    row = await portal.app.state.accounts.pool.fetchrow(
        "SELECT a.region_id, a.org_id, c.username AS by FROM accounts a JOIN accounts c ON c.account_id = a.created_by"
        " WHERE a.username = 'maija.coordinator'"
    )
    assert dict(row) == {"region_id": "R1", "org_id": None, "by": "coord.north"}


@pytest.mark.parametrize(("role", "org"), [("venue", "V1"), ("distributor", "D1")])
async def test_no_organisation_account_is_opened_while_the_regions_listing_cannot_be_read(
    app: httpx.ASGITransport, role: str, org: str
):
    """Fails closed: the services are out of reach, so the organisation cannot be checked to be the region's."""
    async with signed_in(app, "coord.north") as coordinator:
        page = await coordinator.get("/accounts")
        assert words("en", "accounts.organisation_typed_hint") in page.text  # the list is unavailable
        refused = await coordinator.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "any.clerk", "role": role, "org_id": org,
                  "signs_in": "password", "password": PASSWORD},
        )  # fmt: skip
        assert refused.status_code == 503
        assert words("en", "accounts.error.listing_unavailable") in refused.text
    assert await portal.app.state.accounts.pool.fetchval("SELECT count(*) FROM accounts") == 4  # nothing opened


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"username": "new.national", "role": "national"}, "accounts.error.role"),
        ({"username": "new.agency", "role": "agency", "org_id": "A1"}, "accounts.error.role"),
        ({"username": "short.pass", "role": "venue", "org_id": "V1", "password": "short"}, "accounts.error.password"),
        ({"username": "no.org", "role": "venue", "org_id": ""}, "accounts.error.organisation"),
        ({"username": "x", "role": "venue", "org_id": "V1"}, "accounts.error.username"),
        ({"username": "coord.south", "role": "region_admin"}, "accounts.error.taken"),
    ],
)
async def test_an_account_that_cannot_be_opened_is_refused_in_words(
    app: httpx.ASGITransport, form: dict[str, str], problem: str
):
    async with signed_in(app, "coord.north") as coordinator:
        page = await coordinator.get("/accounts")
        answer = await coordinator.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "signs_in": "password", "password": PASSWORD, **form},
            headers={"Accept-Language": "sv"},
        )
        assert answer.status_code == 422
        assert words("sv", problem) in answer.text
        assert 'aria-invalid="true"' in answer.text
    count = await portal.app.state.accounts.pool.fetchval("SELECT count(*) FROM accounts")
    assert count == 4  # nothing opened


async def test_closing_an_account_ends_its_sessions_at_once_and_only_the_right_people_may(app: httpx.ASGITransport):
    async with contextlib.AsyncExitStack() as stack:
        await _closing(app, stack)


async def _closing(app: httpx.ASGITransport, stack: contextlib.AsyncExitStack) -> None:
    clerk = await stack.enter_async_context(signed_in(app, "clerk.south"))
    assert (await clerk.get("/box-office")).status_code == 200
    assert (await clerk.get("/accounts")).status_code == 403  # a clerk manages no one

    async with signed_in(app, "coord.north") as north:
        page = await north.get("/accounts")
        south_clerk = await portal.app.state.accounts.pool.fetchval(
            "SELECT account_id::text FROM accounts WHERE username = 'clerk.south'"
        )
        refused = await north.post(
            f"/accounts/{south_clerk}/closed", data={"csrf": csrf_of(page.text), "closed": "true"}
        )
        assert refused.status_code == 403  # another region's person
        assert words("en", "accounts.error.not_yours") in refused.text
        me = await portal.app.state.accounts.pool.fetchval(
            "SELECT account_id::text FROM accounts WHERE username = 'coord.north'"
        )
        assert (
            await north.post(f"/accounts/{me}/closed", data={"csrf": csrf_of(page.text), "closed": "true"})
        ).status_code == 403
        forged = await north.post(f"/accounts/{south_clerk}/closed", data={"csrf": "forged", "closed": "true"})
        assert forged.status_code == 403
    assert (await clerk.get("/box-office")).status_code == 200  # still open

    async with signed_in(app, "coord.south") as south:
        page = await south.get("/accounts")
        assert account_ids(page.text)["clerk.south"] == south_clerk
        asked = await south.post(f"/accounts/{south_clerk}/closed", data={"csrf": csrf_of(page.text), "closed": "true"})
        assert words("en", "accounts.close_question", username="clerk.south") in asked.text  # asked first
        assert (await clerk.get("/box-office")).status_code == 200  # nothing closed yet
        closed = await south.post(
            f"/accounts/{south_clerk}/closed",
            data={"csrf": csrf_of(page.text), "closed": "true", "confirmed": "yes"},
        )
        assert closed.status_code == 200
        assert words("en", "accounts.closed_done", username="clerk.south") in closed.text
        assert (await clerk.get("/box-office")).status_code == 303  # signed out at once
        wrong = await clerk.post("/login", data={"username": "clerk.south", "password": "not the password"})
        assert wrong.status_code == 401  # a wrong password hears nothing of the account being closed
        right = await clerk.post("/login", data={"username": "clerk.south", "password": PASSWORD})
        assert right.status_code == 403
        assert words("en", "login.closed") in right.text

        reopened = await south.post(
            f"/accounts/{south_clerk}/closed", data={"csrf": csrf_of(page.text), "closed": "false"}
        )
        assert words("en", "accounts.reopened_done", username="clerk.south") in reopened.text
    assert (await clerk.post("/login", data={"username": "clerk.south", "password": PASSWORD})).status_code == 303


async def test_the_national_office_opens_coordinators_in_any_region(
    app: httpx.ASGITransport, monkeypatch: pytest.MonkeyPatch
):
    async def regions(self: IssuanceClient, person: Person) -> list[Region]:  # issuance's listing (unreachable here)
        return [Region(region_id="R3", name="East", trial_ends_on=None)]

    monkeypatch.setattr(IssuanceClient, "regions", regions)
    async with signed_in(app, "office.national") as office:
        page = await office.get("/accounts")
        assert "coord.north" in page.text
        assert "coord.south" in page.text
        assert "clerk.south" not in page.text  # the regions run their own staff
        opened = await office.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "coord.east", "role": "region_admin", "region_id": "R3",
                  "signs_in": "password", "password": PASSWORD},
        )  # fmt: skip
        assert words("en", "accounts.opened", username="coord.east") in opened.text
        clerk = await office.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "clerk.east", "role": "venue", "region_id": "R3",
                  "org_id": "V3", "signs_in": "password", "password": PASSWORD},
        )  # fmt: skip
        assert clerk.status_code == 422
        no_region = await office.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "coord.west", "role": "region_admin", "region_id": "",
                  "signs_in": "password", "password": PASSWORD},
        )  # fmt: skip
        assert no_region.status_code == 422
        unknown = await office.post(
            "/accounts",
            data={"csrf": csrf_of(page.text), "username": "coord.nowhere", "role": "region_admin", "region_id": "R9",
                  "signs_in": "password", "password": PASSWORD},
        )  # fmt: skip
        assert unknown.status_code == 422  # a region that does not exist is never a coordinator's
        assert words("en", "accounts.error.region_unknown") in unknown.text
    assert (
        await portal.app.state.accounts.pool.fetchval("SELECT region_id FROM accounts WHERE username = 'coord.east'")
        == "R3"
    )


async def test_a_person_changes_their_own_password_and_their_other_sessions_end(app: httpx.ASGITransport):
    async with signed_in(app, "clerk.south") as phone, signed_in(app, "clerk.south") as desk:
        page = await desk.get("/password")
        assert page.status_code == 200
        csrf = csrf_of(page.text)
        for form, field_name, problem in (
            ({"current": "not it at all", "new": "new-long-password", "again": "new-long-password"}, "current",
             "password.error.wrong_current"),
            ({"current": PASSWORD, "new": "short", "again": "short"}, "new", "password.error.too_short"),
            ({"current": PASSWORD, "new": "new-long-password", "again": "new-long-passwort"}, "again",
             "password.error.differ"),
        ):  # fmt: skip
            refused = await desk.post("/password", data={"csrf": csrf, **form})
            assert refused.status_code == 422
            assert words("en", problem) in refused.text
            assert f'id="{field_name}-error"' in refused.text
        assert (await phone.get("/box-office")).status_code == 200  # nothing changed yet

        changed = await desk.post(
            "/password",
            data={"csrf": csrf, "current": PASSWORD, "new": "new-long-password", "again": "new-long-password"},
        )
        assert changed.status_code == 200
        assert words("en", "password.changed") in changed.text
        assert (await desk.get("/box-office")).status_code == 200  # this session goes on
        assert (await phone.get("/box-office")).status_code == 303  # the other one ended
    async with httpx.AsyncClient(transport=app, base_url="http://portal") as again:
        old = await again.post("/login", data={"username": "clerk.south", "password": PASSWORD})
        assert old.status_code == 401
        new = await again.post("/login", data={"username": "clerk.south", "password": "new-long-password"})
        assert new.status_code == 303


async def test_an_organisation_sign_in_account_has_no_password_to_change(app: httpx.ASGITransport):
    await portal.app.state.accounts.create("kalle.oidc", None, Role.VENUE, "R1", "V1")
    token, _ = await portal.app.state.accounts.sign_in_as("kalle.oidc", "https://login.example.fi", "k1", hours=1)
    async with httpx.AsyncClient(transport=app, base_url="http://portal", headers={"Accept-Language": "fi"}) as http:
        http.cookies.set(SESSION_COOKIE, token)
        page = await http.get("/password")
        answer = await http.post(
            "/password",
            data={"csrf": csrf_of(page.text), "current": "", "new": "new-long-password", "again": "new-long-password"},
        )
        assert answer.status_code == 409
        assert words("fi", "password.error.no_password") in answer.text
    assert (
        await portal.app.state.accounts.pool.fetchval(
            "SELECT password_hash FROM accounts WHERE username = 'kalle.oidc'"
        )
        is None
    )


async def test_a_coordinator_sets_a_new_password_for_someone_who_forgot_theirs(app: httpx.ASGITransport):
    clerk_id = await portal.app.state.accounts.pool.fetchval(
        "SELECT account_id::text FROM accounts WHERE username = 'clerk.south'"
    )
    async with signed_in(app, "clerk.south") as clerk:
        async with signed_in(app, "coord.north") as north:
            page = await north.get("/accounts")
            refused = await north.post(
                f"/accounts/{clerk_id}/password", data={"csrf": csrf_of(page.text), "password": "a-new-long-password"}
            )
            assert refused.status_code == 403  # another region's person
        async with signed_in(app, "coord.south") as south:
            page = await south.get("/accounts")
            assert words("en", "accounts.password_new", username="clerk.south") in page.text
            short = await south.post(
                f"/accounts/{clerk_id}/password", data={"csrf": csrf_of(page.text), "password": "short"}
            )
            assert short.status_code == 422
            assert words("en", "accounts.error.password") in short.text
            assert (await clerk.get("/box-office")).status_code == 200
            done = await south.post(
                f"/accounts/{clerk_id}/password", data={"csrf": csrf_of(page.text), "password": "a-new-long-password"}
            )
            assert words("en", "accounts.password_set", username="clerk.south") in done.text
        assert (await clerk.get("/box-office")).status_code == 303  # signed out: the old session ended
    async with httpx.AsyncClient(transport=app, base_url="http://portal") as again:
        assert (await again.post("/login", data={"username": "clerk.south", "password": PASSWORD})).status_code == 401
        fresh = await again.post("/login", data={"username": "clerk.south", "password": "a-new-long-password"})
        assert fresh.status_code == 303


async def _account_id(username: str) -> str:
    return str(
        await portal.app.state.accounts.pool.fetchval(
            "SELECT account_id::text FROM accounts WHERE username = $1", username
        )
    )


async def test_a_coordinator_cannot_take_over_another_coordinators_or_the_national_offices_account(
    app: httpx.ASGITransport,
):
    await portal.app.state.accounts.create("coord.north2", PASSWORD, Role.REGION_ADMIN, "R1")
    other, office = await _account_id("coord.north2"), await _account_id("office.national")
    async with signed_in(app, "coord.north") as north:
        page = await north.get("/accounts")
        assert f"/accounts/{other}/password" not in page.text  # not offered
        csrf = csrf_of(page.text)
        refused = await north.post(f"/accounts/{other}/password", data={"csrf": csrf, "password": "taken-over-now"})
        assert refused.status_code == 403
        assert words("en", "accounts.error.password_not_yours") in refused.text
        for path, form in (("password", {"password": "taken-over-now"}), ("closed", {"closed": "true"})):
            answer = await north.post(f"/accounts/{office}/{path}", data={"csrf": csrf, **form})
            assert answer.status_code == 403
    async with httpx.AsyncClient(transport=app, base_url="http://portal") as http:
        for username in ("coord.north2", "office.national"):
            taken_over = await http.post("/login", data={"username": username, "password": "taken-over-now"})
            assert taken_over.status_code == 401
            assert (await http.post("/login", data={"username": username, "password": PASSWORD})).status_code == 303

    async with signed_in(app, "office.national") as office_person:  # the national office can
        page = await office_person.get("/accounts")
        assert f"/accounts/{other}/password" in page.text
        done = await office_person.post(
            f"/accounts/{other}/password", data={"csrf": csrf_of(page.text), "password": "from-the-office-now"}
        )
        assert done.status_code == 200
        assert words("en", "accounts.password_set", username="coord.north2") in done.text


async def test_no_password_can_be_set_on_an_account_that_signs_in_through_the_organisation(
    app: httpx.ASGITransport,
):
    await portal.app.state.accounts.create("kalle.oidc", None, Role.VENUE, "R2", "V9")
    kalle = await _account_id("kalle.oidc")
    async with signed_in(app, "coord.south") as south:
        page = await south.get("/accounts")
        assert f"/accounts/{kalle}/password" not in page.text  # the form does not offer it
        refused = await south.post(  # and the POST refuses it too
            f"/accounts/{kalle}/password", data={"csrf": csrf_of(page.text), "password": "a-password-to-bypass"}
        )
        assert refused.status_code == 409
        assert words("en", "accounts.error.no_password") in refused.text
    kalle_hash = "SELECT password_hash FROM accounts WHERE username = 'kalle.oidc'"
    assert await portal.app.state.accounts.pool.fetchval(kalle_hash) is None
    async with httpx.AsyncClient(transport=app, base_url="http://portal") as http:
        bypass = await http.post("/login", data={"username": "kalle.oidc", "password": "a-password-to-bypass"})
        assert bypass.status_code == 401
