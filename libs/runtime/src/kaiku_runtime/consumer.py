"""Idempotent batch consumers with a dead-letter topic (patterns 2 and 5).

A FastStream batch subscriber hands raw records to `BatchConsumer.consume` (headers and values as
the bytes that arrived: FastStream's own batch parser decodes every header as UTF-8 and one bad
header would make the whole batch vanish, see docs/usage.md "Ticket agencies on Kafka"). Each record
is decoded here into its contract model; what cannot be decoded goes to `kaiku.dead-letter.v1`
with the reason. The decoded events are applied in ONE database transaction together with their
`processed_events` rows and the consumer's position per partition (`consumer_positions`); only after
that commit is the Kafka offset committed (manual ack).

Two checks make a re-delivery change nothing: a record below the stored position of its partition was
applied already (a rebalance, an offset reset) and is skipped outright; the rest are de-duplicated by
event id, because the outbox relay may publish one event twice at different offsets. Event ids are
kept for a retention window only (`prune_processed_events`), far longer than such a re-publish.

Events carry `schema_version`: `upcasters` turn an older document into the current one before it is
validated; a version newer than the consumer knows is dead-lettered.

No message stops a consumer (docs/contract.md "A message never stops a consumer"): a batch that fails is
tried again a few times, then message by message; the one that still fails is dead-lettered (and
answered, where the topic has someone to answer) and the rest go on. Only a failure of the database
or the broker themselves (which no message causes) rewinds to the batch start (nack) until they answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from kaiku_contracts.identity_codes import fields_with_identity_codes
from kaiku_contracts.topics import (
    DEAD_LETTER_ERROR_HEADER,
    DEAD_LETTER_REDACTED_HEADER,
    DEAD_LETTER_SOURCE_HEADER,
    Topics,
)
from pydantic import TypeAdapter, ValidationError

from kaiku_runtime.errors import describe_validation_errors
from kaiku_runtime.logging import get_logger
from kaiku_runtime.metrics import (
    CONSUMER_ERRORS,
    CONSUMER_LAG,
    CONSUMER_LAST_BATCH,
    DEAD_LETTERS,
    DUPLICATES_SKIPPED,
    EVENTS_CONSUMED,
    PROCESSED_EVENTS_PRUNED,
)

E = TypeVar("E")
log = get_logger(__name__)

MAX_MESSAGE_BYTES = 1_000_000
"""Larger values are refused to the dead-letter topic rather than parsed."""

RETRY_PAUSES_S = (0.25, 1.0)
"""Pauses between the tries of a failing batch before it is taken apart message by message: with the
one-by-one pass, a poison message holds its partition for a few seconds, far under the 30 s of docs/contract.md."""

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
)
"""Failures of the database or the network, not of a message: the batch waits for them (nack), never
dead-lettered, or an outage would empty a topic into the dead letters."""


@dataclass(frozen=True, slots=True)
class Delivered(Generic[E]):
    """A decoded event with the record it came in."""

    event: E
    record: ConsumerRecord[Any, Any]


Handler = Callable[[asyncpg.Connection, list[Delivered[E]]], Awaitable[None]]
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns the JSON document of one `schema_version` into the next version's."""
Partition = tuple[str, int]

PRUNE_BATCH = 10_000
"""Event ids deleted per statement when pruning: short transactions, no long lock on a large backlog."""


async def claim_new_events(conn: asyncpg.Connection, consumer: str, event_ids: Sequence[UUID]) -> set[UUID]:
    """Record `event_ids` as applied by `consumer`; return those not applied before (same transaction)."""
    if not event_ids:
        return set()
    rows = await conn.fetch(
        "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        consumer,
        list(event_ids),
    )
    return {row["event_id"] for row in rows}


async def stored_positions(conn: asyncpg.Connection, consumer: str, topics: Sequence[str]) -> dict[Partition, int]:
    """The next offset `consumer` reads per (topic, partition), as committed with its effects."""
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM consumer_positions WHERE consumer = $1 AND topic = ANY($2::text[])",
        consumer,
        list(topics),
    )
    return {(row["topic"], row["partition"]): row["next_offset"] for row in rows}


