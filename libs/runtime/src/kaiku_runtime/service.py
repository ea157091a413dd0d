"""Composition root shared by the services: FastAPI + FastStream broker + pool + outbox relay in one lifespan.

Each service builds one `KaikuService`, adds its routers, consumers and documented publishers,
and exposes `service.app` to uvicorn. Pools and clients are made in the lifespan, never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import TypeAdapter

from kaiku_runtime.consumer import BatchConsumer, DeadLetters, Handler, RefusedHandler, Upcaster, subscribe
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, with_database
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES, HttpEdge, RefuseUnsafeStart
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.logging import configure_logging, get_logger
from kaiku_runtime.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, install_http_metrics
from kaiku_runtime.outbox import OutboxRelay
from kaiku_runtime.settings import DEFAULT_SERVER_URL, ServiceSettings, database_name
from kaiku_runtime.unit_of_work import UnitOfWork

log = get_logger(__name__)
MAX_KAFKA_MESSAGE_BYTES = 4 * 1024 * 1024
PRUNE_EVERY_S = 600.0
"""How often each instance forgets the event ids older than KAIKU_PROCESSED_EVENTS_RETENTION_HOURS."""

BackgroundTask = Callable[["KaikuService"], Coroutine[Any, Any, None]]
# Opened once the pool is up, closed before it (in reverse order): a service's own clients and stores.
Resource = Callable[["KaikuService"], contextlib.AbstractAsyncContextManager[None]]
ReadinessDetail = Callable[[], Awaitable[Any]]


class KaikuService:
    def __init__(
        self,
        name: str,
        *,
        settings: ServiceSettings,
        migrations: Path,
        title: str,
        description: str,
        version: str = "0.1.0",
        kafka: bool = True,
        api_docs: bool = True,
        identity_codes: bool = True,
        pool_size: tuple[int, int] | None = None,
    ) -> None:
        """`kafka=False`: a service without events (the portal): no broker, producer, relay, dead letters or
        outbox gauges, and readiness is its database alone. `api_docs=False`: no /docs, /redoc or
        /openapi.json. `identity_codes=False`: the edge does not refuse identity codes (the portal forwards
        what staff type; the services refuse them). `pool_size`: (min, max) connections instead of the
        runtime's defaults."""
        self.name = name
        self.settings = settings
        self.migrations = migrations
        self.database_url = settings.database_url or with_database(DEFAULT_SERVER_URL, database_name(name))
        self.kafka = kafka
        self.pool_size = pool_size
        self.resources: list[Resource] = []
        self.readiness_details: dict[str, ReadinessDetail] = {}
        self.broker = KafkaBroker(
            settings.kafka_bootstrap,
            client_id=f"kaiku-{name}",
            log_level=30,
            security=settings.kafka_security(),
            # topics are provisioned with their partitions, retention and compaction (`kaiku topics`,
            # deploy/kafka/kaiku-kafka-access.sh): left on, a subscriber would create a missing one with 1 partition
            allow_auto_create_topics=False,
        )
        self.asyncapi = AsyncAPI(self.broker, title=f"{title} (Kafka)", version=version, description=description)
        self.consumers: list[BatchConsumer[Any]] = []
        self.background: list[BackgroundTask] = []
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._dead_letters: DeadLetters | None = None
        self.relay: OutboxRelay | None = None
        self.unit_of_work = UnitOfWork(lambda: self.pool, self._wake_relay)
        docs: dict[str, Any] = {} if api_docs else {"docs_url": None, "redoc_url": None, "openapi_url": None}
        self.app = FastAPI(title=title, description=description, version=version, lifespan=self._lifespan, **docs)
        self.app.state.settings = settings
        self.app.state.service = self
        install_error_handlers(self.app)
        self.uploads: dict[str, int] = {}
        # inside the metrics middleware, so refusals are counted and carry a request id; before routing,
        # authentication and every log line of the request
        self.app.add_middleware(HttpEdge, uploads=self.uploads, identity_codes=identity_codes)
        install_http_metrics(self.app, name)
        self.app.add_middleware(RefuseUnsafeStart, name=f"kaiku-{name}", settings=lambda: self.settings)
        self.app.include_router(self._operations_router())

    # -- resources ---------------------------------------------------------------------------
    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database pool exists only while the service runs")
        return self._pool

    @property
    def producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("the Kafka producer exists only while the service runs")
        return self._producer

    @property
    def dead_letters(self) -> DeadLetters:
        if self._dead_letters is None:
            raise RuntimeError("dead letters are available only while the service runs")
        return self._dead_letters

    def _wake_relay(self) -> None:
        if self.relay is not None:
            self.relay.notify()

    # -- composition -------------------------------------------------------------------------
    def include_router(self, router: APIRouter) -> None:
        self.app.include_router(router)

    def add_consumer(
        self,
        *,
        name: str,
        topic: str,
        adapter: TypeAdapter[Any],
        handler: Handler[Any],
        description: str,
        dedupe_by_event_id: bool = True,
        group_id: str | None = None,
        on_refused: RefusedHandler | None = None,
        upcasters: Mapping[int, Upcaster] | None = None,
    ) -> BatchConsumer[Any]:
        """`upcasters`: {n: turns schema_version n into n + 1} for documents older than the contract."""
        consumer: BatchConsumer[Any] = BatchConsumer(
            name=name,
            topic=topic,
            adapter=adapter,
            handler=handler,
            pool_getter=lambda: self.pool,
            dead_letters_getter=lambda: self.dead_letters,
            dedupe_by_event_id=dedupe_by_event_id,
            after_commit=self.unit_of_work.committed,
            on_refused=on_refused,
            upcasters=upcasters,
        )
        subscribe(
            self.broker,
            consumer,
            group_id=(group_id or f"kaiku-{self.name}.{name}") + self.settings.consumer_group_suffix,
            max_records=self.settings.consumer_max_records,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            description=description,
        )
        self.consumers.append(consumer)
        return consumer

    def document_publisher(self, topic: str, schema: Any, description: str) -> None:
        """Declare what this service publishes so AsyncAPI shows it (the outbox relay sends it)."""
        self.broker.publisher(topic, title=f"{topic}:{schema.__name__}", schema=schema, description=description)

    def allow_upload(self, path: str, max_bytes: int) -> None:
        """`path` takes a file up to `max_bytes` (an import's documented cap) instead of the 64 KiB of JSON;
        the multipart form's boundaries and other fields may add up to 64 KiB on top."""
        self.uploads[path] = max_bytes + MAX_JSON_BODY_BYTES

    def add_background(self, task: BackgroundTask) -> None:
        self.background.append(task)

    def add_resource(self, resource: Resource) -> None:
        """Entered in the lifespan once the pool (and broker) are up, exited before they stop."""
        self.resources.append(resource)

    def add_readiness_detail(self, name: str, check: ReadinessDetail) -> None:
        """Shown under `name` on /health/ready while the service runs, never required for it to be ready."""
        self.readiness_details[name] = check

    # -- lifecycle ---------------------------------------------------------------------------
    async def _start_producer(self) -> AIOKafkaProducer:
        while True:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_bootstrap,
                client_id=f"kaiku-{self.name}-relay",
                acks="all",
                linger_ms=5,
                max_request_size=MAX_KAFKA_MESSAGE_BYTES,
                **self.settings.kafka_client_options(),
            )
            try:
                await producer.start()
                return producer
            except Exception as exc:
                log.warning("kafka_unavailable_retrying", error=type(exc).__name__)
                with contextlib.suppress(Exception):
                    await producer.stop()
                await asyncio.sleep(2.0)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        configure_logging(self.name, self.settings.log_level)
        await ensure_database(self.database_url)
        await asyncio.to_thread(apply_migrations, self.database_url, self.migrations)
        if self.pool_size is None:
            self._pool = await create_pool(self.database_url)
        else:
            self._pool = await create_pool(self.database_url, min_size=self.pool_size[0], max_size=self.pool_size[1])
        if self.kafka:
            self._producer = await self._start_producer()
            self._dead_letters = DeadLetters(self._producer)
            self.relay = OutboxRelay(
                self._pool,
                self._producer,
                poll_seconds=self.settings.outbox_poll_seconds,
                batch_size=self.settings.outbox_batch_size,
            )
            self.relay.start()
            await self.broker.start()
        resources = contextlib.AsyncExitStack()
        for resource in self.resources:
            await resources.enter_async_context(resource(self))
        tasks = [asyncio.create_task(task(self), name=f"{self.name}-background") for task in self.background]
        if any(consumer.dedupes_by_event_id for consumer in self.consumers):
            tasks.append(asyncio.create_task(self._prune_processed_events(), name=f"{self.name}-prune"))
        log.info("service_started", port_hint=True)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await resources.aclose()
            if self.relay is not None:
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                await self.relay.stop()
            if self._producer is not None:
                with contextlib.suppress(Exception):
                    await self._producer.stop()
            await self._pool.close()
            log.info("service_stopped")

    async def _prune_processed_events(self) -> None:
        """Keep `processed_events` to the retention window: every instance prunes (a delete of rows another
        instance deleted first finds nothing); a failure waits for the next round."""
        retention = timedelta(hours=self.settings.processed_events_retention_hours)
        while True:
            await asyncio.sleep(PRUNE_EVERY_S)
            for consumer in self.consumers:
                if not consumer.dedupes_by_event_id:
                    continue
                try:
                    await consumer.prune_processed_events(retention)
                except Exception as exc:
                    log.warning("processed_events_prune_failed", consumer=consumer.name, error=type(exc).__name__)

    async def ready(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable ({type(exc).__name__})"
        if not self.kafka:
            return checks
        try:
            ok = await self.broker.ping(timeout=2)
            checks["kafka"] = "ok" if ok else "unavailable"
        except Exception as exc:
            checks["kafka"] = f"unavailable ({type(exc).__name__})"
        return checks

    async def refresh_outbox_gauges(self) -> None:
        """Outbox backlog and age as of this scrape: every instance reports them, also the ones whose relay
        waits for the lock, and they keep rising while the broker is away (when the relay cannot report)."""
        if self._pool is None:
            return
        try:
            async with self._pool.acquire(timeout=1) as conn:
                row = await conn.fetchrow(
                    "SELECT count(*) AS waiting, extract(epoch FROM now() - min(created_at)) AS oldest FROM outbox"
                )
        except Exception as exc:  # the database is away: /health/ready says so; keep the last figures
            log.warning("outbox_gauges_unavailable", error=type(exc).__name__)
            return
        assert row is not None
        OUTBOX_BACKLOG.set(row["waiting"])
        OUTBOX_OLDEST_SECONDS.set(float(row["oldest"] or 0))

    def _operations_router(self) -> APIRouter:
        router = APIRouter(tags=["operations"])

        @router.get("/health/live")
        async def live() -> dict[str, str]:
            return {"status": "live"}

        @router.get("/health/ready")
        async def ready(request: Request) -> JSONResponse:
            checks = await self.ready() if self._pool is not None else {"service": "starting"}
            ok = all(v == "ok" for v in checks.values())
            details = (
                {name: await check() for name, check in self.readiness_details.items()}
                if self._pool is not None
                else {}
            )
            body = {"status": "ready" if ok else "not_ready", **checks, **details}
            return JSONResponse(body, status_code=200 if ok else 503)

        @router.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            if self.kafka:
                await self.refresh_outbox_gauges()
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        if self.kafka:

            @router.get("/asyncapi.json", include_in_schema=False)
            async def asyncapi() -> Response:
                return Response(self.asyncapi.to_specification().to_json(), media_type="application/json")

        return router


async def current_service(request: Request) -> KaikuService:
    """FastAPI dependency: the running service (its pool, relay and settings). `async` so FastAPI calls
    it in the event loop, not through a worker thread per request."""
    service: KaikuService = request.app.state.service
    return service


CurrentService = Annotated[KaikuService, Depends(current_service)]


async def current_unit_of_work(request: Request) -> UnitOfWork:
    """FastAPI dependency: the running service's unit of work (a transaction whose commit wakes the relay)."""
    service: KaikuService = request.app.state.service
    return service.unit_of_work


CurrentUnitOfWork = Annotated[UnitOfWork, Depends(current_unit_of_work)]
