"""The card-holder limit holds when clerks and agencies sell the last places at the same moment (pattern 7)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kaiku_contracts.topics import Topics

pytestmark = pytest.mark.connected

CARDS = 50
LIMIT = 5


async def test_fifty_cards_race_for_five_places_over_http_and_the_agency_topic(scene: Any) -> None:
    cards = [scene.card() for _ in range(CARDS)]
    await scene.publish_cards()
    performance = await scene.performance(capacity=100, card_holder_limit=LIMIT)  # 5 % of 100 = 5
    uses = [scene.use(card, performance) for card in cards]
    over_http, over_agency = uses[::2], uses[1::2]

    async def agencies() -> None:
        await scene.submit([scene.submission(use) for use in over_agency])

    responses, _ = await asyncio.gather(asyncio.gather(*(scene.redeem(use) for use in over_http)), agencies())
    outcomes = await scene.outcomes([use["redemption_id"] for use in over_agency])

    verdicts: list[str] = [r.json().get("reason", "accepted") for r in responses]
    verdicts += [o[0].get("reason", "accepted") for o in outcomes.values()]
    assert len(verdicts) == CARDS
    assert verdicts.count("accepted") == LIMIT
    assert verdicts.count("limit_reached") == CARDS - LIMIT

    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("performance_id") == performance, count=LIMIT)
    assert len(published) == LIMIT  # nothing beyond the limit was published

    # the limit is not a quota: child tickets with no adult ticket still go through (§7.2.2, docs/contract.md)
    child_only = scene.use(cards[0], performance, adult_tickets=0, child_tickets=2)
    assert (await scene.redeem(child_only)).status_code == 201
