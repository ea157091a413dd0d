"""Where a stats rebuild spends its time: CPU of this process, of its PostgreSQL backends and of the broker,
what the backends are doing (pg_stat_activity sampled every 50 ms), and optionally a py-spy profile.

Not part of `make bench` (a diagnosis, not a figure). py-spy is not a dependency: install it anywhere,
e.g. `.venv/bin/uv pip install --target /tmp/pyspy py-spy`, and pass its binary.

    .venv/bin/python -m bench.profile_rebuild [events] [py-spy binary] [raw output file]
    (default 300,000 events, no py-spy; the raw file holds py-spy's collapsed stacks)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import asyncpg
from kaiku_stats.service.rebuild import rebuild

from bench.bench_stats_projection import drop_database, fresh_database, generate, infrastructure, produce_stream


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broker_pids() -> list[int]:
    """The embedded Tansu brokers' processes (`<tansu binary> broker ...`)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if len(args) > 1 and args[1] == b"broker" and b"tansu" in args[0]:
            pids.append(int(entry))
    return pids


def summary(raw: str, top: int = 20) -> None:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    with open(raw) as f:
        for line in f:
            stack, number = line.rsplit(" ", 1)
            frames = stack.split(";")
            total += int(number)
            own[frames[-1]] += int(number)
            for frame in set(frames):
                inclusive[frame] += int(number)
    print(f"py-spy: {total} samples on CPU; own time:")
    for frame, count in own.most_common(top):
        print(f"  {count / total * 100:5.1f} %  {frame[:110]}")
    print("including callees (the event loop, threads and the rebuild's own loop left out):")
    skip = (
        "asyncio/",
        "threading.py",
        "concurrent/",
        "profile_rebuild",
        "rebuild.py",
        "<module>",
        "consumer.py:212",
        "runpy",
    )
    shown = [(f, n) for f, n in inclusive.most_common() if not any(s in f for s in skip)]
    for frame, count in shown[:top]:
        print(f"  {count / total * 100:5.1f} %  {frame[:110]}")


async def main(events: int, pyspy: str | None, raw: str) -> None:
    stream = generate(events)
    total = len(stream.card_events) + len(stream.redemption_events)
    async with infrastructure() as (bootstrap, server):
        topics = await produce_stream(bootstrap, stream)
        url = await fresh_database(server)
        database = url.rsplit("/", 1)[1]
        monitor = await asyncpg.connect(server)
        broker = broker_pids()
        states: Counter[tuple[str, ...]] = Counter()
        backends: dict[int, float] = {}
        samples = 0
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal samples
            while not done.is_set():
                for r in await monitor.fetch(
                    "SELECT pid, state, coalesce(wait_event, '') AS wait, left(query, 40) AS query"
                    " FROM pg_stat_activity WHERE datname = $1",
                    database,
                ):
                    backends[r["pid"]] = cpu_seconds(r["pid"])  # the last reading before the backend ends
                    query = r["query"].strip() if r["state"] == "active" else ""
                    states[(r["state"], r["wait"], query)] += 1
                samples += 1
                await asyncio.sleep(0.05)

        spy = None
        if pyspy:
            spy = subprocess.Popen(  # noqa: ASYNC220 (runs beside the rebuild until stopped)
                [pyspy, "record", "--pid", str(os.getpid()), "--format", "raw", "-o", raw, "--rate", "50"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await asyncio.sleep(2)
        sampler = asyncio.create_task(sample())
        own0, broker0 = cpu_seconds(os.getpid()), sum(map(cpu_seconds, broker))
        started = time.perf_counter()
        await rebuild(url, bootstrap, topics=topics)
        wall = time.perf_counter() - started
        own1, broker1 = cpu_seconds(os.getpid()), sum(map(cpu_seconds, broker))
        done.set()
        await sampler
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(30)
        print(f"rebuild of {total:,} events: {wall:.1f} s ({total / wall:,.0f} events/s)")
        print(
            f"  CPU of this process (rebuild + sampler): {own1 - own0:5.1f} s"
            f"  ({(own1 - own0) / wall * 100:.0f} % of a core)"
        )
        print(f"  CPU of its PostgreSQL backends:          {sum(backends.values()):5.1f} s")
        print(f"  CPU of the broker:                       {broker1 - broker0:5.1f} s")
        print(f"  pg_stat_activity, {samples} samples (state, wait event, statement), share of samples:")
        for key, count in states.most_common(12):
            print(f"  {count / samples * 100:6.1f} %  {key}")
        await monitor.close()
        await drop_database(server, url)
    if pyspy:
        summary(raw)


if __name__ == "__main__":
    asyncio.run(
        main(
            int(sys.argv[1]) if len(sys.argv) > 1 else 300_000,
            sys.argv[2] if len(sys.argv) > 2 else None,
            sys.argv[3] if len(sys.argv) > 3 else "/tmp/kaiku-rebuild-profile.raw",
        )
    )
