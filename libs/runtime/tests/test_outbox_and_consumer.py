"""The shared reliability pieces against real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.cards import CardEvent, CardRevoked
from kaiku_contracts.enums import RevocationReason
from kaiku_contracts.topics import Topics, TopicSpec
from kaiku_runtime.consumer import BatchConsumer, DeadLetters, Delivered
from kaiku_runtime.infra import create_topics
from kaiku_runtime.outbox import OutboxRelay, enqueue
from kaiku_runtime.testing import Databases, read_topic, unique
from pydantic import TypeAdapter

pytestmark = pytest.mark.connected
TEST_TOPIC = "kaiku.test.outbox"


@pytest.fixture(scope="module")
def runtime_db(databases: Databases) -> str:
    return databases.new(None)


def revoked(code: str) -> CardRevoked:
    return CardRevoked(card_code=code, reason=RevocationReason.LOST, revoked_on=date(2026, 1, 2))


async def test_relay_publishes_in_order_per_key_and_empties_the_outbox(runtime_db: str, kafka_bootstrap: str) -> None:
    await create_topics(kafka_bootstrap, (TopicSpec(TEST_TOPIC, 2, "card code"),))
    codes = [unique("OB"), unique("OB")]
    events = [revoked(codes[i % 2]) for i in range(20)]
    pool = await asyncpg.create_pool(runtime_db)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        async with pool.acquire() as conn, conn.transaction():
            for event in events:
                await enqueue(conn, TEST_TOPIC, event.card_code, event)
        relay = OutboxRelay(pool, producer)
        assert await relay.publish_pending() == 20
        assert await relay.publish_pending() == 0
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        await producer.stop()
        await pool.close()

    records = await read_topic(kafka_bootstrap, TEST_TOPIC, until=lambda rs: sum(r["key"] in codes for r in rs) >= 20)
    for code in codes:
        mine = [r for r in records if r["key"] == code]
        assert [r["value"]["event_id"] for r in mine] == [str(e.event_id) for e in events if e.card_code == code]
        assert {r["headers"]["event_type"] for r in mine} == {"CardRevoked"}


def record(value: bytes | None, offset: int) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=Topics.CARDS,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=b"K",
        value=value,
        checksum=None,
        serialized_key_size=1,
        serialized_value_size=len(value or b""),
        headers=(),
    )


async def test_consumer_dead_letters_garbage_and_applies_each_event_once(runtime_db: str, kafka_bootstrap: str) -> None:
    applied: list[str] = []

    async def handler(_conn: asyncpg.Connection, batch: list[Delivered[CardRevoked]]) -> None:
        applied.extend(d.event.card_code for d in batch)

    good = revoked(unique("CN"))
    marker = unique("garbage-")
    pool = await asyncpg.create_pool(runtime_db)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    dead_letters = DeadLetters(producer)
    consumer: BatchConsumer[CardRevoked] = BatchConsumer(
        name="test-consumer",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=handler,
        pool_getter=lambda: pool,
        dead_letters_getter=lambda: dead_letters,
    )
    try:
        batch = [
            record(marker.encode() + b"{not json", 1),
            record(good.to_json_bytes(), 2),
            record(b'{"event_type": "CardRevoked", "card_code": 42}', 3),
            record(b'{"event_type": "CardExploded"}', 4),
            record(good.to_json_bytes(), 5),  # a duplicate delivery
        ]
        await consumer.apply(batch)
        await consumer.apply(batch[1:2])  # redelivered after a crash
    finally:
        await producer.stop()
        await pool.close()
    assert applied == [good.card_code]

    def reasons(rs: list[dict]) -> list[str]:
        return [
            r["headers"]["error"]
            for r in rs
            if r["headers"].get("source_offset") in {"1", "3", "4"}
            and r["headers"].get("source_topic") == Topics.CARDS
            and r["key"] == "K"
        ]

    records = await read_topic(
        kafka_bootstrap,
        Topics.DEAD_LETTER,
        until=lambda rs: any(isinstance(r["value"], bytes) and r["value"].startswith(marker.encode()) for r in rs),
    )
    errors = reasons(records)
    assert "not valid JSON" in errors
    assert any(e.startswith("schema:") and "card_code" in e for e in errors)
    assert any("event_type" in e or "tag" in e.lower() for e in errors)
    await asyncio.sleep(0)


async def test_the_dead_letter_topic_never_keeps_fields_where_personal_data_would_be(kafka_bootstrap: str) -> None:
    """§11: a producer that sends a name or an identity code gets its message dead-lettered without them."""
    code = unique("PII")
    issued = {
        "event_id": "6f1c1b7e-7d2c-4a53-9d0a-2f4f1a0c3b11",
        "event_type": "CardIssued",
        "schema_version": 1,
        "occurred_at": "2026-03-01T10:00:00Z",
        "card_code": code,
        "card_type": "personal",
        "region_id": "R1",
        "distributor_id": "D1",
        "issued_on": "2026-03-01",
        "valid_until": "2027-03-01",
        "ssn": "010180-123A",
        "holder": {"birth_year": 1980, "mother_tongue": "fi", "gender": "female", "postal_code": "00100",
                   "life_situation": "other", "name": "Maija Meikäläinen"},
    }  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    consumer: BatchConsumer[CardRevoked] = BatchConsumer(
        name="test-consumer",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=lambda _conn, _batch: asyncio.sleep(0),
        pool_getter=lambda: pytest.fail("nothing decodable, nothing to apply"),
        dead_letters_getter=lambda: DeadLetters(producer),
    )
    try:
        await consumer.apply([record(json.dumps(issued).encode(), 7)])
    finally:
        await producer.stop()

    def kept(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rs if isinstance(r["value"], dict) and r["value"].get("card_code") == code]

    [dead] = kept(await read_topic(kafka_bootstrap, Topics.DEAD_LETTER, until=lambda rs: bool(kept(rs))))
    assert set(dead["headers"]["redacted"].split(",")) == {"ssn", "holder.name"}
    assert "ssn" not in dead["value"]
    assert "name" not in dead["value"]["holder"]
    assert dead["value"]["holder"]["postal_code"] == "00100"  # the rest is kept for whoever inspects it
    assert "Maija" not in json.dumps(dead)
    assert "010180" not in json.dumps(dead)
    assert "not an accepted field" in dead["headers"]["error"]
