"""`make run`: the whole platform on one machine (broker, databases, migrations, topics, services).

Honours `KAIKU_KAFKA_BOOTSTRAP` and `KAIKU_DATABASE_URL` (the server; each service gets its own
database `kaiku_<service>` on it); unset, it starts the embedded Tansu broker on 127.0.0.1:9092
and uses a local PostgreSQL or an embedded one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from kaiku_runtime.db import apply_migrations, ensure_database, migrations_dir, with_database
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


def spawn_service(name: str, port: int, env: dict[str, str], log_file: Path | None = None) -> ServiceProcess:
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


def wait_ready(services: list[ServiceProcess], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending and time.monotonic() < deadline:
        for svc in list(pending):
            if svc.process.poll() is not None:
                raise RuntimeError(f"{svc.name} exited with code {svc.process.returncode}")
            try:
                if httpx.get(f"{svc.url}/health/ready", timeout=2).status_code == 200:
                    pending.remove(svc)
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


def prepare_databases(server_url: str, services: tuple[str, ...] = SERVICES) -> dict[str, str]:
    urls = {}
    for name in services:
        url = with_database(server_url, database_name(name))
        run_sync(ensure_database(url))
        apply_migrations(url, migrations_dir(name))
        urls[name] = url
    return urls


def run(workdir: Path = Path(".kaiku")) -> int:
    started = time.monotonic()
    workdir.mkdir(exist_ok=True)
    tansu: Tansu | None = None
    bootstrap = os.environ.get("KAIKU_KAFKA_BOOTSTRAP")
    if not bootstrap:
        bootstrap = DEFAULT_KAFKA_BOOTSTRAP
        if port_open("127.0.0.1", 9092):
            print(f"kafka:    using the broker already listening on {bootstrap}")
        else:
            tansu = start_tansu(9092, workdir / "tansu.log")
            print(f"kafka:    embedded Tansu broker on {bootstrap} (log {workdir / 'tansu.log'})")
    postgres: Postgres = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
    print(f"postgres: {postgres.source}")
    services: list[ServiceProcess] = []
    try:
        run_sync(create_topics(bootstrap))
        urls = prepare_databases(postgres.url)
        for name in SERVICES:
            # the README's run command is development mode: the published dev secret and plain-HTTP cookies
            env = {
                **os.environ,
                DEV_MODE_ENV: "1",
                "KAIKU_KAFKA_BOOTSTRAP": bootstrap,
                "KAIKU_DATABASE_URL": urls[name],
            }
            services.append(spawn_service(name, SERVICE_PORTS[name], env, workdir / f"{name}.log"))
        wait_ready(services)
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
        print("staff portal: .venv/bin/kaiku-portal add-user --username NAME --role national")
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
        postgres.stop()