async def advance_positions(conn: asyncpg.Connection, consumer: str, positions: Mapping[Partition, int]) -> None:
    """Store `positions` (next offsets) in the caller's transaction; a position never moves backwards."""
    if not positions:
        return
    ordered = sorted(positions.items())  # one lock order for every transaction
    await conn.execute(
        "INSERT INTO consumer_positions (consumer, topic, partition, next_offset) "
        "SELECT $1, t, p, o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS x(t, p, o) "
        "ON CONFLICT (consumer, topic, partition) DO UPDATE SET "
        "next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset), updated_at = now()",
        consumer,
        [tp[0] for tp, _ in ordered],
        [tp[1] for tp, _ in ordered],
        [offset for _, offset in ordered],
    )


async def forget_positions(conn: asyncpg.Connection, consumer: str, partitions: Sequence[Partition]) -> None:
    await conn.execute(
        "DELETE FROM consumer_positions WHERE consumer = $1 AND (topic, partition) IN "
        "(SELECT * FROM unnest($2::text[], $3::int[]))",
        consumer,
        [tp[0] for tp in partitions],
        [tp[1] for tp in partitions],
    )


async def prune_processed_events(pool: asyncpg.Pool, consumer: str, retention: timedelta) -> int:
    """Delete `consumer`'s event ids recorded longer than `retention` ago; return how many."""
    pruned = 0
    while True:
        status = await pool.execute(
            "DELETE FROM processed_events WHERE consumer = $1 AND event_id IN ("
            "SELECT event_id FROM processed_events WHERE consumer = $1 AND processed_at < now() - $2::interval "
            "LIMIT $3)",
            consumer,
            retention,
            PRUNE_BATCH,
        )
        deleted = int(status.rsplit(" ", 1)[-1])
        pruned += deleted
        if deleted < PRUNE_BATCH:
            return pruned


@dataclass(frozen=True, slots=True)
class Refused:
    """A record that could not be decoded: why, and the value the dead-letter topic may keep."""

    record: ConsumerRecord[Any, Any]
    reason: str
    kept_value: bytes | None
    redacted: tuple[str, ...] = ()


