"""End to end: a steady rate of uses through HTTP and the agency topic; latency from the use to the national snapshot.

By default half the uses go to usage over HTTP, half as agency messages (a third argument sets the
share sent over HTTP: ticket agencies sell most tickets, box offices the rest). The national snapshot
topic is read as it is published; a snapshot whose `redemptions` is R shows the first R uses sent (in
order), so each use's latency is the time of the first snapshot that counts it minus the time it was sent.

    .venv/bin/python -m bench.bench_end_to_end [uses_per_s] [seconds] [http_share]  (default 500, 60 s, 0.5)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth
from kaiku_usage.domain.signatures import SIGNATURE_HEADER, sign

from bench._infra import bench_stack, percentile
from bench.bench_usage_http import pair_source, setup, uid

AGENCY_KEY = "bench-agency-signing-key-0123456789abcdef"  # registered by the national office


async def main(rate: float, seconds: float, http_share: float) -> None:
    print(
        f"end to end: {rate:.0f} uses/s for {seconds:.0f} s ({http_share:.0%} over HTTP, the rest on the agency topic)"
        " to the national snapshot"
    )
    with bench_stack() as bench:
        usage = await asyncio.to_thread(bench.start, "usage")
        stats = await asyncio.to_thread(bench.start, "stats")
        # enough (card, performance) pairs for every use: each pair is used once
        region, venue, cards, performances = await setup(usage.url, bench.bootstrap, int(rate * seconds / 40) + 100)
        agency = uid("A")
        headers = auth("venue", region=region, org=venue)
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=256)) as http:
            r = await http.post(
                f"{usage.url}/v1/venues",
                json={"venue_id": venue, "region_id": region, "name": "B", "category": "culture", "agencies": [agency]},
                headers=auth("national"),
            )
            r.raise_for_status()
            r = await http.put(
                f"{usage.url}/v1/agencies/{agency}",
                json={"name": "Bench", "signing_key": AGENCY_KEY},
                headers=auth("national"),
            )
            r.raise_for_status()
            period = datetime.now(UTC).strftime("%Y-%m")
            sent: list[float] = []
            seen: list[tuple[float, int]] = []
            stop = asyncio.Event()

            async def watch() -> None:
                consumer = AIOKafkaConsumer(bootstrap_servers=bench.bootstrap, fetch_max_wait_ms=20)
                await consumer.start()
                try:
                    tp = TopicPartition(Topics.STATS_NATIONAL, 0)
                    consumer.assign([tp])
                    await consumer.seek_to_end(tp)
                    while not stop.is_set():
                        for records in (await consumer.getmany(timeout_ms=100)).values():
                            for record in records:
                                if record.key == period.encode():
                                    seen.append((time.monotonic(), json.loads(record.value)["redemptions"]))
                finally:
                    await consumer.stop()

            watcher = asyncio.create_task(watch())
            producer = AIOKafkaProducer(bootstrap_servers=bench.bootstrap, linger_ms=5)
            await producer.start()
            pairs = pair_source(cards, performances)
            tasks: list[asyncio.Task[None]] = []
            answers: Counter[str] = Counter()

            async def http_use(card: str, performance: str) -> None:
                body = {"redemption_id": uid("h-"), "card_code": card, "venue_id": venue, "performance_id": performance,
                        "adult_tickets": 1, "child_tickets": 0, "channel": "box_office"}  # fmt: skip
                try:
                    response = await http.post(f"{usage.url}/v1/redemptions", json=body, headers=headers)
                except httpx.HTTPError as exc:  # a reset or a timeout: what the overload guard is there to prevent
                    answers[f"no answer ({type(exc).__name__})"] += 1
                    return
                if response.status_code == 201:
                    answers["accepted"] += 1
                elif response.status_code == 503 and "retry-after" in response.headers:
                    answers["refused cleanly (503, Retry-After)"] += 1  # the clerk's device retries
                else:
                    answers[f"other answer ({response.status_code})"] += 1

            started = time.monotonic()
            next_at = started
            i = 0
            while next_at < started + seconds:
                card, performance = next(pairs)
                sent.append(time.monotonic())
                if int((i + 1) * http_share) > int(i * http_share):  # spread evenly: every n-th use over HTTP
                    tasks.append(asyncio.create_task(http_use(card, performance)))
                else:
                    body = {"event_id": str(uuid.uuid4()), "event_type": "TicketRedeemed", "schema_version": 1,
                            "occurred_at": datetime.now(UTC).isoformat(), "redemption_id": uid("a-"),
                            "agency_id": agency, "card_code": card, "venue_id": venue, "performance_id": performance,
                            "adult_tickets": 1, "child_tickets": 0, "channel": "agency"}  # fmt: skip
                    value = json.dumps(body).encode()
                    signature = [(SIGNATURE_HEADER, sign(AGENCY_KEY, value).encode())]
                    await producer.send(Topics.AGENCY_REDEMPTIONS, value, key=card.encode(), headers=signature)
                i += 1
                next_at += 1 / rate
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            offered = time.monotonic() - started
            await asyncio.gather(*tasks)
            await producer.stop()
            deadline = time.monotonic() + 120
            failures = sum(n for answer, n in answers.items() if answer != "accepted")
            while (not seen or seen[-1][1] < len(sent) - failures) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            stop.set()
            await watcher
        latencies = []
        for rank, at in enumerate(sent, start=1):
            shown = next((t for t, count in seen if count >= rank), None)
            if shown is not None:
                latencies.append(shown - at)
        print(f"  offered {len(sent) / offered:.0f} uses/s; {len(latencies)} of {len(sent)} seen in the snapshot")
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        print(f"  use -> national snapshot: p50 {p50:.2f} s, p99 {p99:.2f} s (goal p99 < 2 s; at most one snapshot/s)")
        print(f"  HTTP uses: {dict(answers) or 'none'}; stats at {stats.url}")


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 500.0, args[1] if len(args) > 1 else 60.0, args[2] if len(args) > 2 else 0.5))
