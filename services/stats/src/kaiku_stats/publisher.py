"""Snapshot publisher: the latest figures per `{region_id}:{period}` and per period, at most ~1/s per key.

The apply transactions mark changed keys in `snapshot_dirty`. Once a round (every
`stats_publish_interval_seconds`), the publisher reads the committed marks, computes each marked
key's current figures, sends them with the service's producer and, after the broker has
acknowledged them, deletes exactly the marks it read. A key is therefore published at most once a round.

Why produce directly and not through the outbox: a snapshot stream carries the latest value per
key (compacted topics), and every snapshot is computed from the committed projection at send time.
A crash between the send and the delete only re-sends the same latest figures; a crash before the
send keeps the marks, so the figures go out on the next round. Ordering between rounds holds
because one publisher sends each key's snapshots one round after another.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

import asyncpg
from aiokafka import AIOKafkaProducer
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated
from kaiku_contracts.topics import ALL_TOPICS, EVENT_TYPE_HEADER, Topics
from kaiku_runtime.infra import create_topics
from kaiku_runtime.logging import get_logger
from kaiku_runtime.service import KaikuService

from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import Figures
from kaiku_stats.domain.periods import periods_of_day
from kaiku_stats.handlers import mark_dirty
from kaiku_stats.queries import figures, national_scope, region_scope, regions_with_facts
from kaiku_stats.settings import StatsSettings

log = get_logger(__name__)
MAX_MARKS = 50_000
"""Marks taken in one round; more wait for the next round."""
SNAPSHOT_TOPICS = tuple(spec for spec in ALL_TOPICS if spec.name in (Topics.STATS_REGIONAL, Topics.STATS_NATIONAL))


def snapshot_event(region_id: str, result: Figures, k: int) -> RegionalStatsUpdated | NationalStatsUpdated:
    """The published (suppressed) snapshot of a key."""
    body = result.published(k)
    body.pop("suppressed")
    body.pop("suppression_threshold")
    if region_id == NATIONAL:
        return NationalStatsUpdated.model_validate(body)
    return RegionalStatsUpdated.model_validate({**body, "region_id": region_id})


def snapshot_key(region_id: str, period: str) -> str:
    return period if region_id == NATIONAL else f"{region_id}:{period}"


async def publish_round(pool: asyncpg.Pool, producer: AIOKafkaProducer, k: int, today: date) -> int:
    """Publish every marked key once; returns how many snapshots went out."""
    async with pool.acquire() as conn:
        marks = await conn.fetch("SELECT id, region_id, period FROM snapshot_dirty ORDER BY id LIMIT $1", MAX_MARKS)
        if not marks:
            return 0
        # months first: they cost a fraction of a year's figures and are what a live dashboard watches
        keys = sorted({(m["region_id"], m["period"]) for m in marks}, key=lambda key: (-len(key[1]), key))
        futures = []
        for region_id, period in keys:
            scope = national_scope() if region_id == NATIONAL else region_scope(region_id)
            event = snapshot_event(region_id, await figures(conn, scope, period, today), k)
            topic = Topics.STATS_NATIONAL if region_id == NATIONAL else Topics.STATS_REGIONAL
            futures.append(
                await producer.send(
                    topic,
                    value=event.to_json_bytes(),
                    key=snapshot_key(region_id, period).encode(),
                    headers=[(EVENT_TYPE_HEADER, event.event_type.encode())],
                )
            )
        await asyncio.gather(*futures)
        # Only the marks read: a mark whose transaction commits meanwhile (even with a lower id) stays.
        await conn.execute("DELETE FROM snapshot_dirty WHERE id = ANY($1::bigint[])", [m["id"] for m in marks])
    return len(keys)


async def mark_current_periods(pool: asyncpg.Pool, today: date) -> None:
    """`cards_active` of the current periods changes with the date alone (cards expire): republish daily."""
    async with pool.acquire() as conn, conn.transaction():
        regions = [NATIONAL, *await regions_with_facts(conn)]
        await mark_dirty(conn, [(r, p) for r in regions for p in periods_of_day(today)])


async def run_publisher(service: KaikuService) -> None:
    settings = StatsSettings()
    k = settings.stats_suppression_k
    try:
        await create_topics(settings.kafka_bootstrap, SNAPSHOT_TOPICS)  # compacted (cleanup.policy=compact)
    except Exception as exc:
        log.warning("snapshot_topics_not_created", error=type(exc).__name__)
    last_day: date | None = None
    interval = settings.stats_publish_interval_seconds
    next_round = time.monotonic()
    while True:
        # rounds start `interval` apart (not `interval` after the previous round's work ended), so a key's
        # snapshots keep about one interval between them and a use waits at most one interval for its round
        next_round = max(next_round + interval, time.monotonic())
        await asyncio.sleep(next_round - time.monotonic())
        try:
            today = helsinki_today()
            if today != last_day:
                await mark_current_periods(service.pool, today)
                last_day = today
            published = await publish_round(service.pool, service.producer, k, today)
            if published:
                log.info("snapshots_published", count=published)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the marks stay; the next round tries again
            log.warning("snapshot_publish_failed", error=type(exc).__name__)