def contract_field_names(adapter: TypeAdapter[Any]) -> frozenset[str]:
    """Every field name the contract behind `adapter` knows, at any depth."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict):
                names.update(properties)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(adapter.json_schema())
    return frozenset(names)


def _only_known(document: Any, known: frozenset[str], path: str = "") -> tuple[Any, list[str]]:
    """`document` with every field the contract does not know removed, and where those were."""
    if isinstance(document, list):
        kept_items, dropped = [], []
        for item in document:
            kept, gone = _only_known(item, known, path)
            kept_items.append(kept)
            dropped += gone
        return kept_items, dropped
    if not isinstance(document, dict):
        return document, []
    kept_fields: dict[str, Any] = {}
    dropped = []
    for name, value in document.items():
        where = f"{path}.{name}" if path else str(name)
        if name in known:
            kept_fields[name], gone = _only_known(value, known, where)
            dropped += gone
        else:
            dropped.append(where)
    return kept_fields, dropped


def _kept(document: Any, known: frozenset[str]) -> tuple[bytes, tuple[str, ...]]:
    """What the dead-letter topic may keep of a JSON document: the fields the contract knows, minus any
    string holding a personal identity code (§11), and the paths of what it left out."""
    kept, dropped = _only_known(document, known)
    personal = list(fields_with_identity_codes(kept))
    for path in personal:
        kept = _without(kept, path.split("."))
    return json.dumps(kept, ensure_ascii=False).encode(), tuple(dropped + personal)


def _without(document: Any, path: list[str]) -> Any:
    if not path or not isinstance(document, dict):
        return None  # a list item or the whole value: replaced, never kept
    head, rest = path[0], path[1:]
    if head not in document:
        return document
    if not rest:
        return {k: v for k, v in document.items() if k != head}
    return {**document, head: _without(document[head], rest)}


@dataclass(frozen=True, slots=True)
class Upcasting:
    """`upcasters[n]` turns version n into n + 1; `current` is the version the contract reads."""

    upcasters: Mapping[int, Upcaster]
    current: int

    @classmethod
    def of(cls, upcasters: Mapping[int, Upcaster]) -> Upcasting:
        return cls(dict(upcasters), max(upcasters) + 1)

    def upcast(self, document: Any) -> tuple[Any, str | None]:
        """`document` at the current version (None when it is that already), or why it cannot be."""
        if not isinstance(document, dict):
            return None, None  # not an event: validation says why
        version = document.get("schema_version", 1)  # the contract's default
        if not isinstance(version, int) or isinstance(version, bool):
            return None, "schema: `schema_version` is not an integer"
        if version > self.current:
            return None, f"schema_version {version} is newer than this consumer reads ({self.current})"
        if version == self.current:
            return None, None
        for step in range(version, self.current):
            upcaster = self.upcasters.get(step)
            if upcaster is None:
                return None, f"schema_version {version} is older than this consumer can upcast"
            try:
                document = {**upcaster(document), "schema_version": step + 1}
            except Exception as exc:  # the old document's fault, like a schema error
                return None, f"upcast from schema_version {step} failed: {type(exc).__name__}"
        return document, None


def _refusal(
    record: ConsumerRecord[Any, Any], adapter: TypeAdapter[Any], known: frozenset[str], upcasting: Upcasting | None
) -> tuple[Any, Refused | None]:
    value = record.value
    if value is None:
        return None, Refused(record, "empty message (tombstone)", None)
    if len(value) > MAX_MESSAGE_BYTES:
        return None, Refused(record, f"message of {len(value)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit", b"")
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):
        # nothing of it is kept: bytes that are not JSON may hold anything, personal data included
        return None, Refused(record, "not valid JSON", None)
    personal = sorted(set(fields_with_identity_codes(document)))
    if personal:
        # an identity code is refused wherever it appears (docs/contract.md); the reason names the field only
        kept, dropped = _kept(document, known)
        reason = "personal data: an identity code in " + ", ".join(f"`{p}`" for p in personal)
        return None, Refused(record, reason, kept, dropped)
    if upcasting is not None:
        upcast, why = upcasting.upcast(document)
        if why is not None:
            kept, dropped = _kept(document, known)
            return None, Refused(record, why, kept, dropped)
        if upcast is not None:
            value = json.dumps(upcast).encode()
    try:
        return adapter.validate_json(value), None  # from the bytes: JSON types exactly as the contract reads them
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if errors and errors[0].get("type") == "json_invalid":
            return None, Refused(record, "not valid JSON", None)
        reason = "schema: " + describe_validation_errors(list(errors))
        # Fields the contract does not know are where personal data would be (§11): the dead-letter topic
        # keeps the rest of the message for inspection, never them, and names what it left out.
        kept, dropped = _kept(document, known)
        return None, Refused(record, reason, kept, dropped)


def _decode(
    record: ConsumerRecord[Any, Any], adapter: TypeAdapter[Any], known: frozenset[str], upcasting: Upcasting | None
) -> tuple[Any, Refused | None]:
    try:
        return _refusal(record, adapter, known, upcasting)
    except Exception as exc:  # whatever a message does to the decoder, it is that message's fault
        return None, Refused(record, f"undecodable: {type(exc).__name__}", None)


RefusedHandler = Callable[[asyncpg.Connection, list[Refused]], Awaitable[None]]
"""Runs after the refused records were dead-lettered, in a transaction of its own (e.g. to answer a sender)."""


def _hold(held: dict[Partition, int], record: ConsumerRecord[Any, Any]) -> None:
    """Keep the partition's position at or below `record` until it has been dead-lettered."""
    tp = (record.topic, record.partition)
    held[tp] = min(held.get(tp, record.offset), record.offset)


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, refused: list[Refused]) -> None:
        futures = []
        for r in refused:
            record = r.record
            headers = [
                (DEAD_LETTER_ERROR_HEADER, r.reason.encode()),
                (DEAD_LETTER_SOURCE_HEADER, record.topic.encode()),
                ("source_partition", str(record.partition).encode()),
                ("source_offset", str(record.offset).encode()),
            ]
            if r.redacted:
                headers.append((DEAD_LETTER_REDACTED_HEADER, ",".join(r.redacted).encode()))
            futures.append(
                await self._producer.send(Topics.DEAD_LETTER, value=r.kept_value, key=record.key, headers=headers)
            )
            DEAD_LETTERS.labels(record.topic).inc()
            log.warning("dead_lettered", source_topic=record.topic, offset=record.offset, error=r.reason)
        await asyncio.gather(*futures)


