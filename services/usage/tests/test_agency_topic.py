"""The agency topic: untrusted input, garbage to the dead-letter topic, replays, signed agencies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, produce, read_topic, unique
from kaiku_usage.domain.signatures import SIGNATURE_HEADER, sign

pytestmark = pytest.mark.connected


async def test_garbage_goes_to_the_dead_letter_topic_and_every_valid_message_is_answered(scene: Any) -> None:
    cards = [scene.card() for _ in range(4)]
    await scene.publish_cards()
    performance = await scene.performance()
    valid = [scene.submission(scene.use(card, performance)) for card in cards]
    garbage_keys = [unique("GARBAGE-") for _ in range(6)]
    wrong_types = {**valid[0], "redemption_id": unique("x"), "adult_tickets": "many", "child_tickets": [1]}
    unknown_type = {**valid[1], "redemption_id": unique("x"), "event_type": "TicketsTeleported"}
    no_agency = {k: v for k, v in valid[2].items() if k != "agency_id"} | {"redemption_id": unique("x")}
    messages: list[tuple[bytes | None, bytes | None]] = [
        (cards[0].encode(), json.dumps(valid[0]).encode()),
        (garbage_keys[0].encode(), b"\x00\xffnot json at all"),
        (garbage_keys[1].encode(), json.dumps(wrong_types).encode()),
        (cards[1].encode(), json.dumps(valid[1]).encode()),
        (garbage_keys[2].encode(), json.dumps(unknown_type).encode()),
        (garbage_keys[3].encode(), b"[1, 2, 3]"),
        (cards[2].encode(), json.dumps(valid[2]).encode()),
        (garbage_keys[4].encode(), json.dumps(no_agency).encode()),
        (garbage_keys[5].encode(), None),
        (cards[3].encode(), json.dumps(valid[3]).encode()),
    ]
    # signed by the scene's agency: an unreadable message is answered only when its agency signed it
    await produce(scene.bootstrap, Topics.AGENCY_REDEMPTIONS, messages, signer=scene.signer())

    answered = [wrong_types["redemption_id"], unknown_type["redemption_id"]]
    outcomes = await scene.outcomes(
        [v["redemption_id"] for v in valid] + answered, unanswered=[no_agency["redemption_id"]]
    )
    assert {outcomes[v["redemption_id"]][0]["event_type"] for v in valid} == {"RedemptionAccepted"}
    # garbage that still names its redemption and agency is answered, so the agency learns why
    for redemption_id in answered:
        [answer] = outcomes[redemption_id]
        assert answer["event_type"] == "RedemptionRejected"
        assert answer["reason"] == "invalid_request"
        assert answer["_key"] == scene.agency
    assert "adult_tickets" in outcomes[wrong_types["redemption_id"]][0]["detail"]
    assert "many" not in outcomes[wrong_types["redemption_id"]][0]["detail"]
    assert no_agency["redemption_id"] not in outcomes  # nobody to answer

    dead = await read_topic(
        scene.bootstrap,
        Topics.DEAD_LETTER,
        until=lambda rs: {r["key"] for r in rs} >= set(garbage_keys),
    )
    by_key = {r["key"]: r for r in dead if r["key"] in garbage_keys}
    for key in garbage_keys:
        assert by_key[key]["headers"]["source_topic"] == Topics.AGENCY_REDEMPTIONS
        assert by_key[key]["headers"]["error"]
    assert "not valid JSON" in by_key[garbage_keys[0]]["headers"]["error"]
    assert "adult_tickets" in by_key[garbage_keys[1]]["headers"]["error"]
    assert "event_type" in by_key[garbage_keys[2]]["headers"]["error"]
    assert "agency_id" in by_key[garbage_keys[4]]["headers"]["error"]
    assert "many" not in by_key[garbage_keys[1]]["headers"]["error"]  # reasons name fields, never values


async def test_a_replayed_submission_is_accepted_once(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    submission = scene.submission(scene.use(card, performance))
    retry = {**submission, "event_id": scene.submission(submission)["event_id"]}  # an agency retry: new event_id
    await scene.submit([submission])
    await scene.outcomes([submission["redemption_id"]])
    await scene.submit([submission, retry])
    outcomes = await scene.outcomes([submission["redemption_id"]], at_least=3)
    assert [o["event_type"] for o in outcomes[submission["redemption_id"]]] == ["RedemptionAccepted"] * 3

    published = await scene.published(
        Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == submission["redemption_id"]
    )
    assert len(published) == 1
    event = published[0]["value"]
    assert event["channel"] == "agency"
    assert event["agency_id"] == scene.agency
    assert event["card_region_id"] == scene.region
    assert event["venue_category"] == "culture"
    assert event["performance_name"] == "Trollkarlen Matti"

    other = {**submission, "event_id": scene.submission(submission)["event_id"], "child_tickets": 2}
    await scene.submit([other])
    outcomes = await scene.outcomes([submission["redemption_id"]], at_least=4)
    assert outcomes[submission["redemption_id"]][-1]["reason"] == "redemption_id_reused"


async def test_a_full_ticket_redeemed_event_is_a_valid_submission(scene: Any) -> None:
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    full = {
        **scene.submission(scene.use(card, performance)),
        "card_type": "personal",
        "region_id": "whatever-the-agency-thinks",
        "performance_name": "Trollkarlen Matti",
        "starts_at": "2026-01-01T18:00:00Z",
        "kind": "ticket",
        "group_id": None,
    }
    await scene.submit([full])
    outcome = (await scene.outcomes([full["redemption_id"]]))[full["redemption_id"]][0]
    assert outcome["event_type"] == "RedemptionAccepted"
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") == full["redemption_id"])
    assert published[0]["value"]["region_id"] == scene.region  # usage's own facts, not the agency's


async def test_an_agency_speaks_only_for_itself(scene: Any) -> None:
    """docs/contract.md "Who may write to the agency topic": fail closed, and nothing is recorded."""
    signed, other, keyless = scene.agency, unique("AO"), unique("AK")
    unregistered = unique("AU")
    await scene.list_agencies([other, keyless, unregistered])  # the venue sells through all of them
    await scene.register_agency(other)
    key, other_key = scene.keys[signed], scene.keys[other]
    cards = [scene.card() for _ in range(8)]
    await scene.publish_cards()
    performance = await scene.performance()
    unsigned, wrong, others, upper, not_ascii, good = (
        scene.submission(scene.use(c, performance), signed) for c in cards[:6]
    )
    no_key = scene.submission(scene.use(cards[6], performance), keyless)
    nobody = scene.submission(scene.use(cards[7], performance), unregistered)

    async def send(submission: dict[str, Any], signature: bytes | None) -> None:
        value = json.dumps(submission).encode()
        headers = [(SIGNATURE_HEADER, signature)] if signature is not None else []
        await produce(
            scene.bootstrap, Topics.AGENCY_REDEMPTIONS, [(submission["card_code"].encode(), value)], raw_headers=headers
        )

    def signature(submission: dict[str, Any], signing_key: str) -> bytes:
        return sign(signing_key, json.dumps(submission).encode()).encode()

    await send(unsigned, None)
    await send(wrong, signature(wrong, "guessed-key-of-at-least-32-characters"))
    await send(others, signature(others, other_key))  # another agency's key
    await send(upper, signature(upper, key).upper())  # the contract says lower-case hex
    await send(not_ascii, "ä".encode() * 64)  # decodable, not ASCII: judged, never raises
    await send(good, signature(good, key))
    await send(no_key, signature(no_key, key))
    await send(nobody, signature(nobody, key))

    # unreadable submissions in an agency's name are answered only when the agency signed them
    forged_garbage = {**scene.submission(scene.use(cards[0], performance), signed), "adult_tickets": "x"}
    signed_garbage = {**scene.submission(scene.use(cards[1], performance), signed), "adult_tickets": "x"}
    await send(forged_garbage, None)
    await send(signed_garbage, signature(signed_garbage, key))

    refused = [unsigned, wrong, others, upper, not_ascii, no_key, nobody]
    ids = [s["redemption_id"] for s in (*refused, good, signed_garbage)]
    outcomes = await scene.outcomes(ids, unanswered=[forged_garbage["redemption_id"]])
    verdicts = [outcomes[i][0].get("reason", "accepted") for i in ids]
    assert verdicts == ["agency_not_authorised"] * len(refused) + ["accepted", "invalid_request"]
    assert [outcomes[s["redemption_id"]][0]["_key"] for s in refused] == [s["agency_id"] for s in refused]
    assert "signature" in outcomes[unsigned["redemption_id"]][0]["detail"]
    assert "ä" not in outcomes[not_ascii["redemption_id"]][0]["detail"]
    assert forged_garbage["redemption_id"] not in outcomes

    # nothing recorded: only the signed use reaches kaiku.redemptions.v1, and the refused cards are still unused
    published = await scene.published(Topics.REDEMPTIONS, lambda v: v.get("redemption_id") in ids)
    assert [p["value"]["redemption_id"] for p in published] == [good["redemption_id"]]
    for submission in refused:
        r = await scene.redeem(scene.use(submission["card_code"], performance))
        assert r.status_code == 201, r.text  # the card's use at this performance was never recorded


async def test_only_the_national_office_registers_agencies_and_keys(scene: Any) -> None:
    agency = unique("AR")
    good_key = "k" * 32
    for headers in (
        auth("region_admin", region=scene.region),
        scene.venue_headers,
        auth("agency", org=agency),  # an agency may not set its own key either
        auth("distributor", region=scene.region, org=unique("D")),
    ):
        r = await scene.http.put(f"{scene.url}/v1/agencies/{agency}", json={"signing_key": good_key}, headers=headers)
        assert r.status_code == 403, r.text
        assert r.json()["reason"] == "forbidden"
    for body in ({"signing_key": "k" * 31}, {"signing_key": None}, {"name": "Lippu"}, {"signing_key": 7}):
        r = await scene.http.put(f"{scene.url}/v1/agencies/{agency}", json=body, headers=scene.national)
        assert r.status_code == 422, r.text
        assert r.json()["reason"] == "invalid_request"
        assert "signing_key" in r.json()["detail"]
        assert "k" * 31 not in r.text
    # none of the refused calls registered it: its messages are still refused
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    forged = scene.submission(scene.use(card, performance), agency)
    value = json.dumps(forged).encode()
    await produce(
        scene.bootstrap,
        Topics.AGENCY_REDEMPTIONS,
        [(card.encode(), value)],
        raw_headers=[(SIGNATURE_HEADER, sign(good_key, value).encode())],
    )
    outcome = (await scene.outcomes([forged["redemption_id"]]))[forged["redemption_id"]][0]
    assert outcome["reason"] == "agency_not_authorised"

    r = await scene.http.put(
        f"{scene.url}/v1/agencies/{agency}", json={"name": "Lippu", "signing_key": good_key}, headers=scene.national
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"agency_id": agency, "name": "Lippu", "signs_messages": True}
    assert good_key not in r.text


async def test_uses_of_one_batch_see_each_other(scene: Any) -> None:
    """One card's submissions share a partition and usually a batch: earlier uses count for later ones."""
    card, other = scene.card(), scene.card()
    await scene.publish_cards()
    performance = await scene.performance(capacity=30, card_holder_limit=2)
    first = scene.submission(scene.use(card, performance, child_tickets=1))
    second_adult = scene.submission(scene.use(card, performance))
    retry = {**first, "event_id": scene.submission(first)["event_id"]}
    children_only = scene.submission(scene.use(card, performance, adult_tickets=0, child_tickets=2))
    await scene.submit([first, second_adult, retry, children_only])
    ids = [first["redemption_id"], second_adult["redemption_id"], children_only["redemption_id"]]
    outcomes = await scene.outcomes(ids)
    assert [o.get("reason", "accepted") for o in outcomes[first["redemption_id"]]] == ["accepted", "accepted"]
    assert outcomes[second_adult["redemption_id"]][0]["reason"] == "already_redeemed"
    assert outcomes[children_only["redemption_id"]][0]["event_type"] == "RedemptionAccepted"
    fill = scene.submission(scene.use(other, performance))
    third = scene.submission(scene.use(scene.card(), performance))
    await scene.publish_cards()
    await scene.submit([fill, third])
    outcomes = await scene.outcomes([fill["redemption_id"], third["redemption_id"]])
    # two cards, two partitions: either may come first, one place was left
    verdicts = sorted(o[0].get("reason", "accepted") for o in outcomes.values())
    assert verdicts == ["accepted", "limit_reached"]


