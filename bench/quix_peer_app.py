"""The Quix Streams side of bench_peer_quix.py, run in the benchmark's own environment (quixstreams, and
the contracts' sources on PYTHONPATH for the one definition of a Helsinki date).

    python quix_peer_app.py BOOTSTRAP TOPIC on|off     -> one JSON line: counts, seen, seconds, processing
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime
from typing import Any

from kaiku_contracts.calendar import helsinki_date

IDLE_SECONDS = 5.0
"""Quix stops after this long without a new message (not counted in its time)."""

Counts = dict[tuple[str, str], int]


def quix_count(bootstrap: str, topic_name: str, *, changelog: bool) -> tuple[Counts, int, float, float]:
    """(counts, events seen, seconds from `run` to the last event processed, seconds of the first event)."""
    from quixstreams import Application, State

    state_dir = tempfile.mkdtemp(prefix="kaiku-bench-quix-")
    app = Application(
        broker_address=bootstrap,
        consumer_group=f"bench-quix-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        state_dir=state_dir,
        use_changelog_topics=changelog,
        loglevel=os.environ.get("BENCH_QUIX_LOGLEVEL", "WARNING"),  # type: ignore[arg-type]
        consumer_extra_config={
            "fetch.max.bytes": 8 << 20,
            "max.partition.fetch.bytes": 4 << 20,
            # Tansu answers a JoinGroup after about half the session timeout (librdkafka's default 45 s:
            # 23 s before the first record); 6 s is the smallest a Kafka broker accepts by default
            "session.timeout.ms": 6000,
            **({"debug": os.environ["BENCH_QUIX_DEBUG"]} if os.environ.get("BENCH_QUIX_DEBUG") else {}),
        },
        producer_extra_config={"linger.ms": 20},
    )
    topic = app.topic(topic_name, value_deserializer="json", key_deserializer="str")
    totals: Counts = {}
    seen = [0]
    marks: dict[str, float] = {}

    def per_use(event: dict[str, Any], state: State[str, Any]) -> list[Any] | None:
        seen[0] += 1
        marks.setdefault("first", time.perf_counter())
        marks["last"] = time.perf_counter()
        rid = event["redemption_id"]
        if event["event_type"] == "TicketRedeemed":
            if state.get(rid) is not None:
                return None  # delivered again
            month = f"{helsinki_date(datetime.fromisoformat(event['starts_at'])):%Y-%m}"
            state.set(rid, [event["region_id"], month, False])
            return [event["region_id"], month, 1]
        if event["event_type"] == "RedemptionCancelled":
            use = state.get(rid)
            if use is None or use[2]:
                return None  # unknown use (the projection keeps such cancellations; none in this stream) or again
            state.set(rid, [use[0], use[1], True])
            return [use[0], use[1], -1]
        return None

    def running_total(change: list[Any], state: State[str, Any]) -> list[Any]:
        total = int(state.get("uses", 0)) + int(change[2])
        state.set("uses", total)
        totals[(change[0], change[1])] = total
        marks["last"] = time.perf_counter()
        return [change[0], change[1], total]

    sdf = app.dataframe(topic)
    sdf = sdf.apply(per_use, stateful=True).filter(lambda change: change is not None)
    sdf = sdf.group_by(lambda change: f"{change[0]}|{change[1]}", name="uses-by-region-month")
    sdf = sdf.apply(running_total, stateful=True)
    started = time.perf_counter()
    app.run(timeout=IDLE_SECONDS, collect=False)
    last = marks.get("last", started)
    return totals, seen[0], last - started, last - marks.get("first", started)


if __name__ == "__main__":
    totals, seen, seconds, processing = quix_count(sys.argv[1], sys.argv[2], changelog=sys.argv[3] == "on")
    counts = [[region, month, uses] for (region, month), uses in totals.items()]
    print(json.dumps({"counts": counts, "seen": seen, "seconds": seconds, "processing": processing}))
