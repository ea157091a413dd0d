"""pytest plugin (`-p kaiku_devkit.testing`): the real broker, real PostgreSQL and service processes.

Fixtures pick, in order: URLs from the environment (`KAIKU_TEST_KAFKA_BOOTSTRAP` or
`KAIKU_KAFKA_BOOTSTRAP`, `KAIKU_TEST_DATABASE_URL` or `KAIKU_DATABASE_URL`), then
testcontainers where a Docker engine answers, then the embedded Tansu broker and the local or
embedded PostgreSQL. All three paths run the same tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kaiku_runtime.auth import Role, issue_token
from kaiku_runtime.db import apply_migrations, migrations_dir, with_database
from kaiku_runtime.settings import DEV_JWT_SECRET, DEV_MODE_ENV
from kaiku_runtime.topics import create_topics

from kaiku_devkit.devstack import ServiceProcess, spawn_service, stop_services, wait_ready
from kaiku_devkit.infra import docker_engine_answers, free_port, resolve_postgres, run_sync, start_tansu

# The tests run in development mode (docs/contract.md "Authentication"): services they start and apps they
# import take the published development secret. A test of the refusal itself removes it from the env.
os.environ[DEV_MODE_ENV] = "1"


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def token(role: Role | str, *, region: str | None = None, org: str | None = None, sub: str = "tester") -> str:
    """A development bearer token signed with the dev secret the test services use."""
    return issue_token(DEV_JWT_SECRET, role=Role(role), sub=sub, region=region, org=org)


def auth(role: Role | str, *, region: str | None = None, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, region=region, org=org)}"}


HOLDER: dict[str, Any] = {
    "birth_year": 1980,
    "mother_tongue": "fi",
    "gender": "female",
    "postal_code": "00100",
    "life_situation": "unemployed",
}
"""A holder profile as a distributor sends it (`POST /v1/cards` `holder`): anonymous background data only."""


def unique(prefix: str) -> str:
    """A fresh id for a test's own regions, venues, cards... (code charset A-Z0-9-)."""
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


