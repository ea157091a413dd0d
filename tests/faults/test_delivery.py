"""Hostile deliveries on one stack: every agency message three times and out of order across
partitions, the services' own events replayed, garbage on every consumed topic, and 50-way races
for the last places of a performance through HTTP and the agency topic at once."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import Counter
from typing import Any

import pytest
from faultkit.faults import metric
from faultkit.reconcile import POISON_KEY, Reconciler, Report, converge, read_all
from faultkit.stack import Stack
from faultkit.traffic import ACCEPTED, Client, Ledger, Load, Use, World, pairs
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import unique

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.timeout(300)]

PARTITIONS = 4
CONSUMERS_OF = {Topics.CARDS: 2, Topics.REDEMPTIONS: 1, Topics.AGENCY_REDEMPTIONS: 1}
"""How many consumers read each topic (usage's registry and stats read the cards): each dead-letters garbage."""


async def test_every_agency_message_three_times_out_of_order_and_replayed_events_count_once(
    shared_stack: Stack, report: Report, earlier_ledgers: list[Ledger]
) -> None:
    started = time.monotonic()
    stack = shared_stack
    ledger = Ledger()
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare(cards=40, performances_per_venue=4)
        combos = pairs(world, cards, client.random)
        http_uses = [client.new_use(v, p, c, "http", ACCEPTED) for v, p, c in itertools.islice(combos, 60)]
        await asyncio.gather(*(client.redeem_http(world, u) for u in http_uses))
        await asyncio.gather(*(client.cancel_http(world, u) for u in http_uses[:6]))

        # the agency: each use three times (as sent, a producer retry with the same event_id, an agency
        # re-send with a new one), each copy on another partition, the whole lot shuffled
        agency_uses = [client.new_use(v, p, c, "agency", ACCEPTED) for v, p, c in itertools.islice(combos, 110)]
        agency_uses += [
            client.new_use(v, p, "X" + c[1:], "agency", "card_unknown") for v, p, c in itertools.islice(combos, 10)
        ]
        copies: list[tuple[int, bytes, bytes]] = []
        for use in agency_uses:
            first = client.submission(world, use)
            home = client.random.randrange(PARTITIONS)
            use.deliveries = 3
            for i, body in enumerate((first, dict(first), {**first, "event_id": str(uuid.uuid4())})):
                copies.append(((home + i) % PARTITIONS, use.card_code.encode(), json.dumps(body).encode()))
        client.random.shuffle(copies)
        await client.send_raw(
            Topics.AGENCY_REDEMPTIONS,
            [(k, v) for _, k, v in copies],
            partitions=[p for p, _, _ in copies],
            sign_as_agency=True,
        )
        ledger.agency_sends += len(copies)
        report.faults.append(
            f"{len(agency_uses)} agency uses delivered 3 times each, shuffled over {PARTITIONS} partitions"
        )

        # the services' own events replayed twice more (a relay that re-published), newest first, on other partitions
        replayed = 0
        for topic, ours in ((Topics.CARDS, set(ledger.cards)), (Topics.REDEMPTIONS, set(ledger.uses))):
            records = await wait_for_records(stack.bootstrap, topic, ours, minimum=_published_count(ledger, topic))
            for k in (1, 2):
                batch = list(reversed(records))
                await client.send_raw(
                    topic,
                    [(r.key.encode() if r.key else None, r.value) for r in batch],
                    partitions=[(r.partition + k) % PARTITIONS for r in batch],
                )
                replayed += len(batch)
        report.faults.append(f"{replayed} card and use events re-published, reversed, on other partitions")

    await Reconciler(stack.urls, stack.database_urls, stack.bootstrap).everything(
        ledger, report, earlier=earlier_ledgers
    )
    earlier_ledgers.append(ledger)
    for use in agency_uses:
        if len(use.outcomes_seen) != 3:
            report.differences.append(
                f"agency use {use.redemption_id}: {len(use.outcomes_seen)} answers to 3 deliveries"
            )
    report.notes.append(
        "duplicates skipped by the idempotency table: stats "
        f"{await metric(stack.url('stats'), 'kaiku_duplicate_events_total'):.0f}, usage "
        f"{await metric(stack.url('usage'), 'kaiku_duplicate_events_total'):.0f}"
    )
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()


def _published_count(ledger: Ledger, topic: str) -> int:
    if topic == Topics.CARDS:
        return len(ledger.accepted_cards())
    accepted = [u for u in ledger.uses.values() if u.outcome == ACCEPTED]
    return len(accepted) + sum(1 for u in accepted if u.cancelled)


async def wait_for_records(
    bootstrap: str, topic: str, ours: set[str], *, minimum: int, timeout: float = 60.0
) -> list[Any]:
    """Our records on `topic` (by card code or redemption id) once at least `minimum` are there."""
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for r in await read_all(bootstrap, topic):
            value = r.json()
            if isinstance(value, dict) and (value.get("card_code") in ours or value.get("redemption_id") in ours):
                found.append(r)
        if len(found) >= minimum or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.3)


