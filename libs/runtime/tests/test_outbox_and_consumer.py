"""The shared reliability pieces against real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from faststream.kafka.message import KafkaMessage
from faststream.kafka.parser import AioKafkaBatchParser
from kaiku_contracts.cards import CardEvent, CardIssued, CardRevoked
from kaiku_contracts.enums import RevocationReason
from kaiku_contracts.topics import Topics, TopicSpec
from kaiku_devkit.testing import Databases, read_topic, unique
from kaiku_runtime.consumer import BatchConsumer, DeadLetters, Delivered, Refused, _raw_records, advance_positions
from kaiku_runtime.outbox import OutboxRelay, enqueue
from kaiku_runtime.topics import create_topics
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


def record(
    value: bytes | None,
    offset: int,
    key: bytes = b"K",
    headers: tuple[tuple[str, bytes], ...] = (),
    *,
    partition: int = 0,
) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=Topics.CARDS,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value or b""),
        headers=headers,
    )


async def test_consumer_dead_letters_garbage_and_applies_each_event_once(runtime_db: str, kafka_bootstrap: str) -> None:
    applied: list[str] = []

    async def handler(_conn: asyncpg.Connection, batch: list[Delivered[CardRevoked]]) -> None:
        applied.extend(d.event.card_code for d in batch)

    good = revoked(unique("CN"))
    marker = unique("garbage-").encode()
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
            record(b"{not json", 1, marker),
            record(good.to_json_bytes(), 2, marker),
            record(b'{"event_type": "CardRevoked", "card_code": 42}', 3, marker),
            record(b'{"event_type": "CardExploded"}', 4, marker),
            record(good.to_json_bytes(), 5, marker),  # a duplicate delivery
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
            and r["key"] == marker.decode()
        ]

    records = await read_topic(kafka_bootstrap, Topics.DEAD_LETTER, until=lambda rs: len(reasons(rs)) >= 3)
    errors = reasons(records)
    [not_json] = [r for r in records if r["key"] == marker.decode() and r["headers"]["source_offset"] == "1"]
    assert not_json["value"] is None  # bytes that are not JSON may hold anything: none of them is kept
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


def issued(code: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "CardIssued",
        "schema_version": 1,
        "occurred_at": "2026-03-01T10:00:00Z",
        "card_code": code,
        "card_type": "community",
        "region_id": "R1",
        "distributor_id": "D1",
        "issued_on": "2026-03-01",
        "valid_until": "2027-03-01",
        "holder": None,
        **fields,
    }


async def test_a_message_that_makes_the_handler_raise_is_dead_lettered_alone(
    runtime_db: str, kafka_bootstrap: str
) -> None:
    """docs/contract.md "A message never stops a consumer": retried, then isolated; the others are applied once."""
    poison_code = unique("POISON")

    async def handler(conn: asyncpg.Connection, batch: list[Delivered[CardIssued]]) -> None:
        for delivered in batch:
            if delivered.event.card_code == poison_code:
                raise ZeroDivisionError  # a value the handler cannot cope with
            await conn.execute("INSERT INTO applied_cards VALUES ($1)", delivered.event.card_code)

    key = unique("poison-").encode()
    goods = [unique("CP") for _ in range(4)]
    values = [issued(goods[0]), issued(goods[1]), issued(poison_code), issued(goods[2]), issued(goods[3])]
    pool = await asyncpg.create_pool(runtime_db)
    await pool.execute("CREATE TABLE IF NOT EXISTS applied_cards (card_code text)")
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    consumer: BatchConsumer[CardIssued] = BatchConsumer(
        name=unique("poison-consumer"),
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=handler,
        pool_getter=lambda: pool,
        dead_letters_getter=lambda: DeadLetters(producer),
    )
    try:
        started = time.monotonic()
        await consumer.apply([record(json.dumps(v).encode(), i, key) for i, v in enumerate(values)])
        assert time.monotonic() - started < 30  # the partition waits seconds, never longer (docs/contract.md)
        await consumer.apply([record(json.dumps(v).encode(), i, key) for i, v in enumerate(values)])  # redelivered
        rows = await pool.fetch("SELECT card_code FROM applied_cards WHERE card_code = ANY($1)", [*goods, poison_code])
    finally:
        await producer.stop()
        await pool.close()
    assert sorted(r["card_code"] for r in rows) == sorted(
        goods
    )  # every valid one exactly once, none taken with the poison

    def mine(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rs if r["key"] == key.decode()]

    dead = mine(await read_topic(kafka_bootstrap, Topics.DEAD_LETTER, until=lambda rs: len(mine(rs)) >= 2))
    assert {d["headers"]["source_offset"] for d in dead} == {"2"}
    assert dead[0]["headers"]["error"] == "handler failed: ZeroDivisionError"
    assert dead[0]["headers"]["source_topic"] == Topics.CARDS
    assert dead[0]["value"]["card_code"] == poison_code


async def test_a_failing_database_holds_the_batch_and_dead_letters_nothing(kafka_bootstrap: str) -> None:
    """An outage is no message's fault: the batch is raised for a rewind (nack), never dead-lettered."""

    async def handler(_conn: asyncpg.Connection, _batch: list[Delivered[CardIssued]]) -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    class Pool:
        def acquire(self) -> Any:
            raise ConnectionRefusedError

    sent: list[Any] = []

    class Recording(DeadLetters):
        async def send(self, refused: list[Any]) -> None:
            sent.extend(refused)

    consumer: BatchConsumer[CardIssued] = BatchConsumer(
        name="outage",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=handler,
        pool_getter=lambda: Pool(),  # type: ignore[arg-type,return-value]
        dead_letters_getter=lambda: Recording(None),  # type: ignore[arg-type]
    )
    with pytest.raises(ConnectionRefusedError):
        await consumer.apply([record(json.dumps(issued(unique("CO"))).encode(), 1)])
    assert sent == []


