"""Granting, reading and revoking cards through the running service (real PostgreSQL and broker)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_devkit.testing import HOLDER, auth, unique
from kaiku_issuance.domain.validity import add_months

pytestmark = pytest.mark.connected


async def test_personal_card_is_valid_twelve_months_and_published(org: Any) -> None:
    code = unique("e")
    r = await org.issue(org.card(code))
    assert r.status_code == 201, r.text
    card = r.json()
    today = helsinki_today()
    assert card["card_code"] == code.upper()
    assert card["issued_on"] == today.isoformat()
    assert card["valid_until"] == add_months(today, 12).isoformat()
    assert card["region_id"] == org.region
    (event,) = await org.events({code.upper()}, count=1)
    assert event["headers"]["event_type"] == "CardIssued"
    assert event["value"]["holder"] == HOLDER
    assert event["value"]["valid_until"] == card["valid_until"]


async def test_late_paper_form_may_be_dated_in_the_past_never_the_future(org: Any) -> None:
    past = helsinki_today() - timedelta(days=40)
    r = await org.issue(org.card(issued_on=past.isoformat()))
    assert r.status_code == 201, r.text
    assert r.json()["valid_until"] == add_months(past, 12).isoformat()
    r = await org.issue(org.card(issued_on=(helsinki_today() + timedelta(days=1)).isoformat()))
    assert r.status_code == 422
    assert r.json()["reason"] == "invalid_request"
    assert r.json()["detail"].startswith("issued_on: may not be in the future")


async def test_trial_region_cards_end_with_the_trial_until_made_permanent(org: Any) -> None:
    trial_end = helsinki_today() + timedelta(days=60)
    r = await org.http.patch(
        f"{org.url}/v1/regions/{org.region}", json={"trial_ends_on": trial_end.isoformat()}, headers=org.national
    )
    assert r.status_code == 200, r.text
    during = await org.issue(org.card())
    assert during.json()["valid_until"] == trial_end.isoformat()

    r = await org.http.patch(f"{org.url}/v1/regions/{org.region}", json={"trial_ends_on": None}, headers=org.national)
    assert r.status_code == 200, r.text
    assert r.json()["trial_ends_on"] is None
    after = await org.issue(org.card())
    assert after.json()["valid_until"] == add_months(helsinki_today(), 12).isoformat()
    # the card granted during the trial keeps the date written on it
    r = await org.http.get(f"{org.url}/v1/cards/{during.json()['card_code']}", headers=org.headers)
    assert r.json()["valid_until"] == trial_end.isoformat()


async def test_no_cards_after_the_trial_ended(org: Any) -> None:
    ended = helsinki_today() - timedelta(days=1)
    r = await org.http.patch(
        f"{org.url}/v1/regions/{org.region}", json={"trial_ends_on": ended.isoformat()}, headers=org.national
    )
    assert r.status_code == 200
    r = await org.issue(org.card())
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"issued_on: the region's trial ended on {ended}")
    r = await org.issue(org.card(issued_on=(ended - timedelta(days=3)).isoformat()))
    assert r.status_code == 201, r.text
    assert r.json()["valid_until"] == ended.isoformat()


async def test_region_changes_belong_to_the_national_office(org: Any) -> None:
    r = await org.http.patch(f"{org.url}/v1/regions/{org.region}", json={"trial_ends_on": None}, headers=org.admin)
    assert r.status_code == 403
    assert r.json()["reason"] == "forbidden"
    r = await org.http.post(f"{org.url}/v1/regions", json={"region_id": unique("R"), "name": "x"}, headers=org.admin)
    assert r.status_code == 403
    r = await org.http.patch(f"{org.url}/v1/regions/{unique('R')}", json={"name": "x"}, headers=org.national)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("holder_change", "field"),
    [
        ({"birth_year": 0}, "holder.birth_year"),  # set below per issue year: under 16
        ({"postal_code": "0010"}, "holder.postal_code"),
        ({"postal_code": "00100A"}, "holder.postal_code"),
        ({"gender": "woman"}, "holder.gender"),
        ({"life_situation": "rich"}, "holder.life_situation"),
        ({"mother_tongue": "finnish"}, "holder.mother_tongue"),
    ],
)
async def test_holder_profile_rules(org: Any, holder_change: dict[str, object], field: str) -> None:
    if holder_change.get("birth_year") == 0:
        holder_change = {"birth_year": helsinki_today().year - 15}
    r = await org.issue(org.card(holder={**HOLDER, **holder_change}))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["reason"] == "invalid_request"
    assert body["detail"].startswith(field), body
    for value in holder_change.values():
        if isinstance(value, str):
            assert value not in body["detail"]


async def test_sixteen_in_the_issue_year_is_old_enough(org: Any) -> None:
    r = await org.issue(org.card(holder={**HOLDER, "birth_year": helsinki_today().year - 16}))
    assert r.status_code == 201, r.text


async def test_unknown_enum_value_names_the_field_and_allowed_values(org: Any) -> None:
    r = await org.issue(org.card(holder={**HOLDER, "gender": "x"}))
    detail = r.json()["detail"]
    assert r.status_code == 422
    for allowed in ("female", "male", "other", "not_disclosed"):
        assert allowed in detail
    r = await org.issue(org.card(card_type="family"))
    assert r.status_code == 422
    assert "card_type" in r.json()["detail"]
    assert "personal" in r.json()["detail"]
    assert "community" in r.json()["detail"]


async def test_community_card_has_no_holder(org: Any) -> None:
    r = await org.issue(org.card(card_type="community", holder=None))
    assert r.status_code == 201, r.text
    assert r.json()["holder"] is None
    assert r.json()["distributor_id"] == org.distributor
    r = await org.issue(org.card(card_type="community"))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("holder: a community card has no holder profile")
    r = await org.issue(org.card(card_type="personal", holder=None))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("holder: required for a personal card")


async def test_same_request_is_a_safe_retry_other_content_is_card_exists(org: Any) -> None:
    body = org.card()
    first = await org.issue(body)
    again = await org.issue({**body, "card_code": body["card_code"].lower()})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    # the same card with its issue date spelled out (the paper form arrives later) is the same card too
    dated = await org.issue({**body, "issued_on": first.json()["issued_on"]})
    assert dated.status_code == 201
    assert dated.json() == first.json()
    other = await org.issue({**body, "holder": {**HOLDER, "birth_year": 1990}})
    assert other.status_code == 409
    assert other.json()["reason"] == "card_exists"
    code = body["card_code"]
    assert len(await org.sql("SELECT 1 FROM cards WHERE card_code = $1", code)) == 1
    # exactly one CardIssued: a later card's event proves the relay has passed ours
    marker = unique("E")
    assert (await org.issue(org.card(marker))).status_code == 201
    events = await org.events({code, marker}, count=2)
    assert [e["key"] for e in events].count(code) == 1


async def test_a_distributor_issues_only_its_own_cards(org: Any) -> None:
    r = await org.issue(org.card(distributor_id=unique("D")))
    assert r.status_code == 403
    r = await org.issue(org.card(), headers=org.admin)
    assert r.status_code == 403
    r = await org.issue(org.card(), headers=auth("venue", region=org.region, org=unique("V")))
    assert r.status_code == 403
    r = await org.http.post(f"{org.url}/v1/cards", json=org.card())
    assert r.status_code == 401
    assert r.json()["reason"] == "unauthenticated"


async def test_unregistered_distributor_is_named(org: Any) -> None:
    stranger = unique("D")
    r = await org.issue(org.card(distributor_id=stranger), headers=auth("distributor", region=org.region, org=stranger))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("distributor_id:")


async def test_who_may_read_a_card(org: Any) -> None:
    code = (await org.issue(org.card())).json()["card_code"]
    url = f"{org.url}/v1/cards/{code.lower()}"
    for headers in (org.headers, org.admin, org.national):
        r = await org.http.get(url, headers=headers)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "active"
    for headers in (
        auth("distributor", region=org.region, org=unique("D")),
        auth("region_admin", region=unique("R")),
        auth("venue", region=org.region, org=unique("V")),
    ):
        r = await org.http.get(url, headers=headers)
        assert r.status_code == 403
    r = await org.http.get(f"{org.url}/v1/cards/{unique('E')}", headers=org.national)
    assert r.status_code == 404
    assert r.json()["reason"] == "card_unknown"
    listed = await org.http.get(f"{org.url}/v1/cards", headers=org.headers)
    assert [c["card_code"] for c in listed.json()["cards"]] == [code]
    r = await org.http.get(f"{org.url}/v1/cards", params={"distributor_id": unique("D")}, headers=org.headers)
    assert r.status_code == 403


async def test_revocation_is_published_after_the_issue(org: Any) -> None:
    code = (await org.issue(org.card())).json()["card_code"]
    r = await org.revoke(code, headers=auth("distributor", region=org.region, org=unique("D")))
    assert r.status_code == 403
    r = await org.revoke(code, reason="stolen")
    assert r.status_code == 422
    assert "reason" in r.json()["detail"]
    r = await org.revoke(code, revoked_on=(helsinki_today() + timedelta(days=1)).isoformat())
    assert r.status_code == 422
    r = await org.revoke(code, reason="misuse")
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "revoked"
    assert r.json()["revocation_reason"] == "misuse"
    again = await org.revoke(code, reason="misuse")
    assert again.status_code == 200
    assert again.json() == r.json()
    other = await org.revoke(code, reason="lost")
    assert other.status_code == 409
    assert other.json()["reason"] == "card_revoked"
    events = await org.events({code}, count=2)
    assert [e["headers"]["event_type"] for e in events] == ["CardIssued", "CardRevoked"]
    assert events[1]["value"]["reason"] == "misuse"
    assert (await org.revoke(unique("E"), headers=org.national)).status_code == 404
    # a distributor learns nothing about codes that are not its own, not even that they are unused
    assert (await org.revoke(unique("E"))).status_code == 403


async def test_region_admin_may_revoke_in_its_region(org: Any) -> None:
    code = (await org.issue(org.card())).json()["card_code"]
    r = await org.revoke(code, headers=auth("region_admin", region=unique("R")))
    assert r.status_code == 403
    r = await org.revoke(code, headers=org.admin, reason="issued_in_error")
    assert r.status_code == 201


async def test_lost_card_is_replaced_by_a_new_code(org: Any) -> None:
    old = (await org.issue(org.card())).json()["card_code"]
    new = unique("E")
    r = await org.issue(org.card(new, replaces_card_code=old.lower()))
    assert r.status_code == 201, r.text
    assert r.json()["replaces_card_code"] == old
    old_card = (await org.http.get(f"{org.url}/v1/cards/{old}", headers=org.headers)).json()
    assert old_card["status"] == "revoked"
    assert old_card["revocation_reason"] == "lost"
    events = await org.events({old, new}, count=3)
    kinds = {(e["key"], e["headers"]["event_type"]) for e in events}
    assert kinds == {(old, "CardIssued"), (old, "CardRevoked"), (new, "CardIssued")}
    r = await org.issue(org.card(replaces_card_code=unique("E")))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("replaces_card_code:")


async def test_branches_are_registered_and_carried_on_the_card(org: Any) -> None:
    r = await org.issue(org.card(branch_id="itakeskus"))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("branch_id: not a branch")
    r = await org.http.put(
        f"{org.url}/v1/distributors/{org.distributor}/branches/itakeskus", json={"name": "Itäkeskus"}, headers=org.admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["branches"] == [{"branch_id": "itakeskus", "name": "Itäkeskus"}]
    r = await org.issue(org.card(branch_id="itakeskus"))
    assert r.status_code == 201, r.text
    (event,) = await org.events({r.json()["card_code"]}, count=1)
    assert event["value"]["branch_id"] == "itakeskus"


async def test_distributors_are_scoped_to_their_region(org: Any) -> None:
    body = {"distributor_id": unique("D"), "region_id": org.region, "name": "Seurakunta"}
    r = await org.http.post(f"{org.url}/v1/distributors", json=body, headers=auth("region_admin", region=unique("R")))
    assert r.status_code == 403
    r = await org.http.post(f"{org.url}/v1/distributors", json=body, headers=org.headers)
    assert r.status_code == 403
    r = await org.http.post(f"{org.url}/v1/distributors", json={**body, "region_id": unique("R")}, headers=org.national)
    assert r.status_code == 422
    assert r.json()["detail"].startswith("region_id: no region")
    other = unique("R")
    await org.http.post(f"{org.url}/v1/regions", json={"region_id": other, "name": "Toinen"}, headers=org.national)
    r = await org.http.post(
        f"{org.url}/v1/distributors",
        json={"distributor_id": org.distributor, "region_id": other, "name": "x"},
        headers=org.national,
    )
    assert r.status_code == 409
    assert r.json()["reason"] == "distributor_exists"
    listed = await org.http.get(f"{org.url}/v1/distributors", headers=org.admin)
    assert [d["distributor_id"] for d in listed.json()["distributors"]] == [org.distributor]


async def test_card_stock_refuses_codes_outside_the_printed_ranges(org: Any) -> None:
    prefix = "".join(c for c in unique("K") if c.isalpha())[:8]
    ranges = f"{org.url}/v1/regions/{org.region}/card-ranges"
    r = await org.http.post(ranges, json={"prefix": prefix, "first": 1000, "last": 1999}, headers=org.headers)
    assert r.status_code == 403
    r = await org.http.post(ranges, json={"prefix": prefix.lower(), "first": 1000, "last": 1999}, headers=org.admin)
    assert r.status_code == 201, r.text
    assert r.json()["label"] == f"{prefix}1000–{prefix}1999"
    inside = await org.issue(org.card(f"{prefix}1500"))
    assert inside.status_code == 201, inside.text
    outside = await org.issue(org.card(f"{prefix}2500"))
    assert outside.status_code == 422
    assert outside.json()["detail"].startswith("card_code: not among the region's printed cards")
    assert f"{prefix}1000–{prefix}1999" in outside.json()["detail"]
    # codes are unique nationally: another region may not register an overlapping range
    other = unique("R")
    await org.http.post(f"{org.url}/v1/regions", json={"region_id": other, "name": "Toinen"}, headers=org.national)
    r = await org.http.post(
        f"{org.url}/v1/regions/{other}/card-ranges",
        json={"prefix": prefix, "first": 1900, "last": 2100},
        headers=org.national,
    )
    assert r.status_code == 422
    assert "overlaps" in r.json()["detail"]
    r = await org.http.post(ranges, json={"prefix": prefix, "first": 5, "last": 1}, headers=org.admin)
    assert r.status_code == 422
    listed = (await org.http.get(ranges, headers=org.admin)).json()["ranges"]
    assert len(listed) == 1
    # the region's distributors read the stock they print and hand out cards from, but never change it
    r = await org.http.get(ranges, headers=org.headers)
    assert r.status_code == 200
    assert r.json()["ranges"] == listed
    neighbour = unique("D")
    r = await org.http.post(
        f"{org.url}/v1/distributors",
        json={"distributor_id": neighbour, "region_id": other, "name": "Naapuri"},
        headers=org.national,
    )
    assert r.status_code == 201, r.text
    elsewhere = auth("distributor", region=other, org=neighbour)
    assert (await org.http.get(f"{org.url}/v1/regions/{other}/card-ranges", headers=elsewhere)).status_code == 200
    assert (await org.http.get(ranges, headers=elsewhere)).status_code == 403
    assert (await org.http.delete(f"{ranges}/{listed[0]['range_id']}", headers=org.headers)).status_code == 403
    r = await org.http.delete(f"{ranges}/{listed[0]['range_id']}", headers=org.admin)
    assert r.status_code == 204
    assert (await org.issue(org.card(f"{prefix}2500"))).status_code == 201


async def test_card_code_charset(org: Any) -> None:
    for bad in ("E 12", "E12*", "", "E" * 21):
        r = await org.issue({**org.card(), "card_code": bad})
        assert r.status_code == 422, bad
        assert r.json()["detail"].startswith("card_code:")
    r = await org.http.get(f"{org.url}/v1/cards/E12*", headers=org.national)
    assert r.status_code == 422


async def test_concurrent_grants_of_one_code_record_one_card(org: Any) -> None:
    body = org.card()
    same = await asyncio.gather(*(org.issue(body) for _ in range(8)))
    assert {r.status_code for r in same} == {201}
    assert len({r.text for r in same}) == 1
    other = org.card()
    rivals = await asyncio.gather(
        *(org.issue({**other, "holder": {**HOLDER, "birth_year": 1950 + i}}) for i in range(8))
    )
    assert sorted(r.status_code for r in rivals) == [201] + [409] * 7
    rows = await org.sql(
        "SELECT count(*) AS n FROM cards WHERE card_code = ANY($1)", [body["card_code"], other["card_code"]]
    )
    assert rows[0]["n"] == 2


async def test_an_out_of_scope_caller_cannot_tell_whether_a_code_exists(org: Any) -> None:
    """403 before 404 (docs/contract.md: issuing distributor, its region_admin, national): same answer either way."""
    other = await type(org)(org.http, org, org.bootstrap).setup()  # another region and its distributor
    theirs = (await other.issue(other.card())).json()["card_code"]
    nobodys = unique("E")
    for headers in (org.headers, org.admin, auth("venue", region=org.region, org=unique("V"))):
        answers = [await org.http.get(f"{org.url}/v1/cards/{code}", headers=headers) for code in (theirs, nobodys)]
        assert [r.status_code for r in answers] == [403, 403]
        assert answers[0].json()["reason"] == answers[1].json()["reason"] == "forbidden"
        assert theirs not in answers[0].text
    # the distributor's own unknown codes too: it never learns which codes are in use
    r = await org.http.get(f"{org.url}/v1/cards/{nobodys}", headers=org.headers)
    assert r.status_code == 403
    r = await org.http.get(f"{org.url}/v1/cards/{nobodys}", headers=org.national)
    assert r.status_code == 404


async def test_a_distributor_token_speaks_only_for_a_distributor_of_its_region(org: Any) -> None:
    """A token whose `region` claim is not its distributor's region is 403 everywhere, and records nothing."""
    other = await type(org)(org.http, org, org.bootstrap).setup()  # another region and its distributor
    own = (await org.issue(org.card())).json()["card_code"]
    forged = auth("distributor", region=other.region, org=org.distributor)  # org D, another region
    body = org.card()
    r = await org.issue(body, headers=forged)
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "forbidden"
    assert await org.sql("SELECT 1 FROM cards WHERE card_code = $1", body["card_code"].upper()) == []
    assert (await org.http.get(f"{org.url}/v1/cards/{own}", headers=forged)).status_code == 403
    r = await org.revoke(own, headers=forged, reason="misuse")
    assert r.status_code == 403
    assert (await org.http.get(f"{org.url}/v1/cards/{own}", headers=org.headers)).json()["status"] == "active"
    r = await org.http.get(f"{org.url}/v1/cards", headers=forged)
    assert r.status_code == 403


