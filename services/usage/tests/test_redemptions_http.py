"""Recording, repeating and cancelling uses over HTTP; performances and their limits; the box-office check."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import CardType
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, unique

pytestmark = pytest.mark.connected


async def test_repeating_a_use_returns_the_first_answer_and_records_nothing_twice(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance(capacity=10, card_holder_limit=1)
    use = scene.use(card, performance, child_tickets=2)
    first = await scene.redeem(use)
    assert first.status_code == 201, first.text
    again = await scene.redeem(use)
    assert (again.status_code, again.json()) == (201, first.json())
    assert first.json()["card_valid_until"] == (helsinki_today() - timedelta(days=30) + timedelta(days=365)).isoformat()

    reused = await scene.redeem({**use, "child_tickets": 1})
    assert (reused.status_code, reused.json()["reason"]) == (409, "redemption_id_reused")

    # the performance's one place is taken once: the same card cannot get a second adult ticket...
    r = await scene.redeem(scene.use(card, performance))
    assert r.json()["reason"] == "already_redeemed"
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == use["redemption_id"])
    assert len(published) == 1
    assert published[0]["key"] == card
    assert published[0]["headers"]["event_type"] == "TicketRedeemed"
    assert published[0]["value"]["child_tickets"] == 2


async def test_cancelling_a_use_frees_its_place(scene: Any) -> None:
    first_card, second_card = scene.card(), scene.card()
    await scene.publish_cards()
    performance = await scene.performance(capacity=10, card_holder_limit=1)
    first = scene.use(first_card, performance)
    assert (await scene.redeem(first)).status_code == 201
    waiting = scene.use(second_card, performance)
    assert (await scene.redeem(waiting)).json()["reason"] == "limit_reached"

    stranger = auth("venue", region=scene.region, org=unique("V"))
    r = await scene.http.delete(f"{scene.url}/v1/redemptions/{first['redemption_id']}", headers=stranger)
    assert r.status_code == 403
    r = await scene.http.delete(f"{scene.url}/v1/redemptions/{first['redemption_id']}", headers=scene.venue_headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    r2 = await scene.http.delete(f"{scene.url}/v1/redemptions/{first['redemption_id']}", headers=scene.venue_headers)
    assert r2.json() == r.json()  # cancelling twice changes nothing
    r = await scene.http.delete(f"{scene.url}/v1/redemptions/{unique('nope-')}", headers=scene.venue_headers)
    assert (r.status_code, r.json()["reason"]) == (404, "not_found")

    assert (await scene.redeem(waiting)).status_code == 201  # the place is free again
    cancelled = await scene.published(
        Topics.REDEMPTIONS,
        lambda v: v.get("event_type") == "RedemptionCancelled" and v.get("redemption_id") == first["redemption_id"],
    )
    assert len(cancelled) == 1
    assert cancelled[0]["key"] == first_card
    # a cancelled use's id is not reused for a new use
    assert (await scene.redeem(first)).json()["reason"] == "redemption_id_reused"


async def test_cancelling_a_performance_cancels_its_uses(scene: Any) -> None:
    cards = [scene.card() for _ in range(3)]
    await scene.publish_cards()
    performance = await scene.performance()
    uses = [scene.use(card, performance, channel="agency") for card in cards]
    for use in uses:
        assert (await scene.redeem(use, scene.agency_headers)).status_code == 201
    # the agency that recorded a use may cancel it; the region's admin may cancel any of its venues' uses
    r = await scene.http.delete(f"{scene.url}/v1/redemptions/{uses[0]['redemption_id']}", headers=scene.agency_headers)
    assert r.status_code == 200
    r = await scene.http.delete(f"{scene.url}/v1/performances/{performance}", headers=scene.venue_headers)
    assert r.status_code == 200, r.text
    assert r.json()["redemptions_cancelled"] == 2
    ids = {u["redemption_id"] for u in uses}
    cancelled = await scene.published(
        Topics.REDEMPTIONS,
        lambda v: v.get("event_type") == "RedemptionCancelled" and v.get("redemption_id") in ids,
        count=3,
    )
    assert len(cancelled) == 3
    r = await scene.redeem(scene.use(scene.card(), performance))
    assert r.json()["reason"] == "performance_unknown"
    assert "cancelled" in r.json()["detail"]
    # changing a cancelled performance does not bring it back, and the answer says it is cancelled
    r = await scene.http.put(
        f"{scene.url}/v1/performances/{performance}",
        json={"venue_id": scene.venue, "name": "Flyttad", "starts_at": "2031-01-01T18:00:00+02:00",
              "capacity": 200, "kind": "performance"},
        headers=scene.venue_headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["cancelled"] is True
    assert r.json()["card_holders"] == 0


async def test_community_card_use_links_its_group(scene: Any) -> None:
    community = scene.card(card_type=CardType.COMMUNITY)
    members = [scene.card(), scene.card()]
    await scene.publish_cards()
    performance = await scene.performance()
    staff = await scene.redeem(scene.use(community, performance, child_tickets=2))  # clients under 16 (§5)
    assert staff.status_code == 201, staff.text
    group_id = staff.json()["group_id"]
    assert group_id
    for member in members:
        r = await scene.redeem(scene.use(member, performance, group_id=group_id))
        assert r.json()["group_id"] == group_id
    grouped = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("group_id") == group_id, count=3)
    assert {g["value"]["card_type"] for g in grouped} == {"community", "personal"}


@pytest.mark.parametrize(
    ("fields", "minimum"),
    [
        ({"capacity": 200, "card_holder_limit": 9}, 10),
        ({"capacity": 40, "card_holder_limit": 1}, 2),
        ({"capacity": 100, "kind": "course", "card_holder_limit": 1}, 2),
        ({"capacity": 3000, "kind": "day_ticket", "card_holder_limit": 19}, 20),
        ({"capacity": 500, "kind": "swimming", "card_holder_limit": 19}, 20),
        ({"capacity": 300, "guest_producer": True, "card_holder_limit": 1}, 2),
    ],
)
async def test_a_limit_below_the_minimum_is_refused(scene: Any, fields: dict[str, Any], minimum: int) -> None:
    body = {"venue_id": scene.venue, "name": "Show", "starts_at": "2030-01-01T18:00:00+02:00", "kind": "performance"}
    r = await scene.http.put(
        f"{scene.url}/v1/performances/{unique('P')}", json=body | fields, headers=scene.venue_headers
    )
    assert r.status_code == 422, r.text
    assert r.json()["reason"] == "limit_below_minimum"
    assert f"at least {minimum}" in r.json()["detail"]


async def test_performances_belong_to_their_venue(scene: Any) -> None:
    performance = await scene.performance(capacity=10, card_holder_limit=0)  # 0–1 allowed for ten people
    other = auth("venue", region=scene.region, org=unique("V"))
    body = {"venue_id": scene.venue, "name": "X", "starts_at": "2030-01-01T18:00:00Z", "capacity": 10, "kind": "course"}
    r = await scene.http.put(f"{scene.url}/v1/performances/{performance}", json=body, headers=other)
    assert r.status_code == 403
    admin = auth("region_admin", region=scene.region)
    soon = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    body |= {"starts_at": soon, "card_holder_limit": 0}
    r = await scene.http.put(f"{scene.url}/v1/performances/{performance}", json=body, headers=admin)
    assert r.status_code == 200, r.text
    card = scene.card()
    await scene.publish_cards()
    r = await scene.redeem(scene.use(card, performance))
    assert r.json()["reason"] == "limit_reached"  # a limit of 0 (§7.2.2 trial) admits no card holder


async def test_venues_are_managed_by_their_region(scene: Any) -> None:
    body = {"venue_id": scene.venue, "region_id": unique("R"), "name": "Hijack", "category": "sports"}
    r = await scene.http.post(
        f"{scene.url}/v1/venues", json=body, headers=auth("region_admin", region=body["region_id"])
    )
    assert r.status_code == 403
    r = await scene.http.post(f"{scene.url}/v1/venues", json=body, headers=scene.venue_headers)
    assert r.status_code == 403


async def test_box_office_check(scene: Any) -> None:
    valid = scene.card(valid_until=helsinki_today())
    expired = scene.card(issued_on=helsinki_today() - timedelta(days=400))
    revoked = scene.card(revoked=True)
    await scene.publish_cards()
    assert await scene.card_status(valid.lower()) == {
        "card_code": valid,
        "valid": True,
        "valid_until": helsinki_today().isoformat(),
    }
    assert (await scene.card_status(expired))["reason"] == "card_expired"
    assert (await scene.card_status(revoked))["reason"] == "card_revoked"
    unknown = unique("E")
    assert (await scene.card_status(unknown)) == {
        "card_code": unknown,
        "valid": False,
        "valid_until": None,
        "reason": "card_unknown",
    }
    r = await scene.http.get(f"{scene.url}/v1/cards/not%20a%20code!/status", headers=scene.agency_headers)
    assert (r.status_code, r.json()["reason"]) == (422, "invalid_request")
    r = await scene.http.get(f"{scene.url}/v1/cards/{valid}/status", headers=auth("distributor", region="R", org="D"))
    assert r.status_code == 403


async def test_metrics_count_accepted_and_rejected_uses_by_reason(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    assert (await scene.redeem(scene.use(card, performance))).status_code == 201
    assert (await scene.redeem(scene.use(card, performance, channel="web_shop"))).status_code == 409
    metrics = (await scene.http.get(f"{scene.url}/metrics")).text
    assert 'kaiku_redemptions_rejected_total{reason="channel_not_allowed",source="http"}' in metrics
    assert 'kaiku_redemptions_accepted_total{channel="box_office",source="http"}' in metrics


async def test_published_and_consumed_topics_are_documented(scene: Any) -> None:
    asyncapi = (await scene.http.get(f"{scene.url}/asyncapi.json")).json()
    text = str(asyncapi)
    for topic in (Topics.CARDS, Topics.AGENCY_REDEMPTIONS, Topics.REDEMPTIONS, Topics.REDEMPTION_OUTCOMES):
        assert topic in text
    for event in ("TicketRedeemed", "RedemptionCancelled", "RedemptionAccepted", "RedemptionRejected"):
        assert event in text
    openapi = (await scene.http.get(f"{scene.url}/openapi.json")).json()
    assert {"/v1/redemptions", "/v1/agencies/{agency_id}", "/v1/imports/redemptions"} <= set(openapi["paths"])


async def test_concurrent_retries_of_one_use_all_get_the_first_answer(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    use = scene.use(card, performance)
    responses = await asyncio.gather(*(scene.redeem(use) for _ in range(10)))
    assert {r.status_code for r in responses} == {201}
    assert all(r.json() == responses[0].json() for r in responses)
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == use["redemption_id"])
    assert len(published) == 1


async def test_a_card_of_any_region_works_at_any_venue(scene: Any) -> None:
    elsewhere = unique("R")
    card = scene.card(region=elsewhere)
    await scene.publish_cards()
    performance = await scene.performance()
    use = scene.use(card, performance)
    assert (await scene.redeem(use)).status_code == 201
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == use["redemption_id"])
    event = published[0]["value"]
    assert (event["region_id"], event["card_region_id"]) == (scene.region, elsewhere)