async def test_an_identity_code_in_any_field_is_refused_and_not_kept(kafka_bootstrap: str) -> None:
    code, marker = unique("IC"), unique("ic-").encode()
    value = issued(code, distributor_id="131052-308T", holder=None)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    consumer: BatchConsumer[CardIssued] = BatchConsumer(
        name="identity-codes",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=lambda _conn, _batch: pytest.fail("refused before any handler"),
        pool_getter=lambda: pytest.fail("nothing to apply"),
        dead_letters_getter=lambda: DeadLetters(producer),
    )
    try:
        await consumer.apply([record(json.dumps(value).encode(), 1, marker)])
    finally:
        await producer.stop()

    def mine(rs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rs if r["key"] == marker.decode()]

    [dead] = mine(await read_topic(kafka_bootstrap, Topics.DEAD_LETTER, until=lambda rs: bool(mine(rs))))
    assert dead["headers"]["error"] == "personal data: an identity code in `distributor_id`"
    assert dead["headers"]["redacted"] == "distributor_id"
    assert "distributor_id" not in dead["value"]
    assert dead["value"]["card_code"] == code
    assert "131052" not in json.dumps(dead)


@pytest.mark.parametrize(
    "header", [b"\xff\xfe" * 32, "ä".encode() * 64, b"", b"\x00"], ids=["not-utf8", "not-ascii", "empty", "nul"]
)
async def test_headers_reach_the_consumer_as_the_bytes_that_arrived(header: bytes) -> None:
    """FastStream's batch parser raises on a header that is not UTF-8 (the batch vanishes); ours never reads them."""
    batch = (record(b"{}", 1, headers=(("signature", header), ("event_type", b"CardIssued"))), record(b"{}", 2))
    message = await _raw_records(batch, AioKafkaBatchParser(KafkaMessage, None).parse_batch)
    assert message.raw_message is batch
    assert message.raw_message[0].headers[0] == ("signature", header)
    assert message.body == [b"{}", b"{}"]
    with pytest.raises(UnicodeDecodeError):  # what happens without it, for the record
        await AioKafkaBatchParser(KafkaMessage, None).parse_batch((record(b"{}", 1, headers=(("s", b"\xff"),)),))


class RecordingDeadLetters(DeadLetters):
    """Dead letters kept in a list: these tests need PostgreSQL only."""

    def __init__(self) -> None:
        self.sent: list[Refused] = []

    async def send(self, refused: list[Refused]) -> None:
        self.sent.extend(refused)