async def test_children_under_18_is_recorded_on_personal_cards_only(org: Any) -> None:
    """Seed 000: the number written on the card goes into CardIssued; community cards have none (§5)."""
    code = unique("k")
    r = await org.issue(org.card(code, children_under_18=3))
    assert r.status_code == 201, r.text
    assert r.json()["children_under_18"] == 3
    (event,) = await org.events({code.upper()}, count=1)
    assert event["value"]["children_under_18"] == 3
    r = await org.http.get(f"{org.url}/v1/cards/{code.upper()}", headers=org.headers)
    assert r.json()["children_under_18"] == 3
    # the same code with another number is other content
    r = await org.issue(org.card(code, children_under_18=4))
    assert r.status_code == 409
    assert r.json()["reason"] == "card_exists"
    for wrong in (21, -1):
        r = await org.issue(org.card(children_under_18=wrong))
        assert r.status_code == 422
        assert r.json()["detail"].startswith("children_under_18")
    r = await org.issue(org.card(card_type="community", holder=None, children_under_18=1))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("children_under_18")


async def test_a_post_never_changes_a_region_or_a_distributor(org: Any) -> None:
    """docs/contract.md: the same body answers as the first time, another body is 409; changes go through PATCH."""
    region = {"region_id": unique("R"), "name": "Kokeilu", "trial_ends_on": "2027-06-30"}
    first = await org.http.post(f"{org.url}/v1/regions", json=region, headers=org.national)
    assert first.status_code == 201, first.text
    again = await org.http.post(f"{org.url}/v1/regions", json=region, headers=org.national)
    assert (again.status_code, again.json()) == (201, first.json())
    # re-posting without the trial date (as a form may) must not make the trial region permanent
    r = await org.http.post(
        f"{org.url}/v1/regions", json={"region_id": region["region_id"], "name": "Typo Name"}, headers=org.national
    )
    assert r.status_code == 409
    assert r.json()["reason"] == "region_exists"
    assert "Typo" not in r.json()["detail"]
    r = await org.http.get(f"{org.url}/v1/regions/{region['region_id']}", headers=org.national)
    assert r.json() == first.json()

    distributor = {"distributor_id": unique("D"), "region_id": region["region_id"], "name": "Sosiaalitoimi"}
    first = await org.http.post(f"{org.url}/v1/distributors", json=distributor, headers=org.national)
    assert first.status_code == 201, first.text
    again = await org.http.post(f"{org.url}/v1/distributors", json=distributor, headers=org.national)
    assert (again.status_code, again.json()) == (201, first.json())
    r = await org.http.post(
        f"{org.url}/v1/distributors", json={**distributor, "name": "Typo Name"}, headers=org.national
    )
    assert r.status_code == 409
    assert r.json()["reason"] == "distributor_exists"
    assert "Typo" not in r.json()["detail"]
    admin = auth("region_admin", region=region["region_id"])
    r = await org.http.patch(
        f"{org.url}/v1/distributors/{distributor['distributor_id']}", json={"name": "Diakonia"}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Diakonia"
    r = await org.http.patch(
        f"{org.url}/v1/distributors/{distributor['distributor_id']}", json={"name": "x"}, headers=org.admin
    )
    assert r.status_code == 403
