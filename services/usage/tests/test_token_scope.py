"""A venue token speaks only for a venue of its own `region` claim (docs/contract.md "Authentication")."""

from __future__ import annotations

from typing import Any

import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, unique

pytestmark = pytest.mark.connected


async def test_a_venue_token_of_another_region_is_refused_everywhere_and_records_nothing(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    forged = auth("venue", region=unique("R"), org=scene.venue)  # the right venue, the wrong region claim
    use = scene.use(card, performance)

    r = await scene.redeem(use, forged)
    assert r.status_code == 403, r.text
    assert r.json()["reason"] == "forbidden"
    assert "region" in r.json()["detail"]
    moved = {"venue_id": scene.venue, "name": "Muu", "starts_at": "2030-01-01T18:00:00+02:00", "capacity": 10}
    r = await scene.http.put(
        f"{scene.url}/v1/performances/{performance}", json={**moved, "kind": "performance"}, headers=forged
    )
    assert r.status_code == 403
    r = await scene.http.get(f"{scene.url}/v1/cards/{card}/status", headers=forged)
    assert r.status_code == 403
    csv = b"card_code;performance;date\n"
    r = await scene.http.post(
        f"{scene.url}/v1/imports/redemptions", files={"file": ("r.csv", csv, "text/csv")}, headers=forged
    )
    assert r.status_code == 403

    # nothing was recorded: the venue's own token still gets the first use of the card, and the performance
    # kept its name
    r = await scene.redeem(use)
    assert r.status_code == 201, r.text
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == use["redemption_id"])
    assert published[0]["value"]["performance_name"] == "Trollkarlen Matti"
