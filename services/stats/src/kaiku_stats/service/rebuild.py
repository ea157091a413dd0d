"""Rebuild: drop the projections and replay `kaiku.cards.v1` and `kaiku.redemptions.v1` from the beginning.

Reads with a raw aiokafka consumer (no group, nothing committed) up to the end offsets seen at the
start, and applies every batch through the SAME consumer path as the live service (decode,
positions in `consumer_positions`, de-duplication by event_id in `processed_events`, the same handlers).
Run it while the service is stopped (docs/stats.md "Rebuild"); when the service starts again, its
consumer groups resume from their committed offsets and every event the rebuild already applied is
skipped, being below the position the rebuild stored.

Speed (bench/RESULTS.md, 2026-11-30): each partition is a lane whose batches are applied in order while
other lanes' batches run on other connections, so decoding (this process's CPU) overlaps the statements
(PostgreSQL's CPU) instead of taking turns with them; batches of 5,000; commits without waiting for the
WAL flush, then one flush at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.topics import Topics
from kaiku_runtime.consumer import BatchConsumer, DeadLetters, Refused
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database
from kaiku_runtime.logging import get_logger

from kaiku_stats.adapters.projections import drop_projections, flush_commits
from kaiku_stats.app import MIGRATIONS
from kaiku_stats.service.projection import PROJECTION_CONSUMERS, PROJECTION_SPECS

log = get_logger(__name__)
REBUILD_BATCH = 5000
"""Events per transaction of a rebuild (bench/RESULTS.md: larger gained nothing, smaller cost time)."""
MAX_IDLE_POLLS = 10
"""Polls (of up to 200 ms) without a record after which a partition whose end is unknown counts as read."""

Progress = Callable[[int, "int | None"], None]
"""Told after every poll: events applied so far, and of how many (None until every partition's end is known)."""


class SkippedDeadLetters(DeadLetters):
    """The live consumer already dead-lettered these records once: a replay only counts them."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, refused: list[Refused]) -> None:
        self.count += len(refused)


@dataclass(frozen=True, slots=True)
class RebuildResult:
    records: int
    undecodable: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


def projection_consumers(
    pool: asyncpg.Pool, dead_letters: DeadLetters, *, cards_topic: str, redemptions_topic: str
) -> dict[str, BatchConsumer[Any]]:
    """The live service's two consumers, pointed at `pool` (the rebuild and the benchmark use them)."""
    topics = {Topics.CARDS: cards_topic, Topics.REDEMPTIONS: redemptions_topic}
    return {
        topics[spec.topic]: BatchConsumer(
            name=spec.name,
            topic=topics[spec.topic],
            adapter=spec.adapter,
            handler=spec.handler,
            pool_getter=lambda: pool,
            dead_letters_getter=lambda: dead_letters,
        )
        for spec in PROJECTION_SPECS
    }


async def replay(
    pool: asyncpg.Pool,
    bootstrap: str,
    *,
    topics: Sequence[str] = (Topics.CARDS, Topics.REDEMPTIONS),
    batch_size: int = REBUILD_BATCH,
    progress: Progress | None = None,
) -> RebuildResult:
    started = time.perf_counter()
    dead_letters = SkippedDeadLetters()
    cards_topic, redemptions_topic = topics
    consumers = projection_consumers(pool, dead_letters, cards_topic=cards_topic, redemptions_topic=redemptions_topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    records_seen = 0
    fetched_count = 0  # for the progress report: events fetched, and applied (their batch committed)
    applied = 0
    try:
        partitions: list[TopicPartition] = []
        for topic in topics:
            found = consumer.partitions_for_topic(topic)
            if not found:
                await consumer._client.force_metadata_update()
                found = consumer.partitions_for_topic(topic) or set()
            partitions += [TopicPartition(topic, p) for p in sorted(found)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        # The end of each partition is its high watermark as the fetch responses report it
        # (the local broker answers ListOffsets wrongly, so `end_offsets` is not used).
        idle_polls = 0
        pending: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = defaultdict(list)
        # One lane per partition: a partition's batches are applied one after the other, in order,
        # while other partitions' batches run at the same time on other connections, as the live
        # service's instances of one consumer group do. Everything one event's apply reads or writes is
        # keyed by what the partition key determines (a card's facts by its code; a use and its
        # cancellation carry the same card code), so lanes never touch the same rows. Decoding one
        # batch (CPU in this process) thus overlaps the statements of another (CPU in PostgreSQL).
        lanes: dict[TopicPartition, asyncio.Task[None]] = {}

        async def apply(records: list[ConsumerRecord[Any, Any]]) -> None:
            nonlocal applied
            await consumers[records[0].topic].apply(records)
            applied += len(records)

        async def flush(tp: TopicPartition) -> int:
            records = pending.pop(tp, [])
            if records:
                previous = lanes.get(tp)
                if previous is not None:
                    await previous
                lanes[tp] = asyncio.create_task(apply(records))
            return len(records)

        try:
            while idle_polls < MAX_IDLE_POLLS:
                fetched = await consumer.getmany(*partitions, timeout_ms=200, max_records=batch_size)
                for tp, records in fetched.items():
                    pending[tp].extend(records)
                    fetched_count += len(records)
                # a fetch brings a few records per partition: gather full batches, so few transactions
                for tp in [tp for tp, records in pending.items() if len(records) >= batch_size]:
                    records_seen += await flush(tp)
                for tp, lane in list(lanes.items()):
                    if lane.done():
                        del lanes[tp]
                        lane.result()  # a failed batch stops the rebuild
                idle_polls = 0 if fetched else idle_polls + 1
                caught_up = True
                unread: int | None = 0
                for tp in partitions:
                    highwater = consumer.highwater(tp)
                    if highwater is None:
                        caught_up = False
                        unread = None
                        continue
                    position = await consumer.position(tp)
                    if position < highwater:
                        caught_up = False
                    if unread is not None:
                        unread += max(highwater - position, 0)
                if progress is not None:
                    progress(applied, None if unread is None else fetched_count + unread)
                if caught_up or not fetched:
                    for tp in list(pending):
                        records_seen += await flush(tp)
                if caught_up:
                    break
            await asyncio.gather(*lanes.values())
            if progress is not None:
                progress(applied, applied)
        finally:
            for lane in lanes.values():
                lane.cancel()
            await asyncio.gather(*lanes.values(), return_exceptions=True)
    finally:
        await consumer.stop()
    return RebuildResult(records_seen, dead_letters.count, time.perf_counter() - started)


async def rebuild(
    database_url: str,
    bootstrap: str,
    *,
    topics: Sequence[str] = (Topics.CARDS, Topics.REDEMPTIONS),
    batch_size: int = REBUILD_BATCH,
    progress: Progress | None = None,
) -> RebuildResult:
    """Drop the projections and replay `topics` (cards topic, redemptions topic) into `database_url`;
    `progress` is told how far the replay is (the CLI's display)."""
    await ensure_database(database_url)
    await asyncio.to_thread(apply_migrations, database_url, MIGRATIONS)
    # The replay's commits do not wait for their WAL flush (a crash mid-rebuild loses at most the
    # last batches, and the rebuild is run again); the final flush below waits for all of them
    # before the rebuild reports success, so the live service never resumes past a lost batch.
    pool = await create_pool(database_url, min_size=1, max_size=4, server_settings={"synchronous_commit": "off"})
    try:
        async with pool.acquire() as conn:
            await drop_projections(conn, PROJECTION_CONSUMERS)
        result = await replay(pool, bootstrap, topics=topics, batch_size=batch_size, progress=progress)
        async with pool.acquire() as conn:
            await flush_commits(conn)
    finally:
        await pool.close()
    log.info("projections_rebuilt", records=result.records, seconds=round(result.seconds, 2))
    return result