@dataclass
class Positions:
    """A de-duplicating consumer of revocations with what it applied, its stored positions and event ids."""

    pool: asyncpg.Pool
    consumer: BatchConsumer[CardRevoked]
    dead_letters: RecordingDeadLetters
    applied: list[str] = field(default_factory=list)

    async def positions(self) -> dict[int, int]:
        rows = await self.pool.fetch(
            "SELECT partition, next_offset FROM consumer_positions WHERE consumer = $1 AND topic = $2",
            self.consumer.name,
            Topics.CARDS,
        )
        return {r["partition"]: r["next_offset"] for r in rows}

    async def event_ids(self) -> set[uuid.UUID]:
        rows = await self.pool.fetch("SELECT event_id FROM processed_events WHERE consumer = $1", self.consumer.name)
        return {r["event_id"] for r in rows}


@pytest.fixture
async def positions(runtime_db: str) -> AsyncIterator[Positions]:
    pool = await asyncpg.create_pool(runtime_db)
    assert pool is not None
    dead_letters = RecordingDeadLetters()
    applied: list[str] = []

    async def handler(_conn: asyncpg.Connection, batch: list[Delivered[CardRevoked]]) -> None:
        applied.extend(d.event.card_code for d in batch)

    consumer: BatchConsumer[CardRevoked] = BatchConsumer(
        name=unique("positions-"),
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=handler,
        pool_getter=lambda: pool,
        dead_letters_getter=lambda: dead_letters,
    )
    try:
        yield Positions(pool, consumer, dead_letters, applied)
    finally:
        await pool.close()


async def test_a_redelivery_below_the_stored_position_is_skipped_without_looking_up_event_ids(
    positions: Positions,
) -> None:
    events = [revoked(unique("RP")) for _ in range(3)]
    batch = [record(e.to_json_bytes(), 10 + i) for i, e in enumerate(events)]
    await positions.consumer.apply(batch)
    assert positions.applied == [e.card_code for e in events]
    assert await positions.positions() == {0: 13}
    # the ids are gone (as if pruned): the position alone keeps a rebalance's re-delivery from applying again
    await positions.pool.execute("DELETE FROM processed_events WHERE consumer = $1", positions.consumer.name)
    await positions.consumer.apply(batch)
    await positions.consumer.apply(batch[1:])
    assert positions.applied == [e.card_code for e in events]
    assert await positions.positions() == {0: 13}


async def test_an_event_published_again_at_a_new_offset_is_skipped_by_its_id(positions: Positions) -> None:
    event = revoked(unique("RI"))
    await positions.consumer.apply([record(event.to_json_bytes(), 20)])
    # the outbox relay re-published it (at-least-once): a later offset, the same event id
    await positions.consumer.apply([record(event.to_json_bytes(), 27)])
    assert positions.applied == [event.card_code]
    assert await positions.positions() == {0: 28}
    assert await positions.event_ids() == {event.event_id}


async def test_positions_never_move_backwards(positions: Positions) -> None:
    first = [revoked(unique("RB")) for _ in range(2)]
    await positions.consumer.apply([record(e.to_json_bytes(), 5 + i, partition=1) for i, e in enumerate(first)])
    assert await positions.positions() == {1: 7}
    async with positions.pool.acquire() as conn, conn.transaction():
        await advance_positions(conn, positions.consumer.name, {(Topics.CARDS, 1): 3, (Topics.CARDS, 2): 4})
    assert await positions.positions() == {1: 7, 2: 4}
    # an offset reset to earlier offsets: what lies below the position was applied, whatever it holds now
    earlier = [revoked(unique("RB")) for _ in range(2)]
    await positions.consumer.apply([record(e.to_json_bytes(), 2 + i, partition=1) for i, e in enumerate(earlier)])
    assert positions.applied == [e.card_code for e in first]
    assert await positions.positions() == {1: 7, 2: 4}


async def test_a_position_beyond_the_partitions_end_is_dropped(positions: Positions) -> None:
    """The dev stack's broker keeps its log in memory and the databases persist: after a restart the topics
    start again at offset 0, and the old position must not make the consumer skip the new events."""
    before = revoked(unique("RR"))
    await positions.consumer.apply([record(before.to_json_bytes(), 60)])
    assert await positions.positions() == {0: 61}
    again = revoked(unique("RR"))
    await positions.consumer.apply([record(again.to_json_bytes(), 0)], lambda tp: 1)  # the topic's end is 1
    assert positions.applied == [before.card_code, again.card_code]
    assert await positions.positions() == {0: 1}
    # a re-delivery within the topic's end is still skipped by the position (the ids gone, as if pruned)
    await positions.pool.execute("DELETE FROM processed_events WHERE consumer = $1", positions.consumer.name)
    await positions.consumer.apply([record(again.to_json_bytes(), 0)], lambda tp: 1)
    assert positions.applied == [before.card_code, again.card_code]


