"""Peer: the per-region monthly count of uses with Quix Streams, next to the stats projection, same run, same topic.

Both read the redemptions topic of the generated stream (bench_stats_projection's generator and
producer, on the same broker: embedded Tansu, or KAIKU_KAFKA_BOOTSTRAP) and compute, per venue region
and Helsinki month of the performance's start, the uses (TicketRedeemed minus RedemptionCancelled):

- stats projection: `kaiku_stats.service.rebuild.rebuild` (the service's consumer path into PostgreSQL: decode,
  de-duplication by event_id, the use facts), batches of 500 like the live service; the count is then
  read from `use_fact`;
- Quix Streams: an Application with a consumer group from the earliest offset; a stateful step keyed
  by card code (the topic's key) remembers each use's (region, month) so that a cancellation, which
  carries only the redemption id, can be subtracted; `group_by` re-keys the +1/-1 by region and month
  (a repartition topic on the broker) and a second stateful step keeps the running count (RocksDB state).

The stats side has an empty cards topic, so both process exactly the redemptions topic's events.
The two counts are compared; the rates are events of the redemptions topic per second, from the
start of each run to its last event processed (Quix's idle wait at the end is not counted).

    .venv/bin/python -m bench.bench_peer_quix [events]      (default 200,000, as bench_stats_projection)
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from kaiku_stats.service.rebuild import rebuild

from bench.bench_stats_projection import drop_database, fresh_database, generate, infrastructure, produce_stream

ROOT = Path(__file__).resolve().parent.parent
BATCH = 500

Counts = dict[tuple[str, str], int]


async def topics_with_retention(bootstrap: str, names: list[str]) -> None:
    """Create the topics with an explicit `retention.ms`, so the broker reports it (see `main`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, 4, 1, topic_configs={"retention.ms": "-1"}) for n in names])
    finally:
        await admin.close()


QUIX_VERSION = "3.28.1"
QUIX_ENV = ROOT / ".kaiku" / "bench-quix"
"""Quix Streams lives in an environment of its own: its caps (pydantic < 2.14) must not pin the platform's."""


def quix_python() -> Path:
    """The Python of the benchmark's own Quix Streams environment (made on first use, about 30 s)."""
    python = QUIX_ENV / "bin" / "python"
    marker = QUIX_ENV / f"quixstreams-{QUIX_VERSION}"
    if not marker.exists():
        print(f"  installing quixstreams=={QUIX_VERSION} into {QUIX_ENV.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(QUIX_ENV)], check=True)
        pip = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"quixstreams=={QUIX_VERSION}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if pip.returncode != 0:
            raise RuntimeError(f"pip install quixstreams=={QUIX_VERSION} failed: {pip.stderr.strip()[-2000:]}")
        marker.touch()
    return python


def quix_count(bootstrap: str, topic_name: str, *, changelog: bool) -> tuple[Counts, int, float, float]:
    """(counts, events seen, seconds from `run` to the last event processed, seconds of the first event)."""
    done = subprocess.run(
        [str(quix_python()), str(Path(__file__).with_name("quix_peer_app.py")), bootstrap, topic_name,
         "on" if changelog else "off"],
        capture_output=True, text=True, timeout=540, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "contracts" / "src")},
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    counts = {(region, month): uses for region, month, uses in answer["counts"]}
    return counts, answer["seen"], answer["seconds"], answer["processing"]


async def projection_count(url: str) -> Counts:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT region_id, month, count(*) AS uses FROM use_fact WHERE NOT cancelled GROUP BY region_id, month"
        )
        return {(r["region_id"], r["month"]): r["uses"] for r in rows}
    finally:
        await conn.close()


async def main(events: int) -> None:
    stream = generate(events)
    uses = len(stream.redemption_events)
    print(
        f"peer (Quix Streams) vs the stats projection: per-region monthly uses from {uses:,} redemption events"
        f" ({len(stream.uses):,} uses)"
    )
    async with infrastructure() as (bootstrap, server):
        # Quix Streams derives its changelog and repartition topics' settings from the input topic's
        # `retention.ms` as DescribeConfigs reports it (KeyError otherwise); Tansu reports only the
        # settings a topic was created with, so the topics are created here with it (-1: kept, as Tansu does).
        tag = uuid.uuid4().hex[:8]
        empty_cards = f"bench.stats.nocards.{tag}"
        await topics_with_retention(
            bootstrap, [f"bench.stats.cards.{tag}", f"bench.stats.redemptions.{tag}", empty_cards]
        )
        _, redemptions = await produce_stream(bootstrap, stream, tag)
        url = await fresh_database(server)
        try:
            result = await rebuild(url, bootstrap, topics=(empty_cards, redemptions), batch_size=BATCH)
            project = result.records / result.seconds
            print(
                f"  stats projection (consumer path into PostgreSQL, batches of {BATCH}): {project:10,.0f} events/s"
                f"  ({result.records:,} in {result.seconds:.1f} s)"
            )
            expected = await projection_count(url)
        finally:
            await drop_database(server, url)
        errors: list[str] = []
        for changelog in (True, False):
            try:
                totals, seen, seconds, processing = quix_count(bootstrap, redemptions, changelog=changelog)
            except Exception as e:
                errors.append(f"changelog topics {'on' if changelog else 'off'}: {type(e).__name__}: {e}")
                print(f"  Quix Streams failed: {errors[-1]}")
                continue
            peer = seen / seconds if seconds > 0 else 0.0
            steady = seen / processing if processing > 0 else 0.0
            same = {k: v for k, v in totals.items() if v} == expected
            print(
                f"  Quix Streams 3 (changelog topics {'on' if changelog else 'off'}, RocksDB state, group_by):"
                f" {peer:10,.0f} events/s  ({seen:,} in {seconds:.1f} s, with the consumer group join)"
            )
            print(f"    from its first event to its last:{steady:30,.0f} events/s  ({processing:.1f} s)")
            print(f"    same counts as the projection: {same} ({len(expected)} region-months)")
            print(f"    RATIO Quix / stats projection: {peer / project:.2f} (first event on: {steady / project:.2f})")
        if len(errors) == 2:
            print("  Quix Streams did not run against this broker: " + "; ".join(errors))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000))
