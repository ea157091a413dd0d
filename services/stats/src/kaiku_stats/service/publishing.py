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

Holder breakdowns are protected per year over all the year's tables together (docs/stats.md
"Disclosure control"), so a card issued in March can change what is hidden in January. The
publisher keeps what it last sent of every key's breakdowns (`snapshot_holders`) and sends again,
in the same round, every key whose protected breakdowns changed: the latest snapshots on the
topics are then always one protected publication.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

import asyncpg
from aiokafka import AIOKafkaProducer
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.flags import FlagRaised, FlagRule
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated
from kaiku_contracts.topics import ALL_TOPICS, EVENT_TYPE_HEADER, Topics
from kaiku_runtime.leadership import one_at_a_time
from kaiku_runtime.logging import get_logger
from kaiku_runtime.topics import create_topics

from kaiku_stats.adapters import snapshots
from kaiku_stats.adapters.figures import figures, published_scope, regions_with_facts
from kaiku_stats.adapters.flags import mark_published, unpublished_flags
from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import Figures
from kaiku_stats.domain.periods import periods_of_day
from kaiku_stats.domain.publication import ProtectedYear, PublishedHolders
from kaiku_stats.service.protection import protected_year
from kaiku_stats.settings import StatsSettings

log = get_logger(__name__)
PUBLISHER_LOCK_ID = 0x6B61696B7573  # "kaikus": the snapshot publisher, one replica at a time
MAX_MARKS = 50_000
"""Marks taken in one round; more wait for the next round."""
PUBLISHED_TOPICS = tuple(
    spec for spec in ALL_TOPICS if spec.name in (Topics.STATS_REGIONAL, Topics.STATS_NATIONAL, Topics.FLAGS)
)


def snapshot_event(
    region_id: str, result: Figures, holders: PublishedHolders, k: int
) -> RegionalStatsUpdated | NationalStatsUpdated:
    """The published snapshot of a key: exact counts, holder breakdowns as protected for the whole year."""
    body = result.published(holders, k)
    body.pop("suppressed")
    body.pop("suppression_threshold")
    if region_id == NATIONAL:
        return NationalStatsUpdated.model_validate(body)
    return RegionalStatsUpdated.model_validate({**body, "region_id": region_id})


def snapshot_key(region_id: str, period: str) -> str:
    return period if region_id == NATIONAL else f"{region_id}:{period}"


async def _stale_keys(
    conn: asyncpg.Connection, protected: dict[int, ProtectedYear], marked: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Keys sent before whose holder breakdowns the year's protection now hides differently: sent again, so
    that the latest snapshots on the topics are always one protected publication (docs/stats.md)."""
    stale = set()
    for region_id, period, holders in await snapshots.sent_holders(conn, protected):
        key = (region_id, period)
        if key not in marked and holders != protected[int(period[:4])].holders(*key):
            stale.add(key)
    return stale


async def publish_round(pool: asyncpg.Pool, producer: AIOKafkaProducer, k: int, today: date) -> int:
    """Publish every marked key once (and every key whose protected breakdowns changed); returns how many went out."""
    async with pool.acquire() as conn:
        marks = await snapshots.oldest_marks(conn, MAX_MARKS)
        if not marks:
            return 0
        marked = {(region_id, period) for _, region_id, period in marks}
        events: list[tuple[str, str, PublishedHolders, RegionalStatsUpdated | NationalStatsUpdated]] = []
        # one snapshot of the projection: the counts and the protected breakdowns of a round agree
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            # the protection is computed once per year, for all its tables together (domain/protection.py)
            years = sorted({int(p[:4]) for _, p in marked})
            protected = {year: await protected_year(conn, year, k) for year in years}
            # months first: they cost a fraction of a year's figures and are what a live dashboard watches
            keys = sorted(marked | await _stale_keys(conn, protected, marked), key=lambda key: (-len(key[1]), key))
            for region_id, period in keys:
                holders = protected[int(period[:4])].holders(region_id, period)
                result = await figures(conn, published_scope(region_id), period, today)
                events.append((region_id, period, holders, snapshot_event(region_id, result, holders, k)))
        futures = []
        for region_id, period, _, event in events:
            topic = Topics.STATS_NATIONAL if region_id == NATIONAL else Topics.STATS_REGIONAL
            futures.append(
                await producer.send(
                    topic,
                    value=event.to_json_bytes(),
                    key=snapshot_key(region_id, period).encode(),
                    headers=[(EVENT_TYPE_HEADER, event.event_type.encode())],
                )
            )
        sent = [(region_id, period, holders) for region_id, period, holders, _ in events]
        await asyncio.gather(*futures)
        async with conn.transaction():
            await snapshots.save_sent_holders(conn, sent)
            # Only the marks read: a mark whose transaction commits meanwhile (even with a lower id) stays.
            await snapshots.delete_marks(conn, [mark_id for mark_id, _, _ in marks])
    return len(keys)


FLAGS_PER_ROUND = 500


async def publish_flags(pool: asyncpg.Pool, producer: AIOKafkaProducer) -> int:
    """Send the flags raised since the last round as `FlagRaised` on kaiku.flags.v1 (keyed by region), then
    mark them sent. A crash between the two sends them again: the flag_id says it is the same finding."""
    async with pool.acquire() as conn:
        rows = await unpublished_flags(conn, FLAGS_PER_ROUND)
        if not rows:
            return 0
        futures = []
        for row in rows:
            event = FlagRaised(
                flag_id=row["flag_id"],
                rule=FlagRule(row["rule"]),
                region_id=row["region_id"],
                card_code=row["card_code"],
                redemption_ids=list(row["redemption_ids"]),
                detail=row["detail"],
            )
            futures.append(
                await producer.send(
                    Topics.FLAGS,
                    value=event.to_json_bytes(),
                    key=row["region_id"].encode(),
                    headers=[(EVENT_TYPE_HEADER, event.event_type.encode())],
                )
            )
        await asyncio.gather(*futures)
        await mark_published(conn, [row["flag_id"] for row in rows])
    return len(rows)


async def mark_current_periods(pool: asyncpg.Pool, today: date) -> None:
    """`cards_active` of the current periods changes with the date alone (cards expire): republish daily."""
    async with pool.acquire() as conn, conn.transaction():
        regions = [NATIONAL, *await regions_with_facts(conn)]
        await snapshots.mark_dirty(conn, [(r, p) for r in regions for p in periods_of_day(today)])


async def run_publisher(pool: asyncpg.Pool, producer: AIOKafkaProducer, settings: StatsSettings) -> None:
    """Publish rounds forever (the service's background task: entrypoints/kafka.py)."""
    k = settings.stats_suppression_k
    try:
        # the snapshot topics compacted (cleanup.policy=compact), the flags kept as they come
        await create_topics(settings.kafka_bootstrap, PUBLISHED_TOPICS)
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
            # two replicas of stats on one database: one publishes a round, the other skips it; when the
            # publishing one dies its lock ends with its connection and the other takes the next round
            async with one_at_a_time(pool, PUBLISHER_LOCK_ID) as publishing:
                if not publishing:
                    continue
                today = helsinki_today()
                if today != last_day:
                    await mark_current_periods(pool, today)
                    last_day = today
                published = await publish_round(pool, producer, k, today)
                if published:
                    log.info("snapshots_published", count=published)
                flags = await publish_flags(pool, producer)
                if flags:
                    log.info("flags_published", count=flags)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the marks stay; the next round tries again
            log.warning("snapshot_publish_failed", error=type(exc).__name__)
