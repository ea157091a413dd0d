"""A private broker, fresh databases and service processes for the benchmarks (nothing shared with tests)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from kaiku_devkit.devstack import ServiceProcess, spawn_service, stop_services, wait_ready
from kaiku_devkit.infra import free_port, resolve_postgres, run_sync, start_tansu
from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir, with_database
from kaiku_runtime.settings import DEV_JWT_SECRET
from kaiku_runtime.topics import create_topics


@dataclass
class Bench:
    workdir: Path
    bootstrap: str
    server_url: str
    services: list[ServiceProcess] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)

    def database(self, service: str) -> str:
        url = with_database(self.server_url, f"kaiku_bench_{service}_{uuid.uuid4().hex[:8]}")
        run_sync(ensure_database(url))
        apply_migrations(url, migrations_dir(service))
        self.databases.append(url)
        return url

    def start(self, service: str, database_url: str | None = None, **env: str) -> ServiceProcess:
        url = database_url or self.database(service)
        svc = spawn_service(
            service,
            free_port(),
            {
                **os.environ,
                "KAIKU_KAFKA_BOOTSTRAP": self.bootstrap,
                "KAIKU_DATABASE_URL": url,
                "KAIKU_JWT_SECRET": DEV_JWT_SECRET,
                "KAIKU_DEV_MODE": "1",
                "KAIKU_LOG_LEVEL": "WARNING",
                "KAIKU_CONSUMER_GROUP_SUFFIX": f"-{uuid.uuid4().hex[:8]}",
                **env,
            },
            self.workdir / f"{service}.log",
        )
        svc.database_url = url
        self.services.append(svc)
        wait_ready([svc])
        return svc


@contextmanager
def bench_stack() -> Iterator[Bench]:
    workdir = Path(tempfile.mkdtemp(prefix="kaiku-bench-"))
    tansu = start_tansu(free_port(), workdir / "tansu.log")
    postgres = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
    bench = Bench(workdir, tansu.bootstrap, postgres.url)
    try:
        run_sync(create_topics(tansu.bootstrap))
        yield bench
    finally:
        stop_services(bench.services)
        tansu.stop()
        for url in bench.databases:
            run_sync(_drop(postgres.url, url.rsplit("/", 1)[1]))
        postgres.stop()


async def _drop(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
