"""Stats rebuild time: drop the projections and replay 1,000,000 events from Kafka (`kaiku-stats rebuild`).

Produces a generated stream of about a million events (cards, revocations, uses, cancellations
of one year) to fresh topics on its own broker (embedded Tansu, or KAIKU_KAFKA_BOOTSTRAP), lets
the rebuild fill a fresh database, then rebuilds the same database again (drop + replay) and
prints both times and the national year figures (identical both times).

    .venv/bin/python bench/bench_stats_rebuild.py [events]      (default 1,000,000)
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench_stats_projection import drop_database, fresh_database, generate, infrastructure, produce_stream
from kaiku_contracts.calendar import helsinki_today
from kaiku_runtime.db import create_pool
from kaiku_stats.adapters.figures import figures, national_scope
from kaiku_stats.service.rebuild import rebuild


async def national_year(url: str, year: int) -> dict[str, object]:
    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            return (await figures(conn, national_scope(), str(year), helsinki_today())).exact()
    finally:
        await pool.close()


async def main(events: int) -> None:
    started = time.perf_counter()
    stream = generate(events)
    total = len(stream.card_events) + len(stream.redemption_events)
    print(f"stats rebuild benchmark: {total:,} events, generated in {time.perf_counter() - started:.0f} s")
    async with infrastructure() as (bootstrap, server):
        started = time.perf_counter()
        topics = await produce_stream(bootstrap, stream)
        print(f"  produced to Kafka in {time.perf_counter() - started:.0f} s")
        url = await fresh_database(server)
        try:
            started = time.perf_counter()
            await rebuild(url, bootstrap, topics=topics)
            seconds = time.perf_counter() - started
            print(f"  rebuild into an empty database:  {seconds:6.1f} s ({total / seconds:,.0f} events/s)")
            before = await national_year(url, stream.year)
            started = time.perf_counter()
            await rebuild(url, bootstrap, topics=topics)
            seconds = time.perf_counter() - started
            print(f"  rebuild (drop + replay) again:   {seconds:6.1f} s ({total / seconds:,.0f} events/s)")
            after = await national_year(url, stream.year)
            print(f"  national {stream.year}: {after['redemptions']:,} uses, {after['cards_issued']:,} cards issued;"
                  f" identical after the second rebuild: {before == after}")  # fmt: skip
        finally:
            await drop_database(server, url)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
