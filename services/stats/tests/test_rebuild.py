"""Rebuild equals live, row for row, after a random stream with duplicates and out-of-order partitions.

Live: the service's consumers (the runtime's BatchConsumer with the stats handlers) are fed the
records of two real topics in a random interleaving of their partitions (so uses often arrive
before their card), in random batch sizes, with whole batches delivered again (a crash before
the offset commit) and events produced twice (a relay re-publishing). Rebuild: `rebuild()` drops
the projections and replays the same topics from Kafka. Both must give the same tables and the
same figures for every scope and period, and those figures must match a plain-Python oracle.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from datetime import date
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.enums import RedemptionKind
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_contracts.topics import EVENT_TYPE_HEADER, TopicSpec
from kaiku_devkit.simulation import Stream, make_stream
from kaiku_devkit.testing import Databases
from kaiku_runtime.db import create_pool
from kaiku_runtime.topics import create_topics
from kaiku_stats.adapters.figures import Scope, distributor_scope, figures, national_scope, region_scope, venue_scope
from kaiku_stats.adapters.projections import PROJECTION_TABLES
from kaiku_stats.domain.periods import month_of_instant, months_of_year, period_range
from kaiku_stats.service.rebuild import SkippedDeadLetters, projection_consumers, rebuild

pytestmark = pytest.mark.connected

Records = list[ConsumerRecord[Any, Any]]


async def new_topics(bootstrap: str) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    names = (f"test.stats.cards.{tag}", f"test.stats.redemptions.{tag}")
    await create_topics(bootstrap, tuple(TopicSpec(n, 4, "card code") for n in names))
    return names


async def produce(bootstrap: str, topic: str, events: list[Event], rng: random.Random) -> None:
    """Send keyed by card code, a few events twice (as a relay may re-publish), one undecodable record."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        again: list[Event] = []
        for event in events:
            key = getattr(event, "card_code").encode()  # noqa: B009
            headers = [(EVENT_TYPE_HEADER, event.event_type.encode())]
            await producer.send(topic, value=event.to_json_bytes(), key=key, headers=headers)
            if rng.random() < 0.1:
                again.append(event)
        for event in again:
            key = getattr(event, "card_code").encode()  # noqa: B009
            await producer.send(topic, value=event.to_json_bytes(), key=key)
        await producer.send(topic, value=b"{not json", key=b"GARBAGE")
        await producer.flush()
    finally:
        await producer.stop()


async def read_partitions(bootstrap: str, topics: tuple[str, str]) -> dict[TopicPartition, Records]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        out: dict[TopicPartition, Records] = {tp: [] for tp in partitions}
        while any(len(out[tp]) < end[tp] for tp in partitions):
            for tp, records in (await consumer.getmany(timeout_ms=200)).items():
                out[tp].extend(records)
        return out
    finally:
        await consumer.stop()


def live_batches(rng: random.Random, partitions: dict[TopicPartition, Records], order: str) -> list[Records]:
    """Batches as consumers could see them: per partition in order, partitions interleaved at random."""
    queues = {tp: deque(records) for tp, records in partitions.items() if records}
    batches: list[Records] = []
    while queues:
        candidates = list(queues)
        if order == "redemptions_first":
            uses = [tp for tp in candidates if ".redemptions." in tp.topic]
            candidates = uses or candidates
        tp = rng.choice(candidates)
        batch: Records = []
        # one batch holds records of one topic, possibly of two of its partitions
        for part in {tp, rng.choice([p for p in queues if p.topic == tp.topic])}:
            for _ in range(rng.randint(1, 25)):
                if queues[part]:
                    batch.append(queues[part].popleft())
        batches.append(batch)
        for part in [p for p, q in queues.items() if not q]:
            del queues[part]
        if batches and rng.random() < 0.15:
            batches.append(list(rng.choice(batches)))  # delivered again: offset not committed before a crash
    return batches


def scopes_of(stream: Stream) -> dict[str, Scope]:
    scopes: dict[str, Scope] = {"national": national_scope()}
    for region in stream.regions:
        scopes[f"region {region}"] = region_scope(region)
    for distributor in stream.distributors:
        scopes[f"distributor {distributor}"] = distributor_scope(distributor)
        for branch in (f"{distributor}-B1", f"{distributor}-B2"):
            scopes[f"branch {branch}"] = distributor_scope(distributor, branch)
    for venue in stream.venues:
        scopes[f"venue {venue}"] = venue_scope(venue)
        scopes[f"performance {venue}-P1"] = venue_scope(venue, f"{venue}-P1")
    return scopes