def garbage(valid: dict[str, Any], wrong_types: dict[str, Any], unknown_type: str) -> list[tuple[str, bytes | None]]:
    """What an untrusted or broken producer may put on a topic: (what, value)."""
    text = json.dumps(valid)

    def variant(**fields: Any) -> bytes:
        return json.dumps({**valid, "event_id": str(uuid.uuid4()), **fields}).encode()

    return [
        ("not JSON", b"\x00\xff\xfe binary, not JSON"),
        ("truncated JSON", text[: len(text) // 2].encode()),
        ("wrong types", variant(**wrong_types)),
        ("unknown event type", variant(event_type=unknown_type)),
        ("missing fields", json.dumps({"event_id": str(uuid.uuid4()), "event_type": valid["event_type"]}).encode()),
        ("oversized (1.5 MB)", variant(padding="x" * 1_500_000)),
        ("tombstone (null value)", None),
        ("empty value", b""),
        ("JSON array", b"[1, 2, 3]"),
        ("JSON number", b"42"),
        ("deeply nested JSON", b"[" * 50_000 + b"]" * 50_000),
        ("invalid UTF-8 in a string", b'{"event_type": "\xff\xfe", "event_id": "x"}'),
    ]


def garbage_per_topic(client: Client, world: World, card: str) -> dict[str, list[tuple[str, bytes | None]]]:
    """Garbage for each consumed topic, made from a valid event of that topic."""
    venue = world.venues[0]
    region = world.regions[0]
    template = client.new_use(venue, venue.performances[0], card, "agency", None)
    del client.ledger.uses[template.redemption_id]  # a template only, never sent as is
    submission = client.submission(world, template)
    holder = {"birth_year": 1980, "mother_tongue": "fi", "gender": "female", "postal_code": "00100"}
    card_event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "event_type": "CardIssued",
        "schema_version": 1,
        "occurred_at": "2026-01-01T00:00:00Z",
        "card_code": "GARBAGE1",
        "card_type": "personal",
        "region_id": region,
        "distributor_id": world.distributors[region],
        "issued_on": "2026-01-01",
        "valid_until": "2026-12-31",
        "holder": {**holder, "life_situation": "student"},
    }
    use_event = {
        **submission,
        "redemption_id": "garbage-use",
        "card_type": "personal",
        "region_id": venue.region_id,
        "performance_name": "Näytös",
        "starts_at": "2026-01-01T18:00:00Z",
        "kind": "ticket",
        "card_region_id": venue.region_id,
        "venue_category": venue.category,
    }
    named = {
        **card_event,
        "event_id": str(uuid.uuid4()),
        "holder": {**card_event["holder"], "name": "Matti Meikäläinen"},
    }
    return {
        Topics.CARDS: [
            *garbage(card_event, {"issued_on": 12345, "card_type": ["x"]}, "CardTeleported"),
            ("personal data (a holder's name)", json.dumps(named).encode()),
        ],
        Topics.REDEMPTIONS: garbage(use_event, {"adult_tickets": "many", "child_tickets": -3}, "TicketTeleported"),
        Topics.AGENCY_REDEMPTIONS: garbage(
            submission, {"adult_tickets": "many", "child_tickets": [1]}, "TicketsTeleported"
        ),
    }


async def test_garbage_on_every_consumed_topic_goes_to_the_dead_letter_topic(
    shared_stack: Stack, report: Report, earlier_ledgers: list[Ledger]
) -> None:
    started = time.monotonic()
    stack = shared_stack
    ledger = Ledger()
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare(cards=30, performances_per_venue=4)
        load = Load(client, world, cards, cards_per_s=4, http_uses_per_s=8, agency_uses_per_s=8)
        load.start()
        try:
            per_topic = garbage_per_topic(client, world, cards[0])
            await asyncio.sleep(2.0)
            for topic, items in per_topic.items():
                # interleaved with the valid stream, one at a time
                for _what, value in items:
                    await client.send_raw(topic, [(b"GARBAGE", value)])
                    ledger.garbage[topic] += 1
                    await asyncio.sleep(0.05)
                report.faults.append(f"{topic}: " + ", ".join(what for what, _ in items))
            await asyncio.sleep(2.0)
        finally:
            await load.stop()

    reconciler = Reconciler(stack.urls, stack.database_urls, stack.bootstrap)
    await reconciler.everything(ledger, report, earlier=earlier_ledgers)
    whole = Ledger.merged([*earlier_ledgers, ledger])
    earlier_ledgers.append(ledger)

    async def dead_letters_complete() -> list[str]:
        counts = await reconciler.dead_letters(report)
        return [
            f"dead letters from {topic}: expected {CONSUMERS_OF[topic] * whole.garbage[topic]}, got {counts[topic]}"
            for topic in CONSUMERS_OF
            if counts[topic] != CONSUMERS_OF[topic] * whole.garbage[topic]
        ]

    report.differences += await converge(dead_letters_complete, timeout=30)
    dead = await read_all(stack.bootstrap, Topics.DEAD_LETTER)
    for record in dead:
        if not record.headers.get("error") or not record.headers.get("source_topic"):
            report.differences.append(f"dead letter at offset {record.offset} without error/source_topic headers")
        if record.value is not None and len(record.value) > 1_000_000:
            report.differences.append(f"dead letter at offset {record.offset} carries the oversized value")
        if "Meik" in record.headers.get("error", ""):
            report.differences.append(f"dead letter at offset {record.offset}: its reason repeats personal data")
        if "Meik" in (record.value or b"").decode(errors="replace"):
            report.differences.append(f"dead letter at offset {record.offset}: it keeps personal data (§11)")
    report.notes.append(
        "reasons: " + json.dumps(Counter(r.headers.get("error", "")[:40] for r in dead).most_common(12))
    )
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()


async def test_fifty_way_races_for_the_last_places_through_http_and_the_agency_topic(
    shared_stack: Stack, report: Report, earlier_ledgers: list[Ledger]
) -> None:
    started = time.monotonic()
    stack = shared_stack
    ledger = Ledger()
    limit, free, racers = 10, 5, 50
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare(cards=racers + limit, performances_per_venue=2, limit=limit, capacity=100)
        raced: dict[str, list[Use]] = {}
        for venue in world.venues:
            for performance in venue.performances:
                prefill = [client.new_use(venue, performance, c, "http", ACCEPTED) for c in cards[: limit - free]]
                for use in prefill:
                    await client.redeem_http(world, use)
                contenders = [
                    client.new_use(venue, performance, c, "http" if i % 2 else "agency", None)
                    for i, c in enumerate(cards[limit - free : limit - free + racers])
                ]
                client.random.shuffle(contenders)
                via_http = [u for u in contenders if u.via == "http"]
                via_agency = [u for u in contenders if u.via == "agency"]
                await asyncio.gather(
                    client.submit_agency(world, via_agency), *(client.redeem_http(world, u) for u in via_http)
                )
                raced[performance[0]] = prefill + contenders
                report.faults.append(
                    f"{performance[0]}: {len(via_http)} HTTP + {len(via_agency)} agency uses at once"
                    f" for the last {free} of {limit} places"
                )
    await Reconciler(stack.urls, stack.database_urls, stack.bootstrap).everything(
        ledger, report, earlier=earlier_ledgers
    )
    earlier_ledgers.append(ledger)
    for performance_id, uses in raced.items():
        answers = Counter(u.outcome for u in uses)
        winners = Counter(u.via for u in uses[limit - free :] if u.outcome == ACCEPTED)
        report.notes.append(f"{performance_id}: answers {dict(answers)}, race won via {dict(winners)}")
        if answers[ACCEPTED] != limit or answers["limit_reached"] != racers - free:
            report.differences.append(
                f"{performance_id}: expected {limit} accepted and {racers - free} limit_reached, got {dict(answers)}"
            )
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()


def poison_per_topic(
    client: Client, world: World, card: str
) -> dict[str, list[tuple[str, bytes, list[tuple[str, bytes]], str | None]]]:
    """Poison for each consumed topic: (what, value, headers, the answer the agency must get or None).

    Every message is keyed `POISON` (faultkit.reconcile.POISON_KEY). Headers that are not UTF-8 used to
    make FastStream drop the whole fetched batch, valid messages included; a non-ASCII `signature` made
    the agency consumer raise for ever; a valid event whose values a handler cannot cope with held the
    partition. Each is sent between the load's valid messages, which must all be applied exactly once.
    """
    not_utf8 = [("signature", b"\xff\xfe" * 32), ("event_type", b"\xc3\x28")]
    not_ascii = [("signature", "ä".encode() * 64)]
    venue = world.venues[0]
    template = client.new_use(venue, venue.performances[0], card, "agency", None)
    del client.ledger.uses[template.redemption_id]  # templates only: the ledger holds what must be applied
    nul = {  # valid by the contract, but PostgreSQL text cannot hold a NUL: stats' handler raises on it
        **client.submission(world, template),
        "redemption_id": unique("poison-use-"),
        "card_type": "personal",
        "region_id": venue.region_id,
        "performance_name": "Näytös\u0000",
        "starts_at": "2026-01-01T18:00:00Z",
        "kind": "ticket",
        "card_region_id": venue.region_id,
        "venue_category": venue.category,
    }
    overflow = {  # valid JSON, but its start in Helsinki time is past year 9999: decoding it raises OverflowError
        **client.submission(world, template),
        "redemption_id": unique("poison-use-"),
        "card_type": "personal",
        "region_id": venue.region_id,
        "performance_name": "Näytös",
        "starts_at": "9999-12-31T23:59:00-12:00",
        "kind": "ticket",
        "card_region_id": venue.region_id,
        "venue_category": venue.category,
    }
    big = b'{"padding": "' + b"x" * 1_500_000 + b'"}'

    def agency(**fields: Any) -> dict[str, Any]:
        use = client.new_use(venue, venue.performances[0], card, "agency", None)
        del client.ledger.uses[use.redemption_id]
        return {**client.submission(world, use), **fields}

    bad_header_use = agency()
    not_ascii_use = agency()
    identity_code = agency(performance_name="Ostaja 131052-308T")  # §11: never kept, never echoed
    signed = dict(client.signed(json.dumps(identity_code).encode()))
    identity_value = json.dumps(identity_code).encode()
    return {
        Topics.CARDS: [
            ("not JSON, headers not UTF-8", b"\x00\xff not json", not_utf8, None),
            ("oversized, a header not ASCII", big, not_ascii, None),
        ],
        Topics.REDEMPTIONS: [
            ("not JSON, headers not UTF-8", b"\x00\xff not json", not_utf8, None),
            ("a valid use the handler raises on (a NUL in a text)", json.dumps(nul).encode(), [], None),
            ("a use whose decoding raises (starts past year 9999)", json.dumps(overflow).encode(), [], None),
            ("oversized, a header not ASCII", big, not_ascii, None),
        ],
        Topics.AGENCY_REDEMPTIONS: [
            ("not JSON, headers not UTF-8", b"\x00\xff not json", not_utf8, None),
            ("oversized, a header not ASCII", big, not_ascii, None),
            (
                "a valid submission, its signature not UTF-8",
                json.dumps(bad_header_use).encode(),
                not_utf8,
                f"{bad_header_use['redemption_id']}:agency_not_authorised",
            ),
            (
                "a valid submission, its signature not ASCII",
                json.dumps(not_ascii_use).encode(),
                not_ascii,
                f"{not_ascii_use['redemption_id']}:agency_not_authorised",
            ),
            (
                "an identity code in a field (signed)",
                identity_value,
                [("signature", signed["signature"])],
                f"{identity_code['redemption_id']}:invalid_request",
            ),
        ],
    }


async def test_poison_on_every_consumed_topic_is_isolated(
    shared_stack: Stack, report: Report, earlier_ledgers: list[Ledger]
) -> None:
    """docs/contract.md "A message never stops a consumer": each poison is answered or dead-lettered alone,
    every valid message around it is applied exactly once (the reconciler), nothing keeps personal data."""
    started = time.monotonic()
    stack = shared_stack
    ledger = Ledger()
    answers: dict[str, str] = {}
    async with Client(stack.urls, stack.bootstrap, ledger) as client:
        world, cards = await client.prepare(cards=30, performances_per_venue=4)
        load = Load(client, world, cards, cards_per_s=4, http_uses_per_s=8, agency_uses_per_s=8)
        load.start()
        try:
            per_topic = poison_per_topic(client, world, cards[0])
            await asyncio.sleep(1.0)
            for topic, items in per_topic.items():
                for _what, value, headers, answer in items:
                    await client.send_raw(topic, [(POISON_KEY.encode(), value)], headers=headers)
                    if answer is None or answer.endswith("invalid_request"):
                        ledger.garbage[topic] += 1  # dead-lettered by each consumer of the topic
                    if answer is not None:
                        redemption_id, _, reason = answer.partition(":")
                        answers[redemption_id] = reason
                    await asyncio.sleep(0.05)
                report.faults.append(f"{topic}: " + ", ".join(what for what, _, _, _ in items))
            await asyncio.sleep(2.0)
        finally:
            await load.stop()

    reconciler = Reconciler(stack.urls, stack.database_urls, stack.bootstrap)
    await reconciler.everything(ledger, report, earlier=earlier_ledgers)
    whole = Ledger.merged([*earlier_ledgers, ledger])
    earlier_ledgers.append(ledger)

    async def answered() -> list[str]:
        got = {
            r.json()["redemption_id"]: r.json().get("reason")
            for r in await read_all(stack.bootstrap, Topics.REDEMPTION_OUTCOMES)
            if isinstance(r.json(), dict) and r.json().get("redemption_id") in answers
        }
        return [
            f"poison {rid}: answered {got.get(rid)!r}, not {want!r}"
            for rid, want in answers.items()
            if got.get(rid) != want
        ]

    async def dead_letters_complete() -> list[str]:
        counts = await reconciler.dead_letters(report)
        return [
            f"dead letters from {topic}: expected {CONSUMERS_OF[topic] * whole.garbage[topic]}, got {counts[topic]}"
            for topic in CONSUMERS_OF
            if counts[topic] != CONSUMERS_OF[topic] * whole.garbage[topic]
        ]

    report.differences += await converge(answered, timeout=30)
    report.differences += await converge(dead_letters_complete, timeout=30)
    dead = [r for r in await read_all(stack.bootstrap, Topics.DEAD_LETTER) if r.key == POISON_KEY]
    reasons = Counter(r.headers.get("error", "")[:40] for r in dead)
    for expected in ("handler failed: ", "undecodable: OverflowError"):
        if not any(e.startswith(expected) for e in reasons):
            report.differences.append(f"no dead letter `{expected}…`: {dict(reasons)}")
    for record in dead:
        if "131052" in (record.value or b"").decode(errors="replace") + json.dumps(record.headers):
            report.differences.append(f"dead letter at offset {record.offset} keeps an identity code")
        if record.value is not None and len(record.value) > 1_000_000:
            report.differences.append(f"dead letter at offset {record.offset} carries the oversized value")
    report.notes.append("poison reasons: " + json.dumps(reasons.most_common(12)))
    report.seconds = time.monotonic() - started
    assert not report.differences, report.render()
