"""Composition root shared by the services: FastAPI + FastStream broker + pool + outbox relay in one lifespan.

Each service builds one `KaikuService`, adds its routers, consumers and documented publishers,
and exposes `service.app` to uvicorn. Pools and clients are made in the lifespan, never at import.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import TypeAdapter

from kaiku_runtime.asyncapi import AsyncApiDocument, Header, event_models, viewer_html
from kaiku_runtime.consumer import BatchConsumer, DeadLetters, Handler, RefusedHandler, Upcaster, subscribe
from kaiku_runtime.db import apply_migrations, create_pool, ensure_database, with_database
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES, HttpEdge, RefuseUnsafeStart
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.logging import configure_logging, get_logger
from kaiku_runtime.metrics import KAFKA_UP, OUTBOX_BACKLOG, OUTBOX_OLDEST_SECONDS, install_http_metrics
from kaiku_runtime.outbox import OutboxRelay
from kaiku_runtime.overload import ShedLoad
from kaiku_runtime.ownership import RegionRegistry
from kaiku_runtime.regions import NATIONAL_DEPLOYMENT, consumer_group
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
            # not FastStream's own coloured handler: its lines go through the JSON root handler (logging.py)
            logger=logging.getLogger("faststream.access.kafka"),
            security=settings.kafka_security(),
            # topics are provisioned with their partitions, retention and compaction (`kaiku topics`,
            # deploy/kafka/kaiku-kafka-access.sh): left on, a subscriber would create a missing one with 1 partition
            allow_auto_create_topics=False,
        )
        self.asyncapi = AsyncApiDocument(
            title=f"{title} (Kafka)", version=version, description=description, settings=settings
        )
        self.consumers: list[BatchConsumer[Any]] = []
        self.background: list[BackgroundTask] = []
        self._pool: asyncpg.Pool | None = None
        self._producer: AIOKafkaProducer | None = None
        self._dead_letters: DeadLetters | None = None
        self.relay: OutboxRelay | None = None
        self.regions: RegionRegistry | None = None
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
        # outside the edge: a surplus request is refused before its body is read (docs/architecture.md "Overload")
        self.app.add_middleware(ShedLoad, limit=lambda: self.settings.http_max_in_flight)
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
        headers: Sequence[Header] = (),
    ) -> BatchConsumer[Any]:
        """`upcasters`: {n: turns schema_version n into n + 1} for documents older than the contract.
        `headers`: what senders must add besides `event_type` (AsyncAPI shows them with the adapter's events)."""
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
        deployment = self.settings.deployment.strip() or NATIONAL_DEPLOYMENT
        group = (group_id or consumer_group(self.name, name, deployment)) + self.settings.consumer_group_suffix
        subscribe(
            self.broker,
            consumer,
            group_id=group,
            max_records=self.settings.consumer_max_records,
            fetch_max_wait_ms=self.settings.fetch_max_wait_ms,
            description=description,
        )
        self.asyncapi.receive(
            name=name,
            topic=topic,
            models=event_models(adapter),
            description=description,
            group_id=group,
            headers=headers,
        )
        self.consumers.append(consumer)
        return consumer

    def document_publisher(self, topic: str, schema: Any, description: str) -> None:
        """Declare what this service publishes so AsyncAPI shows it (the outbox relay sends it)."""
        self.broker.publisher(topic, title=f"{topic}:{schema.__name__}", schema=schema, description=description)
        self.asyncapi.send(topic=topic, model=schema, description=description)

    def allow_upload(self, path: str, max_bytes: int) -> None:
        """`path` takes a file up to `max_bytes` (an import's documented cap) instead of the 64 KiB of JSON;
        the multipart form's boundaries and other fields may add up to 64 KiB on top."""
        self.uploads[path] = max_bytes + MAX_JSON_BODY_BYTES

    def serve_regions(self) -> RegionRegistry:
        """Scope this service to its deployment's regions (KAIKU_REGIONS, KAIKU_DEPLOYMENT): it reads the
        ownership registry and announces its claim before its consumers start (docs/architecture.md
        "Regional deployments"). Unset, it is the national deployment: every region no other one claims."""
        self.regions = RegionRegistry(self.settings, self.name)
        registry = self.regions

        async def deployment() -> dict[str, Any]:
            return registry.describe()

        self.add_readiness_detail("deployment", deployment)
        return registry

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
            if self.regions is not None:
                await self.regions.start(self._producer)
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
            if self.regions is not None:
                await self.regions.stop()
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
        checks["kafka"] = await self.kafka_state()
        return checks

    async def kafka_state(self) -> str:
        """`ok`, or why the broker does not answer (readiness, /health and the `kaiku_kafka_up` gauge)."""
        try:
            ok = await self.broker.ping(timeout=2)
            return "ok" if ok else "unavailable"
        except Exception as exc:
            return f"unavailable ({type(exc).__name__})"

    async def outbox_figures(self) -> tuple[int, float] | None:
        """(events waiting, age of the oldest in seconds), or None while the database is away."""
        if self._pool is None:
            return None
        try:
            async with self._pool.acquire(timeout=1) as conn:
                row = await conn.fetchrow(
                    "SELECT count(*) AS waiting, extract(epoch FROM now() - min(created_at)) AS oldest FROM outbox"
                )
        except Exception as exc:  # the database is away: /health/ready says so
            log.warning("outbox_gauges_unavailable", error=type(exc).__name__)
            return None
        assert row is not None
        return int(row["waiting"]), float(row["oldest"] or 0)

    async def refresh_outbox_gauges(self) -> None:
        """Outbox backlog and age as of this scrape: every instance reports them, also the ones whose relay
        waits for the lock, and they keep rising while the broker is away (when the relay cannot report)."""
        figures = await self.outbox_figures()
        if figures is None:  # keep the last figures
            return
        OUTBOX_BACKLOG.set(figures[0])
        OUTBOX_OLDEST_SECONDS.set(figures[1])

    async def refresh_kafka_gauge(self) -> None:
        """`kaiku_kafka_up` as of this scrape: the alert KaikuKafkaDown reads it (deploy/README.md)."""
        KAFKA_UP.labels(client_id=f"kaiku-{self.name}").set(1 if await self.kafka_state() == "ok" else 0)

    async def health(self) -> dict[str, Any]:
        """What /health shows: readiness's checks (never changing /health/ready's answer) and the outbox."""
        if self._pool is None:
            return {"status": "starting"}
        checks: dict[str, Any] = await self.ready()
        status = "ok" if all(v == "ok" for v in checks.values()) else "degraded"
        body: dict[str, Any] = {"status": status, **checks}
        if self.kafka:
            figures = await self.outbox_figures()
            body["outbox"] = (
                {"backlog_events": figures[0], "oldest_seconds": figures[1]} if figures is not None else "unavailable"
            )
        for name, check in self.readiness_details.items():
            body[name] = await check()
        return body

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

        @router.get("/health")
        async def health() -> dict[str, Any]:
            """Always 200: the database, Kafka and the outbox backlog for people and dashboards (readiness,
            for load balancers, is /health/ready)."""
            return await self.health()

        @router.get("/metrics", include_in_schema=False)
        async def metrics() -> Response:
            if self.kafka:
                await asyncio.gather(self.refresh_outbox_gauges(), self.refresh_kafka_gauge())
            return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

        if self.kafka:

            @router.get("/asyncapi.json", include_in_schema=False)
            async def asyncapi() -> JSONResponse:
                return JSONResponse(self.asyncapi.build())

            @router.get("/asyncapi", include_in_schema=False)
            async def asyncapi_viewer() -> HTMLResponse:
                return HTMLResponse(viewer_html(self.asyncapi.title))

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