class BatchConsumer(Generic[E]):
    """Decode → dead-letter the bad → apply the good in one transaction → commit offsets."""

    def __init__(
        self,
        *,
        name: str,
        topic: str,
        adapter: TypeAdapter[E],
        handler: Handler[E],
        pool_getter: Callable[[], asyncpg.Pool],
        dead_letters_getter: Callable[[], DeadLetters],
        dedupe_by_event_id: bool = True,
        after_commit: Callable[[], None] | None = None,
        on_refused: RefusedHandler | None = None,
        upcasters: Mapping[int, Upcaster] | None = None,
    ) -> None:
        """`upcasters`: {n: turns schema_version n into n + 1}; the highest n + 1 is the version the
        contract reads, a newer one is dead-lettered. None: documents are validated as they come."""
        self.name = name
        self.topic = topic
        self._adapter = adapter
        self._known_fields = contract_field_names(adapter)
        self._handler = handler
        self._pool = pool_getter
        self._dead_letters = dead_letters_getter
        self.dedupes_by_event_id = dedupe_by_event_id
        self._after_commit = after_commit
        self._on_refused = on_refused
        self._upcasting = Upcasting.of(upcasters) if upcasters else None
        self.batches_applied = 0
        self._lag_by_partition: dict[int, int] = {}

    async def apply(
        self,
        records: Sequence[ConsumerRecord[Any, Any]],
        highwater: Callable[[TopicPartition], int | None] | None = None,
    ) -> None:
        """`highwater`: the partitions' ends as the fetch reported them; a stored position beyond its
        partition's end belongs to a topic since recreated (e.g. the dev stack's in-memory broker) and is dropped."""
        ends: dict[Partition, int] = {}
        if highwater is not None:
            for tp in {(r.topic, r.partition) for r in records}:
                end = highwater(TopicPartition(*tp))
                if end is not None:
                    ends[tp] = end
        # log lines of the batch (dead letters, the handler's own) say which consumer wrote them
        with structlog.contextvars.bound_contextvars(consumer=self.name):
            await self._apply(records, ends)

    async def prune_processed_events(self, retention: timedelta) -> int:
        """Forget the event ids applied longer than `retention` ago (a re-publish never comes that late)."""
        pruned = await prune_processed_events(self._pool(), self.name, retention)
        PROCESSED_EVENTS_PRUNED.labels(self.name).inc(pruned)
        if pruned:
            log.info("processed_events_pruned", consumer=self.name, pruned=pruned)
        return pruned

    async def _apply(self, records: Sequence[ConsumerRecord[Any, Any]], ends: Mapping[Partition, int]) -> None:
        good: list[Delivered[E]] = []
        bad: list[Refused] = []
        for record in records:
            event, refused = _decode(record, self._adapter, self._known_fields, self._upcasting)
            if refused is None:
                good.append(Delivered(event, record))
            else:
                bad.append(refused)
        # The position stops below a refused record until it is dead-lettered (after the commit): a crash
        # in between re-delivers it instead of skipping it.
        held: dict[Partition, int] = {}
        for refused in bad:
            _hold(held, refused.record)
        if good:
            bad += await self._apply_isolating(good, held, ends)
        if bad:
            await self._dead_letters().send(bad)
            if self._on_refused is not None:
                await self._answer_refused(bad)
        self.batches_applied += 1

    async def _answer_refused(self, refused: list[Refused]) -> None:
        """Run `on_refused` for the lot, or one by one if the lot fails: an answer that cannot be made is
        logged and left (the message is dead-lettered already), never a reason to stop."""
        if await self._try_answer(refused) or len(refused) == 1:
            return
        for one in refused:
            await self._try_answer([one])

    async def _try_answer(self, refused: list[Refused]) -> bool:
        assert self._on_refused is not None
        try:
            async with self._pool().acquire() as conn, conn.transaction():
                await self._on_refused(conn, refused)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            CONSUMER_ERRORS.labels(self.name).inc()
            log.error("consumer_refusal_unanswered", consumer=self.name, error=type(exc).__name__, size=len(refused))
            return False
        return True

    async def _apply_isolating(
        self, good: list[Delivered[E]], held: dict[Partition, int], ends: Mapping[Partition, int]
    ) -> list[Refused]:
        """Apply `good`; return the messages that make the handler fail every time (poison), applying the rest.

        A failure of the database or the network itself is raised (the batch waits for it, never dead-lettered).
        """
        error = "Exception"
        for pause in (*RETRY_PAUSES_S, None):
            try:
                await self._apply_good(good, held, ends)
                return []
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                error = type(exc).__name__
                CONSUMER_ERRORS.labels(self.name).inc()
                log.warning("consumer_batch_retried", consumer=self.name, error=error, size=len(good))
                if pause is not None:
                    await asyncio.sleep(pause)
        if len(good) == 1:
            # the one message failed every try: it is the poison
            return [self._poisoned(good[0], f"handler failed: {error}")]
        poisoned: list[Refused] = []
        for delivered in good:  # one at a time: the poison fails alone and takes no other message with it
            try:
                await self._apply_good([delivered], held, ends)
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                CONSUMER_ERRORS.labels(self.name).inc()
                poisoned.append(self._poisoned(delivered, f"handler failed: {type(exc).__name__}"))
                _hold(held, delivered.record)
        return poisoned

    def _poisoned(self, delivered: Delivered[E], reason: str) -> Refused:
        record = delivered.record
        log.error("consumer_message_poisoned", consumer=self.name, offset=record.offset, partition=record.partition)
        try:
            kept, dropped = _kept(json.loads(record.value), self._known_fields)
        except Exception:  # pragma: no cover - it was decoded once already
            kept, dropped = b"", ()
        return Refused(record, reason, kept, dropped)

    async def _apply_good(
        self, good: list[Delivered[E]], held: Mapping[Partition, int], ends: Mapping[Partition, int]
    ) -> None:
        delivered_count = len(good)
        async with self._pool().acquire() as conn, conn.transaction():
            positions = await stored_positions(conn, self.name, sorted({d.record.topic for d in good}))
            stale = {tp: p for tp, p in positions.items() if tp in ends and ends[tp] < p}
            if stale:
                # a live partition's end never falls below what was applied: the topic was recreated
                log.warning("consumer_position_beyond_topic_end", positions=str(stale), ends=str(dict(ends)))
                await forget_positions(conn, self.name, list(stale))
                positions = {tp: p for tp, p in positions.items() if tp not in stale}
            advanced: dict[Partition, int] = {}
            for delivered in good:
                tp = (delivered.record.topic, delivered.record.partition)
                advanced[tp] = min(max(advanced.get(tp, 0), delivered.record.offset + 1), held.get(tp, 1 << 62))
            # below the stored position: applied already (a re-delivery), no event-id lookup needed
            good = [d for d in good if d.record.offset >= positions.get((d.record.topic, d.record.partition), 0)]
            if self.dedupes_by_event_id and good:
                ids = [getattr(d.event, "event_id") for d in good]  # noqa: B009
                fresh = await claim_new_events(conn, self.name, ids)
                # keep the first delivery of each fresh id: a batch may hold the same event twice
                firsts: list[Delivered[E]] = []
                for delivered, event_id in zip(good, ids, strict=True):
                    if event_id in fresh:
                        fresh.discard(event_id)
                        firsts.append(delivered)
                good = firsts
            if good:
                await self._handler(conn, good)
            await advance_positions(conn, self.name, advanced)
        DUPLICATES_SKIPPED.labels(self.name).inc(delivered_count - len(good))
        EVENTS_CONSUMED.labels(self.name, self.topic).inc(len(good))
        if self._after_commit is not None:
            self._after_commit()

    async def consume(self, _body: list[bytes], msg: KafkaMessage) -> None:
        raw = msg.raw_message
        records: tuple[ConsumerRecord[Any, Any], ...] = raw if isinstance(raw, tuple) else (raw,)
        highwater = getattr(msg.consumer, "highwater", None)
        try:
            await self.apply(records, highwater)
        except Exception as exc:
            CONSUMER_ERRORS.labels(self.name).inc()
            log.exception("consumer_batch_failed", consumer=self.name, error=type(exc).__name__)
            await msg.nack()
            await asyncio.sleep(1.0)
            return
        await msg.ack()
        assignment = getattr(msg.consumer, "assignment", None)
        assigned = {tp.partition for tp in assignment() if tp.topic == self.topic} if assignment else None
        self.record_lag(records, highwater, assigned)

    def record_lag(
        self,
        records: Sequence[ConsumerRecord[Any, Any]],
        highwater: Callable[[TopicPartition], int | None] | None,
        assigned: set[int] | None = None,
    ) -> None:
        """Lag after a committed batch: the partition's high watermark (from the fetch that brought the
        batch) minus the next offset to read, summed over the partitions this instance holds (`assigned`:
        partitions another instance took over in a rebalance no longer count here)."""
        next_offsets: dict[int, int] = {}
        for record in records:
            next_offsets[record.partition] = max(next_offsets.get(record.partition, 0), record.offset + 1)
        for partition, next_offset in next_offsets.items():
            end = highwater(TopicPartition(self.topic, partition)) if highwater is not None else None
            if end is not None:
                self._lag_by_partition[partition] = max(end - next_offset, 0)
        if assigned is not None:
            for partition in set(self._lag_by_partition) - assigned:
                del self._lag_by_partition[partition]
        CONSUMER_LAG.labels(self.name, self.topic).set(sum(self._lag_by_partition.values()))
        CONSUMER_LAST_BATCH.labels(self.name, self.topic).set(time.time())