async def dump(conn: asyncpg.Connection, stream: Stream, today: date) -> dict[str, Any]:
    """Every projection row and every figure of every scope and period."""
    out: dict[str, Any] = {}
    for table in PROJECTION_TABLES:
        # a flag's time and words depend on when it was first found; the finding itself (its id) may not
        columns = "flag_id, rule, region_id, card_code" if table == "flag" else "*"
        rows = await conn.fetch(f"SELECT {columns} FROM {table} ORDER BY 1")
        out[table] = [dict(r) for r in rows]
    out["processed_events"] = [
        tuple(r.values())
        for r in await conn.fetch("SELECT consumer, event_id FROM processed_events ORDER BY consumer, event_id")
    ]
    periods = [str(stream.year), *months_of_year(stream.year)]
    for name, scope in scopes_of(stream).items():
        for period in periods:
            out[f"{name} {period}"] = (await figures(conn, scope, period, today)).exact()
    return out


@pytest.mark.parametrize(("seed", "order"), [(1, "random"), (2, "redemptions_first"), (3, "random")])
async def test_rebuild_equals_live_row_for_row(
    kafka_bootstrap: str, databases: Databases, seed: int, order: str
) -> None:
    rng = random.Random(seed)
    stream = make_stream(seed)
    cards_topic, redemptions_topic = await new_topics(kafka_bootstrap)
    await produce(kafka_bootstrap, cards_topic, stream.card_events, rng)
    await produce(kafka_bootstrap, redemptions_topic, stream.redemption_events, rng)
    batches = live_batches(rng, await read_partitions(kafka_bootstrap, (cards_topic, redemptions_topic)), order)

    url = databases.new("stats")
    today = helsinki_today()
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        consumers = projection_consumers(
            pool, SkippedDeadLetters(), cards_topic=cards_topic, redemptions_topic=redemptions_topic
        )
        for batch in batches:
            await consumers[batch[0].topic].apply(batch)
        async with pool.acquire() as conn:
            live = await dump(conn, stream, today)
    finally:
        await pool.close()

    result = await rebuild(url, kafka_bootstrap, topics=(cards_topic, redemptions_topic), batch_size=37)
    assert result.undecodable == 2  # the garbage record of each topic, skipped again

    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            rebuilt = await dump(conn, stream, today)
    finally:
        await pool.close()

    assert live.keys() == rebuilt.keys()
    for key in live:
        assert live[key] == rebuilt[key], key

    # every event applied exactly once, however often it was produced or delivered
    assert len(live["processed_events"]) == len(stream.card_events) + len(stream.redemption_events)
    assert len(live["use_fact"]) == len(stream.uses)
    assert sum(1 for row in live["use_fact"] if row["cancelled"]) == len(stream.cancellations)

    # and the figures are the right ones (a plain-Python oracle over the generated events)
    for region in stream.regions:
        for period in [str(stream.year), f"{stream.year}-03", f"{stream.year}-11"]:
            got = live[f"region {region} {period}"]
            want = expected_region_figures(stream, region, period)
            assert {k: got[k] for k in want} == want, (region, period)
            last_day = period_range(period).last_day
            assert got["cards_active"] == expected_cards_active(stream, region, last_day)
    national = live[f"national {stream.year}"]
    assert national["redemptions"] == sum(live[f"region {r} {stream.year}"]["redemptions"] for r in stream.regions)
    assert national["cards_issued"] == len(stream.cards)
    personal = sum(1 for c in stream.cards if c.holder is not None)
    assert sum(national["holders_by_gender"].values()) == personal
    assert sum(national["holders_by_age_group"].values()) == personal


def expected_region_figures(stream: Stream, region: str, period: str) -> dict[str, Any]:
    """An independent oracle (plain Python over the generated events) for a region's main figures."""
    first, last = (f"{period}-01", f"{period}-12") if len(period) == 4 else (period, period)
    cancelled = {c.redemption_id for c in stream.cancellations}
    card_region = {c.card_code: c.region_id for c in stream.cards}

    def month_of(u: TicketRedeemed) -> str:
        return month_of_instant(u.starts_at)

    live = [u for u in stream.uses if u.redemption_id not in cancelled and first <= month_of(u) <= last]
    at_venues = [u for u in live if u.region_id == region]
    tickets = [u for u in at_venues if u.kind is RedemptionKind.TICKET]
    return {
        "cards_issued": sum(
            1 for c in stream.cards if c.region_id == region and first <= c.issued_on.strftime("%Y-%m") <= last
        ),
        "redemptions": len(at_venues),
        "adult_tickets": sum(u.adult_tickets for u in tickets),
        "child_tickets": sum(u.child_tickets for u in tickets),
        "course_places": sum(1 for u in at_venues if u.kind is RedemptionKind.COURSE_PLACE),
        "distinct_cards_used": len({u.card_code for u in live if card_region[u.card_code] == region}),
        "uses_of_cards_from_other_regions": sum(1 for u in at_venues if card_region[u.card_code] != region),
    }


def expected_cards_active(stream: Stream, region: str | None, day: date) -> int:
    revoked = {r.card_code: r.revoked_on for r in stream.revocations}
    return sum(
        1
        for c in stream.cards
        if (region is None or c.region_id == region)
        and c.issued_on <= day <= c.valid_until
        and not (c.card_code in revoked and revoked[c.card_code] <= day)
    )
