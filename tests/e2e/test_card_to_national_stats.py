"""One event end to end: issuance → kaiku.cards.v1 → usage → kaiku.redemptions.v1 → stats.

The three services run as separate processes against the real broker and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from kaiku_devkit.testing import ServiceRunner, auth, read_topic, unique, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.connected]


async def test_issued_card_is_redeemed_and_counted_nationally(service_runner: ServiceRunner, kafka_bootstrap: str):
    issuance = service_runner.start("issuance")
    usage = service_runner.start("usage")
    stats = service_runner.start("stats")
    region, distributor, venue = unique("R"), unique("D"), unique("V")
    card_code = unique("E")
    starts_at = datetime.now(UTC) + timedelta(hours=2)
    period = starts_at.astimezone().strftime("%Y-%m")
    national = auth("national")

    async with httpx.AsyncClient(timeout=30) as http:  # the national answer computes the protection (2 busy cores)
        r = await http.post(
            f"{issuance.url}/v1/regions", json={"region_id": region, "name": "Testregion"}, headers=national
        )
        assert r.status_code == 201, r.text
        r = await http.post(
            f"{issuance.url}/v1/distributors",
            json={"distributor_id": distributor, "region_id": region, "name": "Sosiaalitoimi"},
            headers=auth("region_admin", region=region),
        )
        assert r.status_code == 201, r.text
        before = (await http.get(f"{stats.url}/v1/stats/national", params={"period": period}, headers=national)).json()

        r = await http.post(
            f"{issuance.url}/v1/cards",
            json={
                "card_code": card_code.lower(),
                "card_type": "personal",
                "distributor_id": distributor,
                "holder": {
                    "birth_year": 1980,
                    "mother_tongue": "fi",
                    "gender": "female",
                    "postal_code": "00100",
                    "life_situation": "unemployed",
                },
            },
            headers=auth("distributor", region=region, org=distributor),
        )
        assert r.status_code == 201, r.text
        assert r.json()["card_code"] == card_code
        assert r.json()["valid_until"]

        records = await read_topic(
            kafka_bootstrap, "kaiku.cards.v1", until=lambda rs: any(x["key"] == card_code for x in rs)
        )
        issued = next(x for x in records if x["key"] == card_code)
        assert issued["headers"]["event_type"] == "CardIssued"
        assert issued["value"]["holder"]["postal_code"] == "00100"

        r = await http.post(
            f"{usage.url}/v1/venues",
            json={"venue_id": venue, "region_id": region, "name": "Teatteri", "category": "culture"},
            headers=national,
        )
        assert r.status_code == 201, r.text
        venue_token = auth("venue", region=region, org=venue)
        r = await http.put(
            f"{usage.url}/v1/performances/{venue}-P1",
            json={
                "venue_id": venue,
                "name": "Trollkarlen Matti",
                "starts_at": starts_at.isoformat(),
                "capacity": 200,
                "kind": "performance",
                "card_holder_limit": 10,
            },
            headers=venue_token,
        )
        assert r.status_code == 200, r.text

        redemption = {
            "redemption_id": unique("red-"),
            "card_code": card_code,
            "venue_id": venue,
            "performance_id": f"{venue}-P1",
            "adult_tickets": 1,
            "child_tickets": 2,
            "channel": "box_office",
        }

        async def redeemed() -> httpx.Response | None:
            resp = await http.post(f"{usage.url}/v1/redemptions", json=redemption, headers=venue_token)
            return resp if resp.status_code == 201 else None

        # usage learns the card from kaiku.cards.v1; until then the card is unknown to it
        await wait_until(redeemed, timeout=60)

        records = await read_topic(
            kafka_bootstrap,
            "kaiku.redemptions.v1",
            until=lambda rs: any(x["value"]["redemption_id"] == redemption["redemption_id"] for x in rs),
        )
        event = next(x for x in records if x["value"]["redemption_id"] == redemption["redemption_id"])
        assert event["key"] == card_code
        assert event["value"]["card_region_id"] == region
        assert event["value"]["venue_category"] == "culture"

        async def counted() -> dict | None:
            resp = await http.get(f"{stats.url}/v1/stats/national", params={"period": period}, headers=national)
            body = resp.json()
            return body if body["redemptions"] == before["redemptions"] + 1 else None

        after = await wait_until(counted, timeout=60)
        assert after["adult_tickets"] == before["adult_tickets"] + 1
        assert after["child_tickets"] == before["child_tickets"] + 2
