"""Agency topic ingest: submissions judged and answered (outcomes published) per second, vs raw consume + produce.

Project: usage's agency consumer (decode, same rules as HTTP under the performance's row lock, the use
and its outcome in one transaction, the outcome published by the outbox relay). Raw: aiokafka reads
the same submissions and produces one outcome each, batched, with no decoding, rules or database.

    .venv/bin/python -m bench.bench_agency [submissions]
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth
from kaiku_usage.domain.signatures import SIGNATURE_HEADER, sign

from bench._infra import bench_stack
from bench.bench_usage_http import pair_source, setup, uid

AGENCY_KEY = "bench-agency-signing-key-0123456789abcdef"  # registered by the national office


async def count_outcomes(bootstrap: str, wanted: int, timeout: float = 600) -> float:
    """Read the outcome topic until `wanted` outcomes are there; returns the monotonic time of the last."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(Topics.REDEMPTION_OUTCOMES, p)
            for p in consumer.partitions_for_topic(Topics.REDEMPTION_OUTCOMES) or ()
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        deadline = time.monotonic() + timeout
        while seen < wanted and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            seen += sum(len(v) for v in batch.values())
        return time.monotonic()
    finally:
        await consumer.stop()


async def raw_consume_produce(bootstrap: str, total: int) -> float:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20, max_partition_fetch_bytes=4 << 20
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=1 << 20)
    await consumer.start()
    await producer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(Topics.AGENCY_REDEMPTIONS, p)
            for p in consumer.partitions_for_topic(Topics.AGENCY_REDEMPTIONS) or ()
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        started = time.monotonic()
        seen = 0
        while seen < total:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            futures = []
            for records in batch.values():
                for r in records:
                    outcome = {
                        "event_id": str(uuid.uuid4()),
                        "event_type": "RedemptionAccepted",
                        "redemption_id": "x",
                        "agency_id": "A",
                    }
                    futures.append(await producer.send("bench.raw-outcomes", json.dumps(outcome).encode(), key=r.key))
            await asyncio.gather(*futures)
            seen += len(futures)
        return total / (time.monotonic() - started)
    finally:
        await consumer.stop()
        await producer.stop()


async def main(total: int) -> None:
    print(f"agency topic ingest ({total:,} submissions, outcomes published)")
    with bench_stack() as bench:
        usage = await asyncio.to_thread(bench.start, "usage")
        _region, venue, cards, performances = await setup(usage.url, bench.bootstrap)
        agency = uid("A")
        import httpx

        async with httpx.AsyncClient(timeout=30) as http:
            # setup() registered the venue; it lists the agency that sells for it (a second POST is venue_exists)
            r = await http.patch(
                f"{usage.url}/v1/venues/{venue}", json={"agencies": [agency]}, headers=auth("national")
            )
            r.raise_for_status()
            r = await http.put(
                f"{usage.url}/v1/agencies/{agency}",
                json={"name": "Bench", "signing_key": AGENCY_KEY},
                headers=auth("national"),
            )
            r.raise_for_status()
        pairs = pair_source(cards, performances)
        messages = []
        for _ in range(total):
            card, performance = next(pairs)
            body = {"event_id": str(uuid.uuid4()), "event_type": "TicketRedeemed", "schema_version": 1,
                    "occurred_at": datetime.now(UTC).isoformat(), "redemption_id": uid("a-"), "agency_id": agency,
                    "card_code": card, "venue_id": venue, "performance_id": performance, "adult_tickets": 1,
                    "child_tickets": 0, "channel": "agency"}  # fmt: skip
            messages.append((card.encode(), json.dumps(body).encode()))
        producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, linger_ms=5, max_batch_size=1 << 20)
        await producer.start()
        started = time.monotonic()
        futures = [
            await producer.send(
                Topics.AGENCY_REDEMPTIONS, v, key=k, headers=[(SIGNATURE_HEADER, sign(AGENCY_KEY, v).encode())]
            )
            for k, v in messages
        ]
        await asyncio.gather(*futures)
        await producer.stop()
        finished = await count_outcomes(bench.bootstrap, total)
        project = total / (finished - started)
        print(f"  usage: submissions judged, recorded and answered: {project:8.0f} /s")
        raw = await raw_consume_produce(bench.bootstrap, total)
        print(f"  raw aiokafka consume + produce (no decode, rules or database): {raw:8.0f} /s")
        print(f"  RATIO usage / raw: {project / raw:.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))