async def _raw_bytes(message: StreamMessage[Any], _original: Any = None) -> Any:
    """FastStream decoder that leaves values undecoded: decoding (and dead-lettering) is ours."""
    return message.body


async def _raw_records(
    records: tuple[ConsumerRecord[Any, Any], ...], original: Callable[[Any], Awaitable[StreamMessage[Any]]]
) -> StreamMessage[Any]:
    """FastStream parser that hands the records over as they arrived, headers as bytes.

    FastStream's batch parser decodes every header as UTF-8, so one header that is not would make the
    whole fetched batch vanish before the handler runs (docs/usage.md, "Ticket agencies on Kafka"). It is given
    the records without headers (none of ours needs FastStream to read them) and the message keeps the
    raw records: `BatchConsumer` decodes what it needs itself.
    """
    batch = records if isinstance(records, tuple) else (records,)
    message = await original(tuple(dataclasses.replace(r, headers=[]) for r in batch))
    message.raw_message = batch
    return message


def subscribe(
    broker: KafkaBroker,
    consumer: BatchConsumer[Any],
    *,
    group_id: str,
    max_records: int,
    fetch_max_wait_ms: int,
    description: str,
) -> None:
    async def handle(body: list[bytes], msg: KafkaMessage) -> None:
        await consumer.consume(body, msg)

    handle.__name__ = f"on_{consumer.name.replace('-', '_')}"
    broker.subscriber(
        consumer.topic,
        group_id=group_id,
        batch=True,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        parser=_raw_records,
        decoder=_raw_bytes,
        max_records=max_records,
        fetch_max_wait_ms=fetch_max_wait_ms,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        description=description,
    )(handle)
