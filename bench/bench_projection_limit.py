"""Stats projection apply rate vs its physical limit, on the same events in the same run.

Project: the stats service's consumer path (decode with the contract models, de-duplication in
`processed_events`, the stats handlers' set-based statements), as `kaiku-stats rebuild` and the live
service run it, batches of 500. Raw limit: one process, aiokafka `getmany` + `json.loads` + the same
kind of batched statements (the event-id claim, the fact upsert with `unnest`, the dirty-key insert)
in one transaction per batch, without pydantic or the runtime's consumer.

    .venv/bin/python -m bench.bench_projection_limit [events]      (default 200,000)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import defaultdict
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from kaiku_stats.service.rebuild import rebuild

from bench.bench_stats_projection import drop_database, fresh_database, generate, infrastructure, produce_stream

BATCH = 500

USE_FACT = """
INSERT INTO use_fact (redemption_id, card_code, card_type, venue_id, region_id, card_region_id, venue_category,
                      performance_id, performance_name, month, kind, adult_tickets, child_tickets, channel, cancelled)
SELECT t.*, EXISTS (SELECT 1 FROM use_cancellation x WHERE x.redemption_id = t.redemption_id)
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[])
     AS t(redemption_id, card_code, card_type, venue_id, region_id, card_region_id, venue_category,
          performance_id, performance_name, month, kind, adult_tickets, child_tickets, channel)
ON CONFLICT (redemption_id) DO NOTHING
"""
CARD_FACT = """
INSERT INTO card_fact (card_code, card_type, region_id, distributor_id, issued_on, valid_until, issue_month,
                       age_group, gender, mother_tongue_group, life_situation, postal_code_area)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::date[], $7::text[],
                     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
ON CONFLICT (card_code) DO NOTHING
"""


async def raw_apply(url: str, bootstrap: str, topics: tuple[str, str], total: int) -> float:
    from datetime import date

    conn = await asyncpg.connect(url)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen = 0
        started = time.perf_counter()

        async def flush(topic: str) -> None:
            events = pending.pop(topic, [])
            if not events:
                return
            async with conn.transaction():
                fresh = {
                    r["event_id"]
                    for r in await conn.fetch(
                        "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[])"
                        " ON CONFLICT DO NOTHING RETURNING event_id",
                        topic,
                        [uuid.UUID(e["event_id"]) for e in events],
                    )
                }
                events = [e for e in events if uuid.UUID(e["event_id"]) in fresh]
                uses = [e for e in events if e["event_type"] == "TicketRedeemed"]
                cards = [e for e in events if e["event_type"] == "CardIssued"]
                if uses:
                    await conn.execute(
                        USE_FACT,
                        *[
                            [e[f] for e in uses]
                            for f in (
                                "redemption_id",
                                "card_code",
                                "card_type",
                                "venue_id",
                                "region_id",
                                "card_region_id",
                                "venue_category",
                                "performance_id",
                                "performance_name",
                            )
                        ],
                        [e["starts_at"][:7] for e in uses],
                        [e["kind"] for e in uses],
                        [e["adult_tickets"] for e in uses],
                        [e["child_tickets"] for e in uses],
                        [e["channel"] for e in uses],
                    )
                if cards:
                    holders = [e.get("holder") or {} for e in cards]
                    await conn.execute(
                        CARD_FACT,
                        [e["card_code"] for e in cards],
                        [e["card_type"] for e in cards],
                        [e["region_id"] for e in cards],
                        [e["distributor_id"] for e in cards],
                        [date.fromisoformat(e["issued_on"]) for e in cards],
                        [date.fromisoformat(e["valid_until"]) for e in cards],
                        [e["issued_on"][:7] for e in cards],
                        [str(h.get("birth_year", ""))[:3] or None for h in holders],
                        [h.get("gender") for h in holders],
                        [h.get("mother_tongue") for h in holders],
                        [h.get("life_situation") for h in holders],
                        [str(h.get("postal_code", ""))[:2] or None for h in holders],
                    )
                keys = sorted(
                    {(e.get("region_id") or "", (e.get("starts_at") or e.get("issued_on") or "")[:7]) for e in events}
                )
                await conn.execute(
                    "INSERT INTO snapshot_dirty (region_id, period) SELECT * FROM unnest($1::text[], $2::text[])",
                    [k[0] for k in keys],
                    [k[1] for k in keys],
                )

        while seen < total:
            fetched = await consumer.getmany(timeout_ms=200, max_records=BATCH)
            for tp, records in fetched.items():
                pending[tp.topic].extend(json.loads(r.value) for r in records)
                seen += len(records)
            for topic in [t for t, events in pending.items() if len(events) >= BATCH or seen >= total]:
                await flush(topic)
        for topic in list(pending):
            await flush(topic)
        return total / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await conn.close()


async def main(events: int) -> None:
    stream = generate(events)
    total = len(stream.card_events) + len(stream.redemption_events)
    print(f"stats projection vs its raw limit: {total:,} events, batches of {BATCH}")
    async with infrastructure() as (bootstrap, server):
        topics = await produce_stream(bootstrap, stream)
        url = await fresh_database(server)
        try:
            result = await rebuild(url, bootstrap, topics=topics, batch_size=BATCH)
            project = result.records / result.seconds
            print(f"  stats consumer path (decode, processed_events, handlers): {project:10,.0f} events/s")
        finally:
            await drop_database(server, url)
        url = await fresh_database(server)
        try:
            raw = await raw_apply(url, bootstrap, topics, total)
            print(f"  raw getmany + json + the same batched upserts:           {raw:10,.0f} events/s")
        finally:
            await drop_database(server, url)
        print(f"  RATIO project / raw: {project / raw:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
