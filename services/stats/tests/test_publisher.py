"""The snapshot publisher sends each marked key once per round, suppressed, and forgets only what it sent."""

from __future__ import annotations

from collections import Counter

import pytest
from aiokafka import AIOKafkaProducer
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.topics import Topics
from kaiku_devkit.simulation import make_stream
from kaiku_devkit.testing import Databases, read_topic
from kaiku_runtime.consumer import Delivered
from kaiku_runtime.db import create_pool
from kaiku_stats.adapters.snapshots import mark_dirty
from kaiku_stats.service.projection import apply_card_events, apply_redemption_events
from kaiku_stats.service.publishing import publish_round

pytestmark = pytest.mark.connected


async def test_one_snapshot_per_key_per_round_however_often_it_changed(
    kafka_bootstrap: str, databases: Databases
) -> None:
    stream = make_stream(11, cards=40, uses=120)
    pool = await create_pool(databases.new("stats"), min_size=1, max_size=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        async with pool.acquire() as conn:
            # many small batches: the same keys are marked again and again
            for i in range(0, len(stream.card_events), 7):
                async with conn.transaction():
                    await apply_card_events(conn, [Delivered(e, None) for e in stream.card_events[i : i + 7]])  # type: ignore[arg-type]
            for i in range(0, len(stream.redemption_events), 9):
                async with conn.transaction():
                    batch = stream.redemption_events[i : i + 9]
                    await apply_redemption_events(conn, [Delivered(e, None) for e in batch])  # type: ignore[arg-type]
            marks = await conn.fetchval("SELECT count(*) FROM snapshot_dirty")
            keys = await conn.fetchval("SELECT count(*) FROM (SELECT DISTINCT region_id, period FROM snapshot_dirty) k")
        assert marks > keys

        published = await publish_round(pool, producer, 5, helsinki_today())
        assert published == keys
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM snapshot_dirty") == 0
        assert await publish_round(pool, producer, 5, helsinki_today()) == 0  # nothing changed, nothing sent

        ours = {f"{region}:{stream.year}" for region in stream.regions}
        records = await read_topic(
            kafka_bootstrap, Topics.STATS_REGIONAL, until=lambda rs: ours <= {r["key"] for r in rs}
        )
        per_key = Counter(r["key"] for r in records if r["key"].split(":")[0] in stream.regions)
        assert set(per_key.values()) == {1}
        snapshot = next(r["value"] for r in records if r["key"] in ours)
        assert all(v is None or v == 0 or v >= 5 for v in snapshot["holders_by_gender"].values())
        assert snapshot["uses_of_cards_from_other_regions"] is not None

        # a key that changes again goes out again in the next round
        async with pool.acquire() as conn:
            await mark_dirty(conn, [(stream.regions[0], str(stream.year))])
        assert await publish_round(pool, producer, 5, helsinki_today()) == 1
    finally:
        await producer.stop()
        await pool.close()
