"""Usage figures on this machine (printed, never asserted): `.venv/bin/python services/usage/bench/bench_usage.py`.

Starts its own embedded broker, a fresh database on the local PostgreSQL and one usage process, then
measures the box-office check, recording uses over HTTP (one by one and 20 at a time) and the agency
topic's throughput (submissions produced at once → every outcome on the outcomes topic).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardIssued
from kaiku_contracts.enums import CardType
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import spawn_service, stop_services, wait_ready
from kaiku_devkit.infra import free_port, resolve_postgres, run_sync, start_tansu
from kaiku_devkit.testing import auth, produce, unique, wait_until
from kaiku_runtime.db import with_database
from kaiku_runtime.settings import DEV_JWT_SECRET
from kaiku_runtime.topics import create_topics
from kaiku_usage.domain.signatures import sign

HTTP_SERIAL = 300
HTTP_CONCURRENT = 600
CONCURRENCY = 20
AGENCY_KEY = "bench-agency-signing-key-0123456789abcdef"
AGENCY = 3000
STATUS_CHECKS = 500


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"p50 {statistics.median(values) * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms"


async def wait_for_outcomes(bootstrap: str, ids: set[str], timeout: float = 120) -> float:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(Topics.REDEMPTION_OUTCOMES) or set()
        consumer.assign([TopicPartition(Topics.REDEMPTION_OUTCOMES, p) for p in partitions])
        await consumer.seek_to_end()
        started = time.perf_counter()
        pending = set(ids)
        while pending and time.perf_counter() - started < timeout:
            for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                for record in records:
                    pending.discard(json.loads(record.value).get("redemption_id"))
        return time.perf_counter() - started
    finally:
        await consumer.stop()


async def measure(url: str, bootstrap: str) -> None:
    region, venue, agency = unique("R"), unique("V"), unique("A")
    venue_headers = auth("venue", region=region, org=venue)
    total_cards = HTTP_SERIAL + HTTP_CONCURRENT + AGENCY
    cards = [unique("B") for _ in range(total_cards)]
    events = [
        CardIssued(
            card_code=code,
            card_type=CardType.PERSONAL,
            region_id=region,
            distributor_id="D1",
            issued_on=helsinki_today(),
            valid_until=helsinki_today() + timedelta(days=365),
        )
        for code in cards
    ]
    await produce(bootstrap, Topics.CARDS, [(e.card_code.encode(), e.to_json_bytes()) for e in events])
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY)) as http:
        r = await http.post(
            f"{url}/v1/venues",
            json={"venue_id": venue, "region_id": region, "name": "Bench", "category": "culture", "agencies": [agency]},
            headers=auth("national"),
        )
        r.raise_for_status()
        r = await http.put(
            f"{url}/v1/agencies/{agency}",
            json={"name": "Bench", "signing_key": AGENCY_KEY},
            headers=auth("national"),
        )
        r.raise_for_status()
        performance = f"{venue}-P"
        starts = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        body = {"venue_id": venue, "name": "Bench", "starts_at": starts, "capacity": 100_000, "kind": "performance"}
        (await http.put(f"{url}/v1/performances/{performance}", json=body, headers=venue_headers)).raise_for_status()

        async def registered() -> bool:
            status = await http.get(f"{url}/v1/cards/{cards[-1]}/status", headers=venue_headers)
            return bool(status.json()["valid"])

        await wait_until(registered, timeout=120)

        latencies = []
        for code in cards[:STATUS_CHECKS]:
            t = time.perf_counter()
            (await http.get(f"{url}/v1/cards/{code}/status", headers=venue_headers)).raise_for_status()
            latencies.append(time.perf_counter() - t)
        print(f"box-office check, sequential:            {ms(latencies)}")

        def use(code: str) -> dict[str, object]:
            return {
                "redemption_id": f"b-{uuid.uuid4().hex}",
                "card_code": code,
                "venue_id": venue,
                "performance_id": performance,
                "adult_tickets": 1,
                "child_tickets": 0,
                "channel": "box_office",
            }

        latencies = []
        for code in cards[:HTTP_SERIAL]:
            t = time.perf_counter()
            r = await http.post(f"{url}/v1/redemptions", json=use(code), headers=venue_headers)
            latencies.append(time.perf_counter() - t)
            assert r.status_code == 201, r.text
        print(f"POST /v1/redemptions, one at a time:     {ms(latencies)}")

        batch = cards[HTTP_SERIAL : HTTP_SERIAL + HTTP_CONCURRENT]
        semaphore = asyncio.Semaphore(CONCURRENCY)

        async def one(code: str) -> None:
            async with semaphore:
                r = await http.post(f"{url}/v1/redemptions", json=use(code), headers=venue_headers)
                assert r.status_code == 201, r.text

        t = time.perf_counter()
        await asyncio.gather(*(one(code) for code in batch))
        elapsed = time.perf_counter() - t
        print(f"POST /v1/redemptions, {CONCURRENCY} concurrent, one performance: {len(batch) / elapsed:.0f} uses/s")

    submissions = []
    for code in cards[-AGENCY:]:
        submissions.append({**use(code), "agency_id": agency, "channel": "agency", "event_type": "TicketRedeemed"})
    ids = {str(s["redemption_id"]) for s in submissions}
    waiter = asyncio.create_task(wait_for_outcomes(bootstrap, ids))
    await asyncio.sleep(1.0)
    t = time.perf_counter()
    await produce(
        bootstrap,
        Topics.AGENCY_REDEMPTIONS,
        [(str(s["card_code"]).encode(), json.dumps(s).encode()) for s in submissions],
        signer=lambda value: sign(AGENCY_KEY, value),
    )
    await waiter
    elapsed = time.perf_counter() - t
    print(f"agency topic, {AGENCY} submissions → every outcome: {elapsed:.1f} s ({AGENCY / elapsed:.0f} submissions/s)")


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="kaiku-bench-usage-"))
    tansu = start_tansu(free_port(), workdir / "tansu.log")
    postgres = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
    database = with_database(postgres.url, f"kaiku_bench_usage_{uuid.uuid4().hex[:8]}")
    svc = None
    try:
        run_sync(create_topics(tansu.bootstrap))
        env = {
            **os.environ,
            "KAIKU_KAFKA_BOOTSTRAP": tansu.bootstrap,
            "KAIKU_DATABASE_URL": database,
            "KAIKU_JWT_SECRET": DEV_JWT_SECRET,
            "KAIKU_DEV_MODE": "1",
            "KAIKU_LOG_LEVEL": "WARNING",
        }
        svc = spawn_service("usage", free_port(), env, workdir / "usage.log")
        wait_ready([svc])
        print(f"usage bench ({os.cpu_count()} CPUs, python {sys.version.split()[0]})")
        asyncio.run(measure(svc.url, tansu.bootstrap))
    finally:
        if svc is not None:
            stop_services([svc])
        tansu.stop()
        postgres.stop()


if __name__ == "__main__":
    main()
