"""Stats projection speed: events applied per second, and how long the reads and a publish round take.

Produces a generated stream (cards, revocations, uses, cancellations of one year; ~15 % card
events) to fresh topics on its own broker (embedded Tansu, or KAIKU_KAFKA_BOOTSTRAP), then:

1. apply only: the service's consumers (decode, de-duplication by event_id, set-based apply) on
   pre-fetched batches of 500 records (the service's `consumer_max_records`), one transaction each;
2. consume + apply: the same through a Kafka consumer, batches of 500, as the live service runs;
3. the figures HTTP answers and the snapshot publisher compute (national and regional, year and month);
4. one publish round after the stream (every marked key).

    .venv/bin/python bench/bench_stats_projection.py [events]      (default 200,000; medians of 3)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.topics import EVENT_TYPE_HEADER, TopicSpec
from kaiku_devkit.infra import free_port, resolve_postgres, start_tansu
from kaiku_devkit.simulation import Stream, make_stream
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, with_database
from kaiku_runtime.topics import create_topics
from kaiku_stats.adapters.figures import figures, national_scope, region_scope
from kaiku_stats.app import MIGRATIONS
from kaiku_stats.service.publishing import publish_round
from kaiku_stats.service.rebuild import SkippedDeadLetters, projection_consumers, rebuild

Records = list[ConsumerRecord[Any, Any]]


@asynccontextmanager
async def infrastructure() -> AsyncIterator[tuple[str, str]]:
    """(Kafka bootstrap, PostgreSQL server URL): the environment's, else an embedded broker and the local server."""
    workdir = Path(tempfile.mkdtemp(prefix="kaiku-bench-"))
    tansu = None
    bootstrap = os.environ.get("KAIKU_KAFKA_BOOTSTRAP")
    if not bootstrap:
        tansu = start_tansu(free_port(), workdir / "tansu.log")
        bootstrap = tansu.bootstrap
    server = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
    try:
        yield bootstrap, server.url
    finally:
        if tansu is not None:
            tansu.stop()
        server.stop()


async def fresh_database(server_url: str) -> str:
    url = with_database(server_url, f"kaiku_bench_stats_{uuid.uuid4().hex[:8]}")
    await ensure_database(url)
    await asyncio.to_thread(apply_migrations, url, MIGRATIONS)
    return url


async def drop_database(server_url: str, url: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


def generate(events: int) -> Stream:
    """A year's stream of about `events` events: cards 15 %, uses 85 % (plus revocations, cancellations)."""
    cards = max(10, int(events * 0.135))
    uses = max(10, int(events * 0.78))
    return make_stream(seed=7, cards=cards, uses=uses)


async def produce_stream(bootstrap: str, stream: Stream, tag: str | None = None) -> tuple[str, str]:
    """Produce to `bench.stats.{cards,redemptions}.<tag>` (created here unless they exist)."""
    tag = tag or uuid.uuid4().hex[:8]
    topics = (f"bench.stats.cards.{tag}", f"bench.stats.redemptions.{tag}")
    await create_topics(bootstrap, tuple(TopicSpec(t, 4, "card code") for t in topics))
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1 << 20, max_request_size=4 << 20
    )
    await producer.start()
    try:
        for topic, events in zip(topics, (stream.card_events, stream.redemption_events), strict=True):
            for i, event in enumerate(events):
                key = getattr(event, "card_code").encode()  # noqa: B009
                await producer.send(
                    topic, event.to_json_bytes(), key=key, headers=[(EVENT_TYPE_HEADER, event.event_type.encode())]
                )
                if i % 20000 == 0:
                    await producer.flush()
        await producer.flush()
    finally:
        await producer.stop()
    return topics


async def fetch_batches(bootstrap: str, topics: tuple[str, str], total: int, size: int = 500) -> list[Records]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        batches: list[Records] = []
        seen = 0
        while seen < total:
            # like the service's batch subscriber: up to `size` records of one topic, across its partitions
            fetched = await consumer.getmany(timeout_ms=500, max_records=size)
            for topic in topics:
                batch = [r for tp, records in fetched.items() if tp.topic == topic for r in records]
                if batch:
                    batches.append(batch)
                    seen += len(batch)
        return batches
    finally:
        await consumer.stop()


async def apply_only(url: str, topics: tuple[str, str], batches: list[Records]) -> float:
    pool = await create_pool(url, min_size=1, max_size=2)
    try:
        consumers = projection_consumers(pool, SkippedDeadLetters(), cards_topic=topics[0], redemptions_topic=topics[1])
        started = time.perf_counter()
        for batch in batches:
            await consumers[batch[0].topic].apply(batch)
        return time.perf_counter() - started
    finally:
        await pool.close()


async def timed(label: str, fn: Any, repeat: int = 5) -> tuple[str, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - started)
    return label, statistics.median(times)


async def reads(url: str, stream: Stream) -> list[tuple[str, float]]:
    pool = await create_pool(url, min_size=1, max_size=2)
    today = helsinki_today()
    year = str(stream.year)
    region = stream.regions[0]
    out = []
    try:
        async with pool.acquire() as conn:
            for label, scope, period in [
                ("national, year", national_scope(), year),
                ("national, month", national_scope(), f"{year}-06"),
                ("region, year", region_scope(region), year),
                ("region, month", region_scope(region), f"{year}-06"),
            ]:

                async def read(scope: Any = scope, period: str = period) -> None:
                    await figures(conn, scope, period, today)

                out.append(await timed(f"figures of a scope ({label})", read))
    finally:
        await pool.close()
    return out


async def publish_after_stream(url: str, bootstrap: str) -> tuple[int, float]:
    pool = await create_pool(url, min_size=1, max_size=2)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        started = time.perf_counter()
        published = await publish_round(pool, producer, 5, helsinki_today())
        return published, time.perf_counter() - started
    finally:
        await producer.stop()
        await pool.close()


async def main(events: int) -> None:
    stream = generate(events)
    total = len(stream.card_events) + len(stream.redemption_events)
    print(f"stats projection benchmark: {total:,} events ({len(stream.cards):,} cards, {len(stream.uses):,} uses)")
    async with infrastructure() as (bootstrap, server):
        started = time.perf_counter()
        topics = await produce_stream(bootstrap, stream)
        print(f"  produced in {time.perf_counter() - started:.1f} s")
        batches = await fetch_batches(bootstrap, topics, total)
        apply_rates, consume_rates = [], []
        url = ""
        for _ in range(3):
            url = await fresh_database(server)
            seconds = await apply_only(url, topics, batches)
            apply_rates.append(total / seconds)
            await drop_database(server, url)
            url = await fresh_database(server)
            result = await rebuild(url, bootstrap, topics=topics, batch_size=500)
            consume_rates.append(result.records / result.seconds)
            # keep the last database for the reads
            if len(consume_rates) < 3:
                await drop_database(server, url)
        print(f"  apply only (batches of 500, one transaction each):  {statistics.median(apply_rates):10,.0f} events/s")
        print(
            f"  consume from Kafka + apply (batches of 500):        {statistics.median(consume_rates):10,.0f} events/s"
        )
        for label, seconds in await reads(url, stream):
            print(f"  {label:<52} {seconds * 1000:8.1f} ms (median of 5)")
        published, seconds = await publish_after_stream(url, bootstrap)
        print(f"  publish round after the stream: {published} snapshots in {seconds:.2f} s")
        await drop_database(server, url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
