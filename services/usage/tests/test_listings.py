"""The listings the portal builds its pages on: a region's venues and a venue's coming performances,
as the portal's typed clients read them (kaiku_contracts.http.usage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kaiku_contracts.http.usage import Performances, Venues
from kaiku_devkit.testing import auth, unique


async def test_a_venue_lists_its_coming_performances_with_the_card_holders_so_far(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    now = datetime.now(UTC)
    yesterday = await scene.performance(starts_at=(now - timedelta(days=1)).isoformat())
    tonight = await scene.performance(name="Tonight", starts_at=(now + timedelta(hours=2)).isoformat())
    later = await scene.performance(name="Later", starts_at=(now + timedelta(days=7)).isoformat(), card_holder_limit=10)
    cancelled = await scene.performance(starts_at=(now + timedelta(days=3)).isoformat())
    r = await scene.http.delete(f"{scene.url}/v1/performances/{cancelled}", headers=scene.venue_headers)
    assert r.status_code == 200, r.text
    assert (await scene.redeem(scene.use(card, tonight))).status_code == 201

    r = await scene.http.get(
        f"{scene.url}/v1/performances", params={"venue_id": scene.venue}, headers=scene.venue_headers
    )
    assert r.status_code == 200, r.text
    listed = r.json()["performances"]
    assert [p["performance_id"] for p in listed] == [tonight, later]  # in start order, past and cancelled left out
    assert listed[0]["card_holders"] == 1
    assert listed[0]["name"] == "Tonight"
    assert listed[1]["card_holder_limit"] == 10
    assert listed[1]["card_holders"] == 0
    parsed = Performances.model_validate(r.json()).performances  # what the portal reads
    assert [(p.performance_id, p.card_holders, p.venue_id) for p in parsed] == [
        (tonight, 1, scene.venue),
        (later, 0, scene.venue),
    ]

    everything = await scene.http.get(
        f"{scene.url}/v1/performances",
        params={"venue_id": scene.venue, "since": (now - timedelta(days=2)).isoformat(), "include_cancelled": "true"},
        headers=auth("region_admin", region=scene.region),
    )
    assert everything.status_code == 200, everything.text
    assert [p["performance_id"] for p in everything.json()["performances"]] == [yesterday, tonight, cancelled, later]


async def test_performances_of_another_venue_or_region_are_not_listed(scene: Any) -> None:
    await scene.performance()
    for headers in (
        auth("venue", region=scene.region, org=unique("V")),
        auth("region_admin", region=unique("R")),
        auth("agency", org=scene.agency),
    ):
        r = await scene.http.get(f"{scene.url}/v1/performances", params={"venue_id": scene.venue}, headers=headers)
        assert r.status_code == 403, r.text
        assert r.json()["reason"] == "forbidden"
    r = await scene.http.get(f"{scene.url}/v1/performances", params={"venue_id": unique("V")}, headers=scene.national)
    assert (r.status_code, r.json()["reason"]) == (409, "venue_unknown")


async def test_a_region_admin_lists_the_regions_venues_and_their_agencies(scene: Any) -> None:
    second = unique("V")
    r = await scene.http.post(
        f"{scene.url}/v1/venues",
        json={"venue_id": second, "region_id": scene.region, "name": "Allas", "category": "sports"},
        headers=auth("region_admin", region=scene.region),
    )
    assert r.status_code == 201, r.text

    r = await scene.http.get(f"{scene.url}/v1/venues", headers=auth("region_admin", region=scene.region))
    assert r.status_code == 200, r.text
    venues = {v["venue_id"]: v for v in r.json()["venues"]}
    assert set(venues) == {scene.venue, second}
    assert venues[scene.venue]["agencies"] == [scene.agency]
    assert venues[scene.venue]["category"] == "culture"
    assert venues[second] == {
        "venue_id": second, "region_id": scene.region, "name": "Allas", "category": "sports", "agencies": []
    }  # fmt: skip
    assert {v.venue_id for v in Venues.model_validate(r.json()).venues} == {scene.venue, second}  # the portal's read

    national = await scene.http.get(
        f"{scene.url}/v1/venues", params={"region_id": scene.region}, headers=scene.national
    )
    assert {v["venue_id"] for v in national.json()["venues"]} == {scene.venue, second}
    for headers, params in (
        (auth("region_admin", region=unique("R")), {"region_id": scene.region}),
        (scene.venue_headers, {}),
        (scene.national, {}),  # national names the region
    ):
        r = await scene.http.get(f"{scene.url}/v1/venues", params=params, headers=headers)
        assert r.status_code == 403, r.text
