"""`make run`: the whole platform on one machine (broker, databases, migrations, topics, services).

Each part is reported as it becomes ready (kaiku_runtime/progress.py `Steps`: a spinner per part on a
terminal, one plain line per part otherwise). Honours `KAIKU_KAFKA_BOOTSTRAP` and `KAIKU_DATABASE_URL`
(the server; each service gets its own database `kaiku_<service>` on it); unset, it starts the
embedded Tansu broker on 127.0.0.1:9092 and uses a local PostgreSQL or an embedded one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir, with_database
from kaiku_runtime.logging import uvicorn_log_config
from kaiku_runtime.progress import Steps
from kaiku_runtime.settings import DEFAULT_KAFKA_BOOTSTRAP, DEV_MODE_ENV, SERVICE_PORTS, database_name
from kaiku_runtime.topics import create_topics

from kaiku_devkit.infra import Postgres, Tansu, port_open, resolve_postgres, run_sync, start_tansu

SERVICES = ("issuance", "usage", "stats", "portal")  # the staff portal (8000) calls the other three


@dataclass
class ServiceProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    database_url: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def service_module(name: str) -> str:
    return f"kaiku_{name}.app:app"


def _log_config_file(name: str, log_file: Path | None) -> Path:
    """uvicorn's `--log-config` (JSON lines from its first line, deploy/README.md), beside the service's log."""
    if log_file is not None:
        path = log_file.with_name(f"{log_file.name}.logging.json")
    else:
        fd, tmp = tempfile.mkstemp(prefix=f"kaiku-{name}-", suffix=".logging.json")
        os.close(fd)
        path = Path(tmp)
    path.write_text(json.dumps(uvicorn_log_config(name)))
    return path


def spawn_service(name: str, port: int, env: dict[str, str], log_file: Path | None = None) -> ServiceProcess:
    log_config = _log_config_file(name, log_file)
    out = log_file.open("ab") if log_file is not None else None
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "uvicorn",
            service_module(name),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-config",
            str(log_config),
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "5",
        ],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if out is not None else None,
        start_new_session=True,
    )
    return ServiceProcess(name, port, process)


def wait_ready(
    services: list[ServiceProcess],
    timeout: float = 120.0,
    on_ready: Callable[[ServiceProcess], None] | None = None,
) -> None:
    """Wait until every service answers /health/ready; `on_ready` is told of each as it does."""
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for svc in list(pending):
            if svc.process.poll() is not None:
                raise RuntimeError(f"{svc.name} exited with code {svc.process.returncode}")
            try:
                if httpx.get(f"{svc.url}/health/ready", timeout=2).status_code == 200:
                    pending.remove(svc)
                    if on_ready is not None:
                        on_ready(svc)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    if pending:
        raise TimeoutError("not ready in time: " + ", ".join(s.name for s in pending))


def stop_services(services: list[ServiceProcess]) -> None:
    for svc in services:
        if svc.process.poll() is None:
            svc.process.send_signal(signal.SIGTERM)
    for svc in services:
        try:
            svc.process.wait(15)
        except subprocess.TimeoutExpired:
            svc.process.kill()


def prepare_databases(
    server_url: str,
    services: tuple[str, ...] = SERVICES,
    on_migrated: Callable[[str, int], None] | None = None,
) -> dict[str, str]:
    """Create and migrate each service's database; `on_migrated(service, migrations applied)` after each."""
    urls = {}
    for name in services:
        url = with_database(server_url, database_name(name))
        run_sync(ensure_database(url))
        applied = apply_migrations(url, migrations_dir(name))
        if on_migrated is not None:
            on_migrated(name, applied)
        urls[name] = url
    return urls


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run(workdir: Path = Path(".kaiku"), steps: Steps | None = None) -> int:
    started = time.monotonic()
    # `kill`, `timeout`, a closed terminal or a process manager stop the stack as Ctrl-C does: without this
    # the services, the broker and an embedded PostgreSQL outlive `kaiku dev` and hold its ports
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _interrupt)
    steps = steps if steps is not None else Steps()
    workdir.mkdir(exist_ok=True)
    tansu: Tansu | None = None
    postgres: Postgres | None = None
    bootstrap = os.environ.get("KAIKU_KAFKA_BOOTSTRAP")
    services: list[ServiceProcess] = []
    try:
        with steps.step("kafka", "starting the broker") as said:
            if bootstrap:
                said(f"the broker at {bootstrap} (KAIKU_KAFKA_BOOTSTRAP)")
            else:
                bootstrap = DEFAULT_KAFKA_BOOTSTRAP
                if port_open("127.0.0.1", 9092):
                    said(f"using the broker already listening on {bootstrap}")
                else:
                    tansu = start_tansu(9092, workdir / "tansu.log")
                    said(f"embedded Tansu broker on {bootstrap} (log {workdir / 'tansu.log'})")
        with steps.step("postgres", "finding or starting PostgreSQL") as said:
            postgres = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
            said(postgres.source)
        with steps.step("topics", "creating the topics") as said:
            run_sync(create_topics(bootstrap))
            said(f"ready on {bootstrap}")
        with steps.step("databases", "creating and migrating each service's database") as said:
            applied: list[int] = []
            urls = prepare_databases(postgres.url, on_migrated=lambda _name, count: applied.append(count))
            said(f"{', '.join(database_name(n) for n in urls)} up to date ({sum(applied)} migrations applied now)")
        for name in SERVICES:
            # the README's run command is development mode: the published dev secret and plain-HTTP cookies
            env = {
                **os.environ,
                DEV_MODE_ENV: "1",
                "KAIKU_KAFKA_BOOTSTRAP": bootstrap,
                "KAIKU_DATABASE_URL": urls[name],
            }
            services.append(spawn_service(name, SERVICE_PORTS[name], env, workdir / f"{name}.log"))
        spawned = time.monotonic()
        with steps.step("services", "starting " + ", ".join(SERVICES)) as said:
            wait_ready(
                services, on_ready=lambda svc: steps.done(svc.name, f"ready on {svc.url}", time.monotonic() - spawned)
            )
            said("all ready")
        elapsed = time.monotonic() - started
        print(f"\nkaiku is ready in {elapsed:.1f} s\n")
        for svc in services:
            if svc.name == "portal":
                print(f"  {svc.name:9} {svc.url}   staff pages in Finnish, Swedish and English")
            else:
                print(f"  {svc.name:9} {svc.url}   docs {svc.url}/docs   asyncapi {svc.url}/asyncapi.json")
        print(f"  logs      {workdir}/<service>.log (JSON lines)")
        print("\nget a token:  .venv/bin/kaiku token --role national")
        print("              .venv/bin/kaiku token --role distributor --region R1 --org D1")
        print("staff portal: .venv/bin/kaiku portal add-user --username NAME --role national")
        print("              then sign in at http://127.0.0.1:8000 and open the others' accounts on its Accounts page")
        print("stop:         Ctrl-C\n")
        while all(s.process.poll() is None for s in services):
            time.sleep(0.5)
        dead = [s.name for s in services if s.process.poll() is not None]
        print(f"stopping: {', '.join(dead)} exited (see {workdir}/<service>.log)")
        return 1
    except KeyboardInterrupt:
        print("\nstopping kaiku ...")
        return 0
    finally:
        stop_services(services)
        if tansu is not None:
            tansu.stop()
        if postgres is not None:
            postgres.stop()
