"""Every rejection code, provoked once through HTTP and once through the agency topic (docs/contract.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import CardType
from kaiku_devkit.testing import auth, unique

pytestmark = pytest.mark.connected

REASONS = [
    "venue_unknown",
    "performance_unknown",
    "agency_not_authorised",
    "channel_not_allowed",
    "card_unknown",
    "card_revoked",
    "card_expired",
    "card_expired_on_performance_date",
    "card_not_yet_valid",
    "booking_not_open_yet",
    "redemption_not_open_yet",
    "children_not_allowed_for_course",
    "community_card_not_allowed_for_course",
    "holder_not_attending",
    "too_many_child_tickets",
    "group_unknown",
    "already_redeemed",
    "limit_reached",
    "redemption_id_reused",
]


async def provoke(scene: Any, case: str) -> tuple[dict[str, Any], str | None]:
    """Set up the situation; return the use that must be refused and, for agency cases, the agency to send as."""
    soon = datetime.now(UTC) + timedelta(hours=3)
    agency: str | None = None
    if case in (
        "card_revoked",
        "card_expired",
        "community_card_not_allowed_for_course",
        "card_expired_on_performance_date",
        "card_not_yet_valid",
        "too_many_child_tickets",
    ):
        card = {
            "card_not_yet_valid": lambda: scene.card(issued_on=helsinki_today() + timedelta(days=1)),
            "too_many_child_tickets": lambda: scene.card(children_under_18=2),
            "card_revoked": lambda: scene.card(revoked=True),
            "card_expired": lambda: scene.card(issued_on=helsinki_today() - timedelta(days=400)),
            "card_expired_on_performance_date": lambda: scene.card(valid_until=helsinki_today() + timedelta(days=5)),
            "community_card_not_allowed_for_course": lambda: scene.card(card_type=CardType.COMMUNITY),
        }[case]()
    elif case == "card_unknown":
        card = unique("E")
    else:
        card = scene.card()
    await scene.publish_cards()
    if case == "venue_unknown":
        return {**scene.use(card, unique("P")), "venue_id": unique("V")}, None
    if case == "performance_unknown":
        return scene.use(card, unique("P")), None
    if case == "card_expired_on_performance_date":
        later = await scene.performance(starts_at=(soon + timedelta(days=20)).isoformat())
        return scene.use(card, later), None
    if case == "booking_not_open_yet":
        far = await scene.performance(starts_at=(soon + timedelta(days=60)).isoformat(), booking_opens_days_before=30)
        return scene.use(card, far), None
    if case == "redemption_not_open_yet":
        tonight = await scene.performance(starts_at=soon.isoformat(), redeem_from_minutes_before=30)
        return scene.use(card, tonight), None
    if case in ("children_not_allowed_for_course", "community_card_not_allowed_for_course"):
        course = await scene.performance(kind="course", capacity=12, card_holder_limit=2, name="Akvarellikurssi")
        children = 1 if case == "children_not_allowed_for_course" else 0
        return scene.use(card, course, child_tickets=children), None
    performance = await scene.performance(capacity=10, card_holder_limit=1)
    if case == "holder_not_attending":  # §2: child tickets only with the holder at the performance
        return scene.use(card, performance, adult_tickets=0, child_tickets=1), None
    if case == "too_many_child_tickets":  # seed 000: two children written on the card, all uses together
        first = scene.use(card, performance, child_tickets=1)
        assert (await scene.redeem(first)).status_code == 201
        return scene.use(card, performance, adult_tickets=0, child_tickets=2), None
    if case == "group_unknown":  # §5: the group_id names no community-card use at this performance
        personal = scene.use(scene.card(), performance)
        await scene.publish_cards()
        assert (await scene.redeem(personal)).status_code == 201
        return scene.use(card, performance, group_id=personal["redemption_id"]), None
    if case == "agency_not_authorised":
        agency = unique("A")
        return scene.use(card, performance, channel="agency"), agency
    if case == "channel_not_allowed":
        return scene.use(card, performance, channel="web_shop"), None
    if case in ("already_redeemed", "limit_reached", "redemption_id_reused"):
        first_card = card if case != "limit_reached" else scene.card()
        await scene.publish_cards()
        first = scene.use(first_card, performance)
        assert (await scene.redeem(first)).status_code == 201
        if case == "redemption_id_reused":
            return {**first, "child_tickets": 1}, None
        return scene.use(card, performance), None
    return scene.use(card, performance), None


def expected_reason(case: str) -> str:
    return "card_expired" if case == "card_expired_on_performance_date" else case


@pytest.mark.parametrize("case", REASONS)
async def test_rejection_over_http(scene: Any, case: str) -> None:
    use, agency = await provoke(scene, case)
    if agency:
        headers = auth("agency", org=agency)
    elif case == "venue_unknown":  # a venue with a token that no region has registered yet
        headers = auth("venue", region=scene.region, org=use["venue_id"])
    else:
        headers = scene.venue_headers
    r = await scene.redeem(use, headers)
    expected = expected_reason(case)
    assert r.status_code == (403 if expected == "agency_not_authorised" else 409), r.text
    body = r.json()
    assert body["reason"] == expected
    assert body["detail"]
    # a refused use records nothing: the same id is judged afresh and refused again for the same reason
    if expected != "redemption_id_reused":
        again = await scene.redeem(use, headers)
        assert again.json()["reason"] == expected


@pytest.mark.parametrize("case", REASONS)
async def test_rejection_over_agency_topic(scene: Any, case: str) -> None:
    use, agency = await provoke(scene, case)
    submission = scene.submission(use, agency)
    await scene.submit([submission])
    outcome = (await scene.outcomes([use["redemption_id"]]))[use["redemption_id"]][0]
    assert outcome["event_type"] == "RedemptionRejected"
    assert outcome["reason"] == expected_reason(case)
    assert outcome["agency_id"] == submission["agency_id"]
    assert outcome["_key"] == submission["agency_id"]
    assert outcome["detail"]


async def test_checks_run_in_interface_order(scene: Any) -> None:
    """A use breaking several rules gets the first one's reason (docs/contract.md order)."""
    revoked = scene.card(revoked=True)
    await scene.publish_cards()
    course = await scene.performance(kind="course", capacity=12, card_holder_limit=2)
    r = await scene.redeem(scene.use(revoked, course, channel="web_shop", child_tickets=2))
    assert r.json()["reason"] == "channel_not_allowed"
    r = await scene.redeem(scene.use(revoked, course, child_tickets=2))
    assert r.json()["reason"] == "card_revoked"


async def test_forbidden_callers(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    use = scene.use(card, performance)
    other_venue = auth("venue", region=scene.region, org=unique("V"))
    for headers in (other_venue, auth("region_admin", region=scene.region), scene.national):
        r = await scene.redeem(use, headers)
        assert r.status_code == 403, r.text
        assert r.json()["reason"] == "forbidden"
    r = await scene.redeem(use, {})
    assert r.status_code == 401


async def test_listed_agency_redeems_over_http(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    r = await scene.redeem(scene.use(card, performance, channel="agency"), scene.agency_headers)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "accepted"


async def test_personal_data_and_unknown_fields_are_refused(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    r = await scene.redeem({**scene.use(card, performance), "holder_name": "Matti Meikäläinen"})
    assert r.status_code == 422
    assert r.json()["reason"] == "invalid_request"
    assert "Meikäläinen" not in r.text
    r = await scene.redeem(scene.use(card, performance, adult_tickets=0, child_tickets=0))
    assert r.status_code == 422
