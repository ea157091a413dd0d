"""The pages send what docs/contract.md says and show its answers in words: the number of children on a
personal card, the box office's new refusals, an id already taken (409 `*_exists`) and a rename
that is asked for first and then goes through `PATCH`.

The services gain these parts of the contract in parallel (issue 11), so here the portal talks to a
stand-in that answers exactly as docs/contract.md says and records what it was sent; the browser test
(tests/browser/) runs the real services.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from kaiku_portal import app as portal
from kaiku_portal.i18n import reason_text, translate
from kaiku_runtime.auth import Role
from markupsafe import escape

pytestmark = pytest.mark.connected
PASSWORD = "a-long-test-password"
NEW_REFUSALS = ("holder_not_attending", "too_many_child_tickets", "card_not_yet_valid", "group_unknown",
                "channel_not_allowed")  # fmt: skip


@dataclass
class StandIn:
    """The services as docs/contract.md describes them, recording every write they are sent."""

    writes: list[tuple[str, str, Any]] = field(default_factory=list)
    distributors: dict[str, str] = field(default_factory=lambda: {"D1": "Kirjasto Aalto"})
    venues: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"V1": {"name": "Teatteri Tähti", "category": "culture", "agencies": ["A1"]}}
    )
    regions: set[str] = field(default_factory=lambda: {"R1"})
    branches: dict[str, list[dict[str, str]]] = field(
        default_factory=lambda: {"D1": [{"branch_id": "D1-N", "name": "Pohjoinen toimipiste"}]}
    )

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/distributors")
        async def distributors() -> Any:
            listed = [
                {"distributor_id": k, "region_id": "R1", "name": v, "branches": self.branches.get(k, [])}
                for k, v in self.distributors.items()
            ]
            return {"distributors": listed}

        @app.get("/v1/venues")
        async def venues() -> Any:
            return {"venues": [{"venue_id": k, "region_id": "R1", **v} for k, v in self.venues.items()]}

        @app.get("/v1/performances")
        async def performances() -> Any:
            starts_at = "2030-01-01T18:00:00+02:00"
            performance = {"performance_id": "P1", "venue_id": "V1", "name": "Taikuri", "starts_at": starts_at,
                           "capacity": 100, "kind": "performance", "card_holder_limit": 5}  # fmt: skip
            return {"performances": [performance]}

        @app.post("/v1/{kind}")
        async def create(kind: str, request: Request) -> Any:
            body = await request.json()
            self.writes.append(("POST", f"/v1/{kind}", body))
            if kind == "redemptions":  # the card code names the refusal to give
                reason = NEW_REFUSALS[int(body["card_code"][1:])]
                return JSONResponse({"reason": reason, "detail": "refused"}, status_code=409)
            if kind == "cards":
                return JSONResponse({**body, "valid_until": "2027-12-31"}, status_code=201)
            taken = {"regions": self.regions, "distributors": self.distributors, "venues": self.venues}[kind]
            if body[f"{kind[:-1]}_id"] in taken:
                return JSONResponse({"reason": f"{kind[:-1]}_exists", "detail": "the id is taken"}, status_code=409)
            return JSONResponse(body, status_code=201)

        @app.patch("/v1/{kind}/{entity_id}")
        async def change(kind: str, entity_id: str, request: Request) -> Any:
            body = await request.json()
            self.writes.append(("PATCH", f"/v1/{kind}/{entity_id}", body))
            return body

        return app


@pytest.fixture
async def stand_in(portal_alone: LifespanManager) -> AsyncIterator[tuple[httpx.ASGITransport, StandIn]]:
    services = StandIn()
    async with portal_alone as manager:
        accounts = portal.app.state.accounts
        await accounts.create("dist.one", PASSWORD, Role.DISTRIBUTOR, "R1", "D1")
        await accounts.create("clerk.one", PASSWORD, Role.VENUE, "R1", "V1")
        await accounts.create("coord.one", PASSWORD, Role.REGION_ADMIN, "R1")
        await accounts.create("office.one", PASSWORD, Role.NATIONAL)
        upstream = portal.app.state.services
        real_http = upstream.http
        upstream.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=services.app()))
        upstream.base = {name: "http://stand-in" for name in upstream.base}
        try:
            yield httpx.ASGITransport(app=manager.app), services
        finally:
            await upstream.http.aclose()
            upstream.http = real_http


@contextlib.asynccontextmanager
async def signed_in(app: httpx.ASGITransport, username: str, lang: str = "en") -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=app, base_url="http://portal", headers={"Accept-Language": lang}) as http:
        answer = await http.post("/login", data={"username": username, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        yield http


def words(lang: str, key: str, **values: str) -> str:
    return str(escape(translate(lang, key, **values)))  # type: ignore[arg-type]


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


PERSONAL = {"card_type": "personal", "birth_year": "1960", "mother_tongue": "fi", "gender": "female",
            "postal_code": "00100", "life_situation": "pensioner"}  # fmt: skip


async def test_the_grant_form_sends_the_children_under_18_of_a_personal_card(stand_in: tuple[Any, StandIn]):
    app, services = stand_in
    async with signed_in(app, "dist.one") as distributor:
        page = await distributor.get("/cards/new")
        assert 'name="children_under_18"' in page.text
        csrf = csrf_of(page.text)
        granted = await distributor.post(
            "/cards/new", data={"csrf": csrf, "card_code": "E100", "children_under_18": "3", **PERSONAL}
        )
        assert granted.status_code == 201, granted.text
        unasked = await distributor.post("/cards/new", data={"csrf": csrf, "card_code": "E101", **PERSONAL})
        assert unasked.status_code == 201
        community = await distributor.post(
            "/cards/new", data={"csrf": csrf, "card_code": "Y1", "card_type": "community", "children_under_18": "3"}
        )
        assert community.status_code == 201
    sent = [body for _, _, body in services.writes]
    assert sent[0]["children_under_18"] == 3
    assert "children_under_18" not in sent[1]  # not asked: not recorded
    assert "children_under_18" not in sent[2]  # personal cards only


async def test_the_grant_form_and_the_import_send_the_branch_the_desk_chose(stand_in: tuple[Any, StandIn]):
    """Issue 16: a distributor with branches picks the branch (§12: its statistics are kept per branch)."""
    app, services = stand_in
    async with signed_in(app, "dist.one") as distributor:
        page = await distributor.get("/cards/new")
        assert '<option value="D1-N">Pohjoinen toimipiste</option>' in page.text
        csrf = csrf_of(page.text)
        granted = await distributor.post(
            "/cards/new", data={"csrf": csrf, "card_code": "E200", "branch_id": "D1-N", **PERSONAL}
        )
        assert granted.status_code == 201, granted.text
        assert '<option value="D1-N" selected>' in granted.text  # the next card at the same desk
        unbranched = await distributor.post("/cards/new", data={"csrf": csrf, "card_code": "E201", **PERSONAL})
        assert unbranched.status_code == 201
        assert 'name="branch_id"' in (await distributor.get("/cards/import")).text
    sent = [body for _, _, body in services.writes]
    assert sent[0]["branch_id"] == "D1-N"
    assert "branch_id" not in sent[1]


@pytest.mark.parametrize("children", ["21", "-1", "two", "3.5"])
async def test_a_number_of_children_outside_0_to_20_is_refused_in_words_and_nothing_is_sent(
    stand_in: tuple[Any, StandIn], children: str
):
    app, services = stand_in
    async with signed_in(app, "dist.one", "sv") as distributor:
        page = await distributor.get("/cards/new")
        refused = await distributor.post(
            "/cards/new",
            data={"csrf": csrf_of(page.text), "card_code": "E102", "children_under_18": children, **PERSONAL},
        )
        assert refused.status_code == 422
        assert words("sv", "grant.error.children_under_18") in refused.text
        assert 'id="children_under_18-error"' in refused.text
    assert services.writes == []


async def test_the_upload_helps_name_the_new_columns(stand_in: tuple[Any, StandIn]):
    app, _ = stand_in
    async with signed_in(app, "dist.one") as distributor:
        assert "children_under_18" in (await distributor.get("/cards/import")).text
    async with signed_in(app, "clerk.one", "fi") as clerk:
        report = (await clerk.get("/venue-report")).text
        assert words("fi", "report.columns") in report
        assert all(kind in report for kind in ("kind", "performance", "course", "day_ticket", "swimming"))
        assert '<select id="kind" name="kind"' in report
        assert words("fi", "report.kind_hint") in report


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
async def test_the_box_office_says_each_new_refusal_in_words_and_offers_no_paper_form(
    stand_in: tuple[Any, StandIn], lang: str
):
    app, services = stand_in
    async with signed_in(app, "clerk.one", lang) as clerk:
        page = await clerk.get("/box-office")
        assert 'value="paper_form"' not in page.text  # a use made now; paper forms go in the venue report
        assert words(lang, "box.channel_hint") in page.text
        for n, reason in enumerate(NEW_REFUSALS):
            refused = await clerk.post(
                "/box-office/uses",
                data={"csrf": csrf_of(page.text), "card_code": f"E{n}", "performance_id": "P1",
                      "adult_tickets": "0", "child_tickets": "2", "channel": "paper_form", "redemption_id": reason},
            )  # fmt: skip
            assert refused.status_code == 409
            assert str(escape(reason_text(lang, reason))) in refused.text
            assert reason not in reason_text(lang, reason)  # words, not the code
    assert {body["channel"] for _, _, body in services.writes} == {"paper_form"}  # passed on, never re-labelled


async def test_an_id_already_taken_is_said_in_words_and_nothing_is_renamed(stand_in: tuple[Any, StandIn]):
    app, services = stand_in
    async with signed_in(app, "coord.one") as coordinator:
        page = await coordinator.get("/region")
        csrf = csrf_of(page.text)
        taken = await coordinator.post("/region/distributors", data={"csrf": csrf, "distributor_id": "D1", "name": "X"})
        assert taken.status_code == 409
        assert words("en", "region.taken_by", id="D1", name="Kirjasto Aalto") in taken.text
        venue = await coordinator.post(
            "/region/venues", data={"csrf": csrf, "venue_id": "V1", "name": "Y", "category": "culture"}
        )
        assert venue.status_code == 409
        assert words("en", "region.taken_by", id="V1", name="Teatteri Tähti") in venue.text
    async with signed_in(app, "office.one", "sv") as office:
        page = await office.get("/national")
        region = await office.post(
            "/national/regions", data={"csrf": csrf_of(page.text), "region_id": "R1", "name": "Z"}
        )
        assert region.status_code == 409
        assert str(escape(reason_text("sv", "region_exists"))) in region.text
        assert 'value="R1"' in region.text  # the form keeps what was typed, to pick another id
    assert [method for method, _, _ in services.writes] == ["POST", "POST", "POST"]  # no PATCH


async def test_a_rename_is_asked_for_first_and_then_patched(stand_in: tuple[Any, StandIn]):
    app, services = stand_in
    async with signed_in(app, "coord.one") as coordinator:
        page = await coordinator.get("/region")
        assert 'action="/region/distributors/D1"' in page.text
        asked = await coordinator.post(
            "/region/distributors/D1",
            data={"csrf": csrf_of(page.text), "name": "Kirjasto Uusi", "current_name": "Kirjasto Aalto"},
        )
        assert asked.status_code == 200
        assert "Kirjasto Aalto → Kirjasto Uusi" in asked.text
        assert services.writes == []  # nothing changed before the confirmation
        done = await coordinator.post(
            "/region/distributors/D1",
            data={"csrf": csrf_of(asked.text), "confirmed": "yes", "name": "Kirjasto Uusi",
                  "current_name": "Kirjasto Aalto"},
        )  # fmt: skip
        assert done.status_code == 200
        assert words("en", "region.saved", name="Kirjasto Uusi") in done.text

        venue_form = {"csrf": csrf_of(page.text), "name": "Teatteri Tähti", "current_name": "Teatteri Tähti",
                      "agencies": "A1, A2", "current_agencies": "A1"}  # fmt: skip
        asked = await coordinator.post("/region/venues/V1", data=venue_form)
        assert "A1 → A1, A2" in asked.text
        await coordinator.post("/region/venues/V1", data={**venue_form, "confirmed": "yes"})
    assert services.writes == [
        ("PATCH", "/v1/distributors/D1", {"name": "Kirjasto Uusi"}),
        ("PATCH", "/v1/venues/V1", {"agencies": ["A1", "A2"]}),  # the name did not change: not sent
    ]


async def test_a_region_keeps_its_trial_unless_the_office_clears_it(stand_in: tuple[Any, StandIn]):
    app, services = stand_in
    async with signed_in(app, "office.one") as office:
        page = await office.get("/national")
        csrf = csrf_of(page.text)
        renamed = {"csrf": csrf, "region_id": "R1", "name": "Pohjoinen", "trial_ends_on": ""}
        asked = await office.post("/national/region-changes", data=renamed)
        assert asked.status_code == 200
        assert words("en", "change.title") in asked.text
        await office.post("/national/region-changes", data={**renamed, "confirmed": "yes"})
        cleared = {"csrf": csrf, "region_id": "R1", "name": "", "permanent": "yes"}
        await office.post("/national/region-changes", data={**cleared, "confirmed": "yes"})
        unchanged = {"csrf": csrf, "region_id": "R1", "confirmed": "yes"}
        nothing = await office.post("/national/region-changes", data=unchanged)
        assert nothing.status_code == 422
    assert services.writes == [
        ("PATCH", "/v1/regions/R1", {"name": "Pohjoinen"}),  # the trial date is kept
        ("PATCH", "/v1/regions/R1", {"trial_ends_on": None}),  # permanent
    ]


async def test_an_id_the_api_accepts_is_accepted_by_the_forms_too(stand_in: tuple[Any, StandIn]):
    """The forms check ids with the API's own type (kaiku_contracts.http): `.` and `:` are letters of an id."""
    app, services = stand_in
    async with signed_in(app, "coord.one") as coordinator:
        csrf = csrf_of((await coordinator.get("/region")).text)
        added = await coordinator.post(
            "/region/distributors", data={"csrf": csrf, "distributor_id": "lib.north:2", "name": "Kirjasto Pohjoinen"}
        )
        assert added.status_code == 200, added.text
        assert words("en", "region.saved", name="Kirjasto Pohjoinen") in added.text
        venue = {"csrf": csrf, "venue_id": "hall:7.b", "name": "Halli", "category": "sports", "agencies": "tix.fi:1"}
        assert (await coordinator.post("/region/venues", data=venue)).status_code == 200
        refused = await coordinator.post(
            "/region/distributors", data={"csrf": csrf, "distributor_id": "lib north/2", "name": "Kirjasto"}
        )
        assert refused.status_code == 422
        assert words("en", "region.error.ids") in refused.text
    distributor = {"distributor_id": "lib.north:2", "region_id": "R1", "name": "Kirjasto Pohjoinen"}
    venue_sent = {"venue_id": "hall:7.b", "region_id": "R1", "name": "Halli", "category": "sports",
                  "agencies": ["tix.fi:1"]}  # fmt: skip
    assert services.writes == [("POST", "/v1/distributors", distributor), ("POST", "/v1/venues", venue_sent)]
