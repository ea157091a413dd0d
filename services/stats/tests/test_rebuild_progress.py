"""`kaiku stats rebuild` shows how far the replay is: events applied of the topics' end offsets.

The unit test stands in for the replay (the CLI's display off a terminal: plain lines, no escape codes);
the connected one replays real topics and checks what `rebuild()` reports to its progress hook.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from kaiku_contracts.topics import EVENT_TYPE_HEADER, TopicSpec
from kaiku_devkit.simulation import make_stream
from kaiku_devkit.testing import Databases
from kaiku_runtime import logging as runtime_logging
from kaiku_runtime.topics import create_topics
from kaiku_stats.entrypoints import cli
from kaiku_stats.service import rebuild as rebuild_module
from kaiku_stats.service.rebuild import RebuildResult, rebuild
from typer.testing import CliRunner


@pytest.mark.unit
def test_the_command_prints_plain_progress_lines_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    async def replaying(*_: Any, progress: Any = None, **__: Any) -> RebuildResult:
        progress(0, None)
        for done in range(0, 10_001, 500):
            progress(done, 10_000)
        return RebuildResult(records=10_000, undecodable=1, seconds=2.0)

    monkeypatch.setattr(rebuild_module, "rebuild", replaying)
    monkeypatch.setattr(runtime_logging, "configure_logging", lambda *_: None)  # leave this process's logging be
    done = CliRunner().invoke(cli.app, ["rebuild", "--database-url", "postgresql://nowhere/kaiku_stats"])
    assert done.exit_code == 0, done.output
    assert not re.search(r"\x1b\[", done.output)
    counts = [line.split()[0] for line in done.output.splitlines() if " events" in line and "/" in line]
    # a line each tenth of the way (the fake replay is faster than the 5 s between timed lines)
    assert counts == [f"{n}/10000" for n in range(1000, 10_001, 1000)]
    assert "events/s" in done.output
    assert "replayed 10000 records" in done.output


@pytest.mark.connected
async def test_rebuild_reports_events_applied_of_the_end_offsets(kafka_bootstrap: str, databases: Databases) -> None:
    tag = uuid.uuid4().hex[:8]
    topics = (f"test.stats.cards.{tag}", f"test.stats.redemptions.{tag}")
    await create_topics(kafka_bootstrap, tuple(TopicSpec(n, 2, "card code") for n in topics))
    stream = make_stream(7)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        for topic, events in ((topics[0], stream.card_events), (topics[1], stream.redemption_events)):
            for event in events:
                key = getattr(event, "card_code").encode()  # noqa: B009
                headers = [(EVENT_TYPE_HEADER, event.event_type.encode())]
                await producer.send(topic, value=event.to_json_bytes(), key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()
    produced = len(stream.card_events) + len(stream.redemption_events)

    told: list[tuple[int, int | None]] = []
    result = await rebuild(
        databases.new("stats"), kafka_bootstrap, topics=topics, batch_size=50, progress=lambda *a: told.append(a)
    )
    assert result.records == produced
    assert told[-1] == (produced, produced)
    applied = [done for done, _ in told]
    assert applied == sorted(applied), "applied only grows"
    assert any(total == produced and done < produced for done, total in told), "the end known before the end"
    assert all(total is None or done <= total for done, total in told)