async def wait_until(check: Callable[[], Awaitable[Any]], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")


async def read_topic(
    bootstrap: str, topic: str, *, until: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
) -> list[dict[str, Any]]:
    """Read `topic` from the beginning (no consumer group) until `until(records)` holds.

    Each record is `{"key", "value", "headers", "partition", "offset"}`; `value` is parsed JSON
    where it parses, else the raw bytes.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=50)
    await consumer.start()
    records: list[dict[str, Any]] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=200)
            for msgs in batch.values():
                for m in msgs:
                    try:
                        value: Any = json.loads(m.value) if m.value is not None else None
                    except ValueError:
                        value = m.value
                    records.append(
                        {
                            "key": m.key.decode() if m.key else None,
                            "value": value,
                            "headers": {k: v.decode(errors="replace") for k, v in m.headers},
                            "partition": m.partition,
                            "offset": m.offset,
                        }
                    )
    finally:
        await consumer.stop()
    if not until(records):
        raise AssertionError(f"{topic}: expected records did not arrive within {timeout} s ({len(records)} read)")
    return records


async def produce(
    bootstrap: str,
    topic: str,
    messages: list[tuple[bytes | None, bytes | None]],
    *,
    signer: Callable[[bytes], str] | None = None,
    raw_headers: list[tuple[str, bytes]] | None = None,
    **headers: str,
) -> None:
    """Send raw (key, value) pairs, e.g. an agency's submissions or garbage.

    `signer` gives each value its `signature` header (an agency's HMAC); `raw_headers` go as they are
    (e.g. bytes that are not UTF-8).
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        hdrs = [(k, v.encode()) for k, v in headers.items()] + list(raw_headers or ())
        for key, value in messages:
            signed = [("signature", signer(value or b"").encode())] if signer is not None else []
            await producer.send(topic, value=value, key=key, headers=hdrs + signed)
        await producer.flush()
    finally:
        await producer.stop()


@pytest.fixture(scope="session")
def kaiku_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kaiku")


@pytest.fixture(scope="session")
def kafka_bootstrap(kaiku_workdir: Path) -> Iterator[str]:
    """A real Kafka-protocol broker with every topic of the contracts created."""
    explicit = _env("KAIKU_TEST_KAFKA_BOOTSTRAP", "KAIKU_KAFKA_BOOTSTRAP")
    if explicit:
        run_sync(create_topics(explicit))
        yield explicit
        return
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            bootstrap = kafka.get_bootstrap_server()
            run_sync(create_topics(bootstrap))
            yield bootstrap
        return
    tansu = start_tansu(free_port(), kaiku_workdir / "tansu.log")
    try:
        run_sync(create_topics(tansu.bootstrap))
        yield tansu.bootstrap
    finally:
        tansu.stop()


@pytest.fixture(scope="session")
def postgres_server(kaiku_workdir: Path) -> Iterator[str]:
    """URL of a real PostgreSQL server's `postgres` database."""
    explicit = _env("KAIKU_TEST_DATABASE_URL", "KAIKU_DATABASE_URL")
    if not explicit and docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    server = resolve_postgres(kaiku_workdir / "pgdata", explicit)
    try:
        yield server.url
    finally:
        server.stop()


@dataclass
class Databases:
    server_url: str
    created: list[str] = field(default_factory=list)

    def new(self, service: str | None, *, migrate: bool = True) -> str:
        """A fresh database for `service` (None: the runtime's tables only), migrated; dropped after the session."""
        name = f"kaiku_t_{service or 'runtime'}_{uuid.uuid4().hex[:8]}"
        run_sync(self._execute(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        url = with_database(self.server_url, name)
        if migrate:
            apply_migrations(url, migrations_dir(service) if service is not None else None)
        return url

    async def _execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def drop_all(self) -> None:
        for name in self.created:
            try:
                run_sync(self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # pragma: no cover - best-effort cleanup
                print(f"could not drop test database {name}: {exc}")


@pytest.fixture(scope="session")
def databases(postgres_server: str) -> Iterator[Databases]:
    dbs = Databases(postgres_server)
    yield dbs
    dbs.drop_all()


@dataclass
class ServiceRunner:
    """Starts services as separate processes (uvicorn) against the test broker and databases."""

    bootstrap: str
    databases: Databases
    workdir: Path
    running: list[ServiceProcess] = field(default_factory=list)

    def start(self, name: str, *, database_url: str | None = None, **extra_env: str) -> ServiceProcess:
        url = database_url or self.databases.new(name)
        env = {
            **os.environ,
            "KAIKU_KAFKA_BOOTSTRAP": self.bootstrap,
            "KAIKU_DATABASE_URL": url,
            "KAIKU_JWT_SECRET": DEV_JWT_SECRET,
            DEV_MODE_ENV: "1",
            "KAIKU_CONSUMER_GROUP_SUFFIX": f"-{uuid.uuid4().hex[:8]}",
            **extra_env,
        }
        svc = spawn_service(name, free_port(), env, self.workdir / f"{name}-{uuid.uuid4().hex[:6]}.log")
        svc.database_url = url
        try:
            wait_ready([svc])
        except Exception:
            stop_services([svc])
            raise
        self.running.append(svc)
        return svc

    def stop(self, svc: ServiceProcess) -> None:
        stop_services([svc])
        if svc in self.running:
            self.running.remove(svc)

    @contextmanager
    def started(self, *names: str, **extra_env: str) -> Iterator[list[ServiceProcess]]:
        """Services that live only as long as the `with` block (started side by side).

        Every usage instance answers every agency message on the shared test broker, from its own
        database: one left running past its tests would answer other tests' submissions too.
        """
        with ThreadPoolExecutor(max(1, len(names))) as pool:
            futures = [pool.submit(self.start, name, **extra_env) for name in names]
        started = [f.result() for f in futures if f.exception() is None]
        try:
            for future in futures:
                future.result()  # a failed start raises here, after which the others are stopped
            yield started
        finally:
            for svc in started:
                self.stop(svc)


@pytest.fixture(scope="session")
def service_runner(kafka_bootstrap: str, databases: Databases, kaiku_workdir: Path) -> Iterator[ServiceRunner]:
    runner = ServiceRunner(kafka_bootstrap, databases, kaiku_workdir)
    yield runner
    stop_services(runner.running)


@pytest.fixture(autouse=True)
def _services_end_with_their_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Services a test starts itself stop when it ends (those of wider fixtures live on with them).

    A usage instance left running would answer later tests' agency submissions from its own database.
    """
    if "service_runner" not in request.fixturenames:
        yield
        return
    runner: ServiceRunner = request.getfixturevalue("service_runner")
    before = list(runner.running)
    yield
    for svc in [s for s in runner.running if s not in before]:
        runner.stop(svc)


def xlsx(
    rows: list[list[object]], *, dimension: str | None = None, extra_entry: tuple[str, int] | None = None
) -> bytes:
    """An XLSX file built as an attacker would: `dimension` rewrites the sheet's declared size (e.g.
    `A1:XFD500`), `extra_entry` adds a part of that many zero bytes (deflated: a zip bomb)."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    plain = io.BytesIO()
    book.save(plain)
    crafted = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if dimension is not None and item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), content)
            target.writestr(item.filename, content)
        if extra_entry is not None:
            name, size = extra_entry
            target.writestr(name, bytes(size), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return crafted.getvalue()


IDENTITY_CODE = "131052-308T"
"""A valid Finnish personal identity code (check character matches): what the edges must refuse."""


def assert_identity_code_refused(r: Any, status: int, reason: str, field: str | None = None) -> None:
    """The answer refuses with `reason`, names `field` if given, and never echoes the code in body or headers."""
    assert r.status_code == status, r.text
    assert r.json()["reason"] == reason
    if field is not None:
        assert r.json()["detail"].startswith(f"{field}: looks like a personal identity code"), r.text
    for variant in (IDENTITY_CODE, IDENTITY_CODE.lower()):
        assert variant not in r.text
        assert all(variant not in value for value in r.headers.values())