async def test_an_identity_code_in_an_agency_message_is_refused_naming_the_field(scene: Any) -> None:
    """docs/contract.md: `invalid_request` to the agency naming the field, a dead letter without the value."""
    card = scene.card()
    await scene.publish_cards()
    performance = await scene.performance()
    submission = {**scene.submission(scene.use(card, performance)), "performance_name": "Varaaja 131052-308T"}
    await scene.submit([submission])
    [answer] = (await scene.outcomes([submission["redemption_id"]]))[submission["redemption_id"]]
    assert answer["event_type"] == "RedemptionRejected"
    assert answer["reason"] == "invalid_request"
    assert "performance_name" in answer["detail"]
    assert "131052" not in json.dumps(answer)

    def mine(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            r
            for r in rs
            if isinstance(r["value"], dict) and r["value"].get("redemption_id") == submission["redemption_id"]
        ]

    [dead] = mine(await read_topic(scene.bootstrap, Topics.DEAD_LETTER, until=lambda rs: bool(mine(rs))))
    assert dead["headers"]["source_topic"] == Topics.AGENCY_REDEMPTIONS
    assert "performance_name" in dead["headers"]["error"]
    assert "131052" not in json.dumps(dead)
    # nothing recorded: the card is still unused at this performance
    assert (await scene.redeem(scene.use(card, performance))).status_code == 201
