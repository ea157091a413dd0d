"""Kafka's state is visible while readiness keeps the contract (deploy/README.md "Readiness and Kafka"):
`/health/ready` is 503 while the broker is away, `/health` (always 200) and `kaiku_kafka_up` say why."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import pytest
import yaml
from kaiku_runtime.service import KaikuService
from kaiku_runtime.settings import ServiceSettings

pytestmark = pytest.mark.unit


class FakeConnection:
    async def fetchval(self, query: str) -> int:
        return 1

    async def fetchrow(self, query: str) -> dict[str, Any]:
        assert "FROM outbox" in query
        return {"waiting": 3, "oldest": 12.5}


class FakePool:
    """Just what readiness and the outbox figures use of an asyncpg pool."""

    def __init__(self, *, up: bool = True) -> None:
        self.up = up

    def acquire(self, timeout: float | None = None) -> FakePool:
        return self

    async def __aenter__(self) -> FakeConnection:
        if not self.up:
            raise ConnectionRefusedError
        return FakeConnection()

    async def __aexit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None


def running(monkeypatch: pytest.MonkeyPatch, *, kafka: bool | Exception, database: bool = True) -> KaikuService:
    """A service as it runs (its pool set), with the broker answering `kafka`, without a real broker."""
    service = KaikuService(
        "demo", settings=ServiceSettings(dev_mode=True), migrations=Path(__file__).parent, title="D", description="D"
    )
    service._pool = FakePool(up=database)  # type: ignore[assignment]

    async def ping(timeout: float | None) -> bool:
        if isinstance(kafka, Exception):
            raise kafka
        return kafka

    monkeypatch.setattr(service.broker, "ping", ping)
    return service


async def get(service: KaikuService, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app), base_url="http://demo") as http:
        return await http.get(path)


def kafka_up(exposition: str) -> float:
    [value] = [
        line.split()[1] for line in exposition.splitlines() if line.startswith('kaiku_kafka_up{client_id="kaiku-demo"}')
    ]
    return float(value)


async def test_kafka_down_readiness_keeps_the_contract_and_health_and_the_gauge_say_so(
    monkeypatch: pytest.MonkeyPatch,
):
    service = running(monkeypatch, kafka=False)
    ready = await get(service, "/health/ready")
    assert ready.status_code == 503, "docs/contract.md: 200 only when the database and Kafka answer"
    assert ready.json() == {"status": "not_ready", "database": "ok", "kafka": "unavailable"}
    health = await get(service, "/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "degraded",
        "database": "ok",
        "kafka": "unavailable",
        "outbox": {"backlog_events": 3, "oldest_seconds": 12.5},
    }
    assert kafka_up((await get(service, "/metrics")).text) == 0
    assert (await get(service, "/health/live")).status_code == 200


async def test_kafka_up_everything_is_ok(monkeypatch: pytest.MonkeyPatch):
    service = running(monkeypatch, kafka=True)
    assert (await get(service, "/health/ready")).status_code == 200
    health = await get(service, "/health")
    assert (health.status_code, health.json()["status"], health.json()["kafka"]) == (200, "ok", "ok")
    assert kafka_up((await get(service, "/metrics")).text) == 1


async def test_why_kafka_or_the_database_does_not_answer(monkeypatch: pytest.MonkeyPatch):
    service = running(monkeypatch, kafka=TimeoutError(), database=False)
    health = await get(service, "/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "degraded",
        "database": "unavailable (ConnectionRefusedError)",
        "kafka": "unavailable (TimeoutError)",
        "outbox": "unavailable",
    }
    assert (await get(service, "/health/ready")).status_code == 503
    assert kafka_up((await get(service, "/metrics")).text) == 0


async def test_a_service_without_events_shows_its_database_only():
    service = KaikuService(
        "plain",
        settings=ServiceSettings(dev_mode=True),
        migrations=Path(__file__).parent,
        title="P",
        description="P",
        kafka=False,
    )
    assert (await get(service, "/health")).json() == {"status": "starting"}
    service._pool = FakePool()  # type: ignore[assignment]
    assert (await get(service, "/health")).json() == {"status": "ok", "database": "ok"}
    assert (await get(service, "/asyncapi.json")).status_code == 404
    assert 'kaiku_kafka_up{client_id="kaiku-plain"}' not in (await get(service, "/metrics")).text, (
        "no Kafka, no KaikuKafkaDown alert"
    )


def test_an_alert_fires_while_kafka_is_down():
    alerts = Path(__file__).resolve().parents[3] / "deploy" / "observability" / "alerts.yml"
    rules = {rule["alert"]: rule for group in yaml.safe_load(alerts.read_text())["groups"] for rule in group["rules"]}
    rule = rules["KaikuKafkaDown"]
    assert "kaiku_kafka_up" in rule["expr"]
    assert rule["expr"].rstrip().endswith("== 0")
