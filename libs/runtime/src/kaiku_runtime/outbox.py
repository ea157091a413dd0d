"""Transactional outbox: `enqueue` in the business transaction, `OutboxRelay` publishes (pattern 1).

The relay takes rows in id order under an advisory lock (one relay per database at a time, so
events of one key keep their order), publishes them, waits for the broker's acks, then deletes
them. A crash in between re-publishes; consumers de-duplicate by `event_id`.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from aiokafka import AIOKafkaProducer
from kaiku_contracts.envelope import Event
from kaiku_contracts.topics import EVENT_TYPE_HEADER

from kaiku_runtime.logging import get_logger
from kaiku_runtime.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG

_RELAY_LOCK_ID = 0x6B61696B75  # "kaiku": one relay per database publishes at a time
log = get_logger(__name__)


async def enqueue(conn: asyncpg.Connection, topic: str, key: str, event: Event) -> None:
    """Write `event` to the outbox inside the caller's transaction."""
    await conn.execute(
        "INSERT INTO outbox (topic, message_key, event_type, event_id, payload) VALUES ($1, $2, $3, $4, $5)",
        topic,
        key,
        event.event_type,
        event.event_id,
        event.model_dump_json(),
    )


async def enqueue_many(conn: asyncpg.Connection, messages: list[tuple[str, str, Event]]) -> None:
    if not messages:
        return
    await conn.executemany(
        "INSERT INTO outbox (topic, message_key, event_type, event_id, payload) VALUES ($1, $2, $3, $4, $5)",
        [(topic, key, e.event_type, e.event_id, e.model_dump_json()) for topic, key, e in messages],
    )


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: AIOKafkaProducer,
        *,
        poll_seconds: float = 0.05,
        batch_size: int = 500,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Publish soon: called after a transaction that enqueued events has committed."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows went out (0 when idle or another relay holds the lock)."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", _RELAY_LOCK_ID):
                return 0
            rows = await conn.fetch(
                "SELECT id, topic, message_key, event_type, payload FROM outbox ORDER BY id LIMIT $1",
                self._batch_size,
            )
            if not rows:
                OUTBOX_BACKLOG.set(0)
                return 0
            futures = [
                await self._producer.send(
                    row["topic"],
                    value=row["payload"].encode(),
                    key=row["message_key"].encode(),
                    headers=[(EVENT_TYPE_HEADER, row["event_type"].encode())],
                )
                for row in rows
            ]
            await asyncio.gather(*futures)
            await conn.execute("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [row["id"] for row in rows])
            for row in rows:
                EVENTS_PUBLISHED.labels(row["topic"]).inc()
            if len(rows) == self._batch_size:
                OUTBOX_BACKLOG.set(await conn.fetchval("SELECT count(*) FROM outbox"))
            else:
                OUTBOX_BACKLOG.set(0)
            return len(rows)

    async def run(self) -> None:
        while True:
            try:
                published = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker or database is away: keep the rows, try again
                log.warning("outbox_publish_failed", error=type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            if published == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
                self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
