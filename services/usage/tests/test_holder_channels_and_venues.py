"""Issue 11's rules through the public API: the holder and the children (§2, seed 000), the card's first day
(§4), channels (§8.1, §9.1), community-card groups (§5), performances' limits and start times (§7.2.2, §8.2),
the venue report's kind and identity codes (§9.2, §11), and venues that a POST never changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import CardType
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, unique

pytestmark = pytest.mark.connected

IDENTITY_CODE = "131052-308T"  # the population register's published example


async def card_holders(scene: Any, performance: str) -> int:
    r = await scene.http.get(
        f"{scene.url}/v1/performances",
        params={"venue_id": scene.venue, "since": "2000-01-01T00:00:00+00:00", "include_cancelled": "true"},
        headers=scene.venue_headers,
    )
    assert r.status_code == 200, r.text
    (row,) = [p for p in r.json()["performances"] if p["performance_id"] == performance]
    return int(row["card_holders"])


async def test_child_tickets_go_with_the_holder_and_a_cancelled_use_does_not_count(scene: Any) -> None:
    card = scene.card(children_under_18=2)
    await scene.publish_cards()
    performance = await scene.performance()
    children_first = scene.use(card, performance, adult_tickets=0, child_tickets=1)
    r = await scene.redeem(children_first)
    assert (r.status_code, r.json()["reason"]) == (409, "holder_not_attending")
    holder = scene.use(card, performance, child_tickets=1)
    assert (await scene.redeem(holder)).status_code == 201
    # the holder is there now: a child ticket more is fine, up to the two written on the card
    assert (await scene.redeem(children_first)).status_code == 201
    r = await scene.redeem(scene.use(card, performance, adult_tickets=0, child_tickets=1))
    assert (r.status_code, r.json()["reason"]) == (409, "too_many_child_tickets")
    assert (await card_holders(scene, performance)) == 1  # child tickets do not count against the limit
    # once the holder's use is cancelled, the holder is no longer at the performance
    cancel = f"{scene.url}/v1/redemptions/{holder['redemption_id']}"
    assert (await scene.http.delete(cancel, headers=scene.venue_headers)).status_code == 200
    r = await scene.redeem(scene.use(card, performance, adult_tickets=0, child_tickets=1))
    assert (r.status_code, r.json()["reason"]) == (409, "holder_not_attending")


async def test_a_card_issued_later_is_not_valid_yet(scene: Any) -> None:
    tomorrow = scene.card(issued_on=helsinki_today() + timedelta(days=1))
    await scene.publish_cards()
    status = await scene.card_status(tomorrow)
    assert (status["valid"], status["reason"]) == (False, "card_not_yet_valid")
    later = await scene.performance(starts_at=(datetime.now(UTC) + timedelta(days=3)).isoformat())
    r = await scene.redeem(scene.use(tomorrow, later))
    assert (r.status_code, r.json()["reason"]) == (409, "card_not_yet_valid")  # it must be valid today as well


async def test_channels_belong_to_their_callers(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    r = await scene.redeem(scene.use(card, performance, channel="box_office"), scene.agency_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert r.json()["detail"].startswith("channel")
    r = await scene.redeem(scene.use(card, performance, channel="agency"))
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    phone = scene.submission(scene.use(card, performance, channel="phone"))
    await scene.submit([phone])
    outcome = (await scene.outcomes([phone["redemption_id"]]))[phone["redemption_id"]][0]
    assert (outcome["event_type"], outcome["reason"]) == ("RedemptionRejected", "invalid_request")
    assert (await card_holders(scene, performance)) == 0
    assert (await scene.redeem(scene.use(card, performance, channel="agency"), scene.agency_headers)).status_code == 201


async def test_paper_form_records_a_use_already_made(scene: Any) -> None:
    """§9.1: only after the start; the card had to be valid on the performance date, windows do not apply."""
    yesterday = helsinki_today() - timedelta(days=1)
    expired_today = scene.card(issued_on=yesterday - timedelta(days=100), valid_until=yesterday)
    card = scene.card()
    await scene.publish_cards()
    future = await scene.performance()
    r = await scene.redeem(scene.use(card, future, channel="paper_form"))
    assert (r.status_code, r.json()["reason"]) == (409, "channel_not_allowed")
    started = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    past = await scene.performance(starts_at=started, booking_opens_days_before=30, redeem_from_minutes_before=30)
    r = await scene.redeem(scene.use(expired_today, past))
    assert (r.status_code, r.json()["reason"]) == (409, "card_expired")
    r = await scene.redeem(scene.use(expired_today, past, channel="paper_form"))
    assert r.status_code == 201, r.text


async def test_a_group_id_must_name_an_accepted_community_card_use_there(scene: Any) -> None:
    community = scene.card(card_type=CardType.COMMUNITY)
    members = [scene.card(), scene.card(), scene.card()]
    await scene.publish_cards()
    performance, other = await scene.performance(), await scene.performance()
    staff = scene.use(community, performance)
    assert (await scene.redeem(staff)).status_code == 201
    r = await scene.redeem(scene.use(members[0], other, group_id=staff["redemption_id"]))
    assert (r.status_code, r.json()["reason"]) == (409, "group_unknown")  # another performance
    assert (await scene.redeem(scene.use(members[0], performance, group_id=staff["redemption_id"]))).status_code == 201
    await scene.http.delete(f"{scene.url}/v1/redemptions/{staff['redemption_id']}", headers=scene.venue_headers)
    r = await scene.redeem(scene.use(members[1], performance, group_id=staff["redemption_id"]))
    assert (r.status_code, r.json()["reason"]) == (409, "group_unknown")  # the group's use was cancelled
    assert (await card_holders(scene, performance)) == 1


async def test_minimums_follow_the_places_and_start_times_carry_an_offset(scene: Any) -> None:
    body = {"venue_id": scene.venue, "name": "Festivaali", "starts_at": "2030-06-01T12:00:00+03:00"}
    put = f"{scene.url}/v1/performances/{unique('P')}"
    day_ticket = body | {"capacity": 200, "kind": "day_ticket", "card_holder_limit": 10}
    r = await scene.http.put(put, json=day_ticket, headers=scene.venue_headers)
    assert r.status_code == 200, r.text  # 5 % of 200 places (§7.2.2), not 20
    r = await scene.http.put(put, json=day_ticket | {"card_holder_limit": 9}, headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "limit_below_minimum")
    assert "at least 10" in r.json()["detail"]
    show = body | {"capacity": 200, "kind": "performance"}
    r = await scene.http.put(put, json=show | {"starts_at": "2030-06-01T12:00:00"}, headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert "starts_at" in r.json()["detail"]
    r = await scene.http.put(put, json=show | {"booking_opens_days_before": 29}, headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert "booking_opens_days_before" in r.json()["detail"]
    r = await scene.http.put(put, json=show | {"booking_opens_days_before": 30}, headers=scene.venue_headers)
    assert r.status_code == 200, r.text
    guest = show | {"guest_producer": True, "card_holder_limit": 11}
    r = await scene.http.put(put, json=guest, headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert r.json()["detail"].startswith("card_holder_limit")
    listing = f"{scene.url}/v1/performances"
    naive = {"venue_id": scene.venue, "since": "2030-01-01T00:00:00"}
    r = await scene.http.get(listing, params=naive, headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")


async def upload(scene: Any, text: str, name: str = "raportti.csv") -> Any:
    return await scene.http.post(
        f"{scene.url}/v1/imports/redemptions", files={"file": (name, text.encode())}, headers=scene.venue_headers
    )


async def test_venue_report_rows_keep_the_kind_and_refuse_identity_codes(scene: Any) -> None:
    painter, sculptor, late = (unique("E") for _ in range(3))
    for code in (painter, sculptor):
        scene.card(code=code, issued_on=date(2020, 1, 10), valid_until=date(2021, 1, 9))
    scene.card(code=late, issued_on=date(2020, 3, 1), valid_until=date(2021, 2, 28))
    await scene.publish_cards()
    course = f"Akvarellikurssi {unique('c')}"
    report = (
        "card code;adult tickets;child tickets;performance;date;kind;notes\n"
        f"{painter};1;1;{course};3.2.2020;course;\n"
        f"{sculptor};1;0;{course};3.2.2020;course;\n"
        f"{late};1;0;{course};3.2.2020;course;\n"
        f"{painter};1;0;Trollkarlen Matti;3.2.2020;;Matti {IDENTITY_CODE}\n"
        f"{painter};1;0;Trollkarlen Matti;3.2.2020;opera;\n"
    )
    r = await upload(scene, report)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [row.get("reason", row["status"]) for row in rows] == [
        "children_not_allowed_for_course",  # §2: not for course places
        "accepted",
        "card_not_yet_valid",  # issued after the course's date
        "invalid_request",
        "invalid_request",
    ]
    assert rows[3]["detail"].startswith("notes: holds a personal identity code")
    assert rows[4]["detail"].startswith("kind:")
    assert "308T" not in r.text
    ids = {rows[1]["redemption_id"]}
    (published,) = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") in ids)
    assert published["value"]["kind"] == "course_place"
    r = await upload(scene, report, name=f"raportti-{IDENTITY_CODE}.csv")
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert r.json()["detail"].startswith("file")
    assert "308T" not in r.text
    r = await scene.http.post(
        f"{scene.url}/v1/imports/redemptions",
        files={"file": ("raportti.csv", report.encode())},
        data={"venue_id": f"V{IDENTITY_CODE}"},
        headers=auth("region_admin", region=scene.region),
    )
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    assert "308T" not in r.text


async def test_a_post_never_changes_a_venue_and_patch_does(scene: Any) -> None:
    url = f"{scene.url}/v1/venues"
    body = {"venue_id": unique("V"), "region_id": scene.region, "name": "Kulttuuritalo", "category": "culture"}
    admin = auth("region_admin", region=scene.region)
    first = await scene.http.post(url, json=body, headers=admin)
    assert first.status_code == 201, first.text
    again = await scene.http.post(url, json=body, headers=admin)
    assert (again.status_code, again.json()) == (201, first.json())
    changed = body | {"name": "Uusi nimi", "agencies": [scene.agency]}
    r = await scene.http.post(url, json=changed, headers=admin)
    assert (r.status_code, r.json()["reason"]) == (409, "venue_exists")
    assert "Uusi nimi" not in r.text
    patch = f"{url}/{body['venue_id']}"
    r = await scene.http.patch(patch, json={"name": "Uusi nimi"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["agencies"], r.json()["category"]) == ("Uusi nimi", [], "culture")
    r = await scene.http.patch(patch, json={"agencies": [scene.agency]}, headers=scene.national)
    assert (r.json()["name"], r.json()["agencies"]) == ("Uusi nimi", [scene.agency])
    listed = (await scene.http.get(url, params={"region_id": scene.region}, headers=scene.national)).json()
    assert {"venue_id": body["venue_id"], "region_id": scene.region, "name": "Uusi nimi", "category": "culture",
            "agencies": [scene.agency]} in listed["venues"]  # fmt: skip
    for outsider in (auth("region_admin", region=unique("R")), scene.venue_headers):
        r = await scene.http.patch(patch, json={"name": "Kaapattu"}, headers=outsider)
        assert (r.status_code, r.json()["reason"]) == (403, "forbidden")
    r = await scene.http.patch(f"{url}/{unique('V')}", json={"name": "X"}, headers=scene.national)
    assert (r.status_code, r.json()["reason"]) == (409, "venue_unknown")
    r = await scene.http.patch(patch, json={"category": "sports"}, headers=scene.national)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")


async def test_the_uploader_names_the_kind_of_a_report_without_a_kind_column(scene: Any) -> None:
    """The portal's upload form offers the kind: the performances the report creates keep the course rules."""
    painter, sculptor = unique("E"), unique("E")
    for code in (painter, sculptor):
        scene.card(code=code, issued_on=date(2020, 1, 10), valid_until=date(2021, 1, 9))
    await scene.publish_cards()
    course = f"Keramiikkakurssi {unique('c')}"
    report = (
        "card code;adult tickets;child tickets;performance;date\n"
        f"{painter};1;1;{course};3.2.2020\n"
        f"{sculptor};1;0;{course};3.2.2020\n"
    )
    r = await scene.http.post(
        f"{scene.url}/v1/imports/redemptions",
        files={"file": ("raportti.csv", report.encode())},
        data={"kind": "course"},
        headers=scene.venue_headers,
    )
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [row.get("reason", row["status"]) for row in rows] == ["children_not_allowed_for_course", "accepted"]
    r = await scene.http.post(
        f"{scene.url}/v1/imports/redemptions",
        files={"file": ("raportti.csv", report.encode())},
        data={"kind": "opera"},
        headers=scene.venue_headers,
    )
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
