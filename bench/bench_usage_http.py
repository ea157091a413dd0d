"""Usage redemption over HTTP: maximum sustained rate, p50/p99 at half of it, vs the raw database transaction.

The raw figure runs the very statements the endpoint runs (`kaiku_usage.service.redemptions.redeem` in one
transaction: the performance row lock, the card, the limit's conditional update, the use row and its
outbox event) through asyncpg in this process, without HTTP, JSON or auth.

    .venv/bin/python -m bench.bench_usage_http [seconds]
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardIssued
from kaiku_contracts.enums import CardType, Channel
from kaiku_contracts.topics import Topics
from kaiku_devkit.testing import auth, produce
from kaiku_usage.domain.redemption import RedemptionRequest
from kaiku_usage.service.redemptions import redeem

from bench._infra import bench_stack, percentile

CONCURRENCY = 32
# connections the server dropped or refused (reported, so one reset does not end the measurement)
TRANSPORT_ERRORS: collections.Counter[str] = collections.Counter()
CARDS = 400
PERFORMANCES = 60


def uid(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


async def setup(url: str, bootstrap: str, card_count: int = CARDS) -> tuple[str, str, list[str], list[str]]:
    region, venue = uid("R"), uid("V")
    cards = [uid("E") for _ in range(card_count)]
    events = [
        CardIssued(
            card_code=c,
            card_type=CardType.COMMUNITY,
            region_id=region,
            distributor_id="D1",
            issued_on=helsinki_today(),
            valid_until=helsinki_today() + timedelta(days=365),
        )
        for c in cards
    ]
    await produce(bootstrap, Topics.CARDS, [(e.card_code.encode(), e.to_json_bytes()) for e in events])
    headers = auth("venue", region=region, org=venue)
    performances = []
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.post(
            f"{url}/v1/venues",
            json={"venue_id": venue, "region_id": region, "name": "Bench", "category": "culture"},
            headers=auth("national"),
        )
        r.raise_for_status()
        starts = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
        for _ in range(PERFORMANCES):
            pid = uid(f"{venue}-P")
            body = {"venue_id": venue, "name": "Bench", "starts_at": starts, "capacity": 100000, "kind": "performance"}
            (await http.put(f"{url}/v1/performances/{pid}", json=body, headers=headers)).raise_for_status()
            performances.append(pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            r = await http.get(f"{url}/v1/cards/{cards[-1]}/status", headers=headers)
            if r.json().get("reason") != "card_unknown":
                break
            await asyncio.sleep(0.2)
    return region, venue, cards, performances


def pair_source(cards: list[str], performances: list[str]) -> itertools.chain[tuple[str, str]]:
    pairs = [(c, p) for c in cards for p in performances]
    random.Random(1).shuffle(pairs)
    return itertools.chain(pairs)


async def http_closed_loop(
    url: str, venue: str, region: str, pairs: itertools.chain[tuple[str, str]], seconds: float
) -> float:
    headers = auth("venue", region=region, org=venue)
    done = 0
    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=CONCURRENCY)) as http:

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                card, performance = next(pairs)
                body = {"redemption_id": uid("b-"), "card_code": card, "venue_id": venue, "performance_id": performance,
                        "adult_tickets": 1, "child_tickets": 0, "channel": "box_office"}  # fmt: skip
                try:
                    r = await http.post(f"{url}/v1/redemptions", json=body, headers=headers)
                except httpx.TransportError as exc:
                    TRANSPORT_ERRORS[type(exc).__name__] += 1
                    continue
                if r.status_code == 201:
                    done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - started)


async def http_open_loop(
    url: str, venue: str, region: str, pairs: itertools.chain[tuple[str, str]], rate: float, seconds: float
) -> list[float]:
    headers = auth("venue", region=region, org=venue)
    latencies: list[float] = []
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=256)) as http:

        async def one() -> None:
            card, performance = next(pairs)
            body = {"redemption_id": uid("b-"), "card_code": card, "venue_id": venue, "performance_id": performance,
                    "adult_tickets": 1, "child_tickets": 0, "channel": "box_office"}  # fmt: skip
            started = time.perf_counter()
            r = await http.post(f"{url}/v1/redemptions", json=body, headers=headers)
            if r.status_code == 201:
                latencies.append(time.perf_counter() - started)

        tasks = []
        next_at = time.monotonic()
        end = next_at + seconds
        while next_at < end:
            tasks.append(asyncio.create_task(one()))
            next_at += 1 / rate
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await asyncio.gather(*tasks)
    return latencies


async def raw_closed_loop(
    database_url: str, venue: str, pairs: itertools.chain[tuple[str, str]], seconds: float
) -> float:
    pool = await asyncpg.create_pool(database_url, min_size=CONCURRENCY, max_size=CONCURRENCY)
    assert pool is not None
    done = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal done
        while time.monotonic() < deadline:
            card, performance = next(pairs)
            request = RedemptionRequest(
                redemption_id=uid("r-"), card_code=card, venue_id=venue, performance_id=performance,
                adult_tickets=1, child_tickets=0, channel=Channel.BOX_OFFICE, agency_id=None, group_id=None,
            )  # fmt: skip
            async with pool.acquire() as conn, conn.transaction():
                outcome = await redeem(conn, request, recorded_by="venue:bench", source="http", now=datetime.now(UTC))
            if outcome.accepted:
                done += 1

    try:
        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - started)
    finally:
        await pool.close()


async def main(seconds: float) -> None:
    print(f"usage redemption over HTTP ({CONCURRENCY} concurrent clients, {seconds:.0f} s per measurement)")
    with bench_stack() as bench:
        usage = await asyncio.to_thread(bench.start, "usage")
        assert usage.database_url is not None
        region, venue, cards, performances = await setup(usage.url, bench.bootstrap)
        pairs = pair_source(cards, performances)
        await http_closed_loop(usage.url, venue, region, pairs, 2)  # warm-up
        maximum = await http_closed_loop(usage.url, venue, region, pairs, seconds)
        print(f"  HTTP maximum sustained rate:             {maximum:8.0f} uses/s")
        latencies = await http_open_loop(usage.url, venue, region, pairs, maximum / 2, seconds)
        p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
        print(f"  at half of it ({maximum / 2:.0f}/s): p50 {p50:.1f} ms, p99 {p99:.1f} ms (goal p99 < 50 ms)")
        raw = await raw_closed_loop(usage.database_url, venue, pairs, seconds)
        print(f"  raw transaction (same statements, asyncpg, no HTTP): {raw:8.0f} uses/s")
        print(f"  RATIO HTTP / raw: {maximum / raw:.2f}")
        if TRANSPORT_ERRORS:
            print(f"  connection errors: {dict(TRANSPORT_ERRORS)}")


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0))