async def test_the_position_stays_below_a_refused_record_until_it_is_dead_lettered(positions: Positions) -> None:
    """The dead letter is sent after the commit: a crash in between must re-deliver the refused record."""
    after = revoked(unique("RH"))
    await positions.consumer.apply([record(b"{not json", 30), record(after.to_json_bytes(), 31)])
    assert positions.applied == [after.card_code]
    assert [r.record.offset for r in positions.dead_letters.sent] == [30]
    assert await positions.positions() == {0: 30}
    # re-delivered after such a crash: the refused record is dead-lettered again, the event not applied again
    await positions.consumer.apply([record(b"{not json", 30), record(after.to_json_bytes(), 31)])
    assert positions.applied == [after.card_code]
    assert [r.record.offset for r in positions.dead_letters.sent] == [30, 30]
    await positions.consumer.apply([record(revoked(unique("RH")).to_json_bytes(), 32)])
    assert await positions.positions() == {0: 33}


async def test_pruning_forgets_only_ids_older_than_the_window(positions: Positions) -> None:
    name = positions.consumer.name
    events = [revoked(unique("RQ")) for _ in range(3)]
    await positions.consumer.apply([record(e.to_json_bytes(), 40 + i) for i, e in enumerate(events)])
    old = [events[0].event_id, events[1].event_id]
    await positions.pool.execute(
        "UPDATE processed_events SET processed_at = now() - interval '8 days' "
        "WHERE consumer = $1 AND event_id = ANY($2)",
        name,
        old,
    )
    other = unique("other-consumer-")
    await positions.pool.execute(
        "INSERT INTO processed_events (consumer, event_id, processed_at) VALUES ($1, $2, now() - interval '30 days')",
        other,
        uuid.uuid4(),
    )
    assert await positions.consumer.prune_processed_events(timedelta(days=7)) == 2
    assert await positions.event_ids() == {events[2].event_id}
    assert await positions.pool.fetchval("SELECT count(*) FROM processed_events WHERE consumer = $1", other) == 1
    assert await positions.consumer.prune_processed_events(timedelta(days=7)) == 0
    # the id inside the window still de-duplicates an outbox re-publish at a new offset
    await positions.consumer.apply([record(events[2].to_json_bytes(), 50)])
    assert positions.applied == [e.card_code for e in events]


async def test_an_old_schema_version_is_upcast_and_applied_and_a_newer_one_dead_lettered(runtime_db: str) -> None:
    applied: list[CardRevoked] = []

    async def handler(_conn: asyncpg.Connection, batch: list[Delivered[CardRevoked]]) -> None:
        applied.extend(d.event for d in batch)

    def v0_to_v1(document: dict[str, Any]) -> dict[str, Any]:  # version 0 called the card code `card`
        return {**{k: v for k, v in document.items() if k != "card"}, "card_code": document["card"]}

    old, new = unique("UP"), unique("UP")
    current = json.loads(revoked(old).to_json_bytes())
    v0 = {**{k: v for k, v in current.items() if k != "card_code"}, "card": old, "schema_version": 0}
    v2 = {**json.loads(revoked(new).to_json_bytes()), "schema_version": 2}
    pool = await asyncpg.create_pool(runtime_db)
    dead_letters = RecordingDeadLetters()
    consumer: BatchConsumer[CardRevoked] = BatchConsumer(
        name=unique("upcasting-"),
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=handler,
        pool_getter=lambda: pool,
        dead_letters_getter=lambda: dead_letters,
        upcasters={0: v0_to_v1},
    )
    try:
        await consumer.apply([record(json.dumps(v0).encode(), 1), record(json.dumps(v2).encode(), 2)])
    finally:
        await pool.close()
    assert [(e.card_code, e.schema_version, str(e.event_id)) for e in applied] == [(old, 1, current["event_id"])]
    [dead] = dead_letters.sent
    assert dead.record.offset == 2
    assert dead.reason == "schema_version 2 is newer than this consumer reads (1)"
