"""The misuse watch through the real broker: uses and cards on their topics, flags over HTTP and on
`kaiku.flags.v1` (docs/contract.md "FlagRaised"), for the roles that may see them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from kaiku_contracts.cards import CardIssued, HolderProfile
from kaiku_contracts.enums import CardType, Channel, Gender, LifeSituation, RedemptionKind, VenueCategory
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import ServiceRunner, auth, produce, read_topic, unique, wait_until

pytestmark = [pytest.mark.connected, pytest.mark.e2e]
HOLDER = HolderProfile(
    birth_year=1950, mother_tongue="fi", gender=Gender.FEMALE, postal_code="00100", life_situation=LifeSituation.OTHER
)


async def test_overlapping_uses_and_a_report_row_before_the_card_raise_flags(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    # years of its own: test_stats_service.py counts whole national years (1975-1999) on the same topics
    year = random.randint(2000, 2014)
    region, other_region = unique("R"), unique("R")
    twice, late = unique("E"), unique("E")
    v1, v2 = unique("V"), unique("V")
    evening = datetime(year, 3, 6, 16, tzinfo=UTC)

    def use(rid: str, code: str, venue: str, starts_at: datetime, channel: Channel) -> TicketRedeemed:
        return TicketRedeemed(
            redemption_id=rid, card_code=code, card_type=CardType.PERSONAL, venue_id=venue, region_id=region,
            performance_id=f"{venue}-P1", performance_name="Trollkarlen Matti", starts_at=starts_at,
            kind=RedemptionKind.TICKET, adult_tickets=1, child_tickets=0, channel=channel,
            card_region_id=region, venue_category=VenueCategory.CULTURE,
        )  # fmt: skip

    def card(code: str, issued_on: date) -> CardIssued:
        return CardIssued(
            card_code=code, card_type=CardType.PERSONAL, region_id=region, distributor_id=unique("D"),
            issued_on=issued_on, valid_until=issued_on.replace(year=year + 1), holder=HOLDER,
        )  # fmt: skip

    tag = unique("u")
    uses = [
        use(f"{tag}-1", twice, v1, evening, Channel.BOX_OFFICE),
        use(f"{tag}-2", twice, v2, evening + timedelta(minutes=90), Channel.BOX_OFFICE),  # 90 minutes later
        use(f"{tag}-3", twice, v2, evening + timedelta(days=1), Channel.BOX_OFFICE),  # the next day: fine
        use(f"{tag}-4", late, v1, evening, Channel.PAPER_FORM),  # a report row for a card granted later
    ]
    stats = service_runner.start("stats", KAIKU_STATS_PUBLISH_INTERVAL_SECONDS="0.5")
    await produce(
        kafka_bootstrap, Topics.REDEMPTIONS, [(u.card_code.encode(), u.to_json_bytes()) for u in uses],
        event_type="TicketRedeemed",
    )  # fmt: skip
    cards = [card(twice, date(year, 1, 10)), card(late, date(year, 3, 20))]  # the uses came first
    await produce(
        kafka_bootstrap, Topics.CARDS, [(c.card_code.encode(), c.to_json_bytes()) for c in cards],
        event_type="CardIssued",
    )  # fmt: skip

    async with httpx.AsyncClient(base_url=stats.url, timeout=10) as http:

        async def flags_of_region() -> list[dict] | None:
            r = await http.get("/v1/flags", params={"region_id": region}, headers=auth("national"))
            assert r.status_code == 200, r.text
            found: list[dict] = r.json()["flags"]
            return found if len(found) >= 2 else None

        found = await wait_until(flags_of_region, timeout=60)
        by_rule = {f["rule"]: f for f in found}
        assert set(by_rule) == {"card_used_at_overlapping_performances", "use_of_card_not_valid_then"}
        overlap = by_rule["card_used_at_overlapping_performances"]
        assert (overlap["card_code"], overlap["redemption_ids"]) == (twice, [f"{tag}-1", f"{tag}-2"])
        assert "90 minutes apart" in overlap["detail"]
        not_valid = by_rule["use_of_card_not_valid_then"]
        assert (not_valid["card_code"], not_valid["redemption_ids"]) == (late, [f"{tag}-4"])
        assert f"granted only on {year}-03-20" in not_valid["detail"]

        own = await http.get("/v1/flags", headers=auth("region_admin", region=region))
        assert own.status_code == 200
        assert {f["flag_id"] for f in own.json()["flags"]} == {f["flag_id"] for f in found}
        for headers in (auth("region_admin", region=other_region), auth("venue", region=region, org=v1)):
            r = await http.get("/v1/flags", params={"region_id": region}, headers=headers)
            assert (r.status_code, r.json()["reason"]) == (403, "forbidden")
        assert (await http.get("/v1/flags")).status_code == 401

    ids = {f["flag_id"] for f in found}
    records = await read_topic(
        kafka_bootstrap, Topics.FLAGS, until=lambda rs: ids <= {r["value"]["flag_id"] for r in rs}, timeout=30
    )
    mine = [r for r in records if r["value"]["flag_id"] in ids]
    assert {r["key"] for r in mine} == {region}
    assert {r["headers"]["event_type"] for r in mine} == {"FlagRaised"}
    assert {r["value"]["rule"] for r in mine} == set(by_rule)
