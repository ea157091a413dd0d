"""Transactional outbox under a broker outage: requests succeed while the broker is frozen, the events
wait in the outbox and go out once it is back: every card's CardIssued exactly once (by event_id),
in order per card (docs/architecture.md patterns 1 and 4).

"Stopping" the in-memory broker = freezing it (SIGSTOP/SIGCONT): a killed Tansu loses its topics. The
test runs its OWN broker and issuance process so the shared broker of the session is never frozen.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import ServiceProcess, spawn_service, stop_services, wait_ready
from kaiku_devkit.infra import Tansu, free_port, start_tansu
from kaiku_devkit.testing import Databases, auth, read_topic, unique
from kaiku_runtime.settings import DEV_JWT_SECRET
from kaiku_runtime.topics import create_topics

pytestmark = [pytest.mark.connected, pytest.mark.faults]

CARDS = 30
HOLDER = {
    "birth_year": 1975,
    "mother_tongue": "sv",
    "gender": "male",
    "postal_code": "65100",
    "life_situation": "pensioner",
}


@pytest.fixture
def own_broker(kaiku_workdir: Path) -> Iterator[Tansu]:
    tansu = start_tansu(free_port(), kaiku_workdir / f"tansu-outage-{unique('')}.log")
    try:
        yield tansu
    finally:
        os.kill(tansu.process.pid, signal.SIGCONT)  # never leave it frozen
        tansu.stop()


@pytest.fixture
async def issuance_on_own_broker(
    own_broker: Tansu, databases: Databases, kaiku_workdir: Path
) -> AsyncIterator[ServiceProcess]:
    await create_topics(own_broker.bootstrap)
    database_url = await asyncio.to_thread(databases.new, "issuance")
    env = {
        **os.environ,
        "KAIKU_KAFKA_BOOTSTRAP": own_broker.bootstrap,
        "KAIKU_DATABASE_URL": database_url,
        "KAIKU_JWT_SECRET": DEV_JWT_SECRET,
        "KAIKU_DEV_MODE": "1",
    }
    svc = spawn_service("issuance", free_port(), env, kaiku_workdir / f"issuance-outage-{unique('')}.log")
    svc.database_url = database_url
    try:
        await asyncio.to_thread(wait_ready, [svc])
        yield svc
    finally:
        os.kill(own_broker.process.pid, signal.SIGCONT)
        await asyncio.to_thread(stop_services, [svc])


async def outbox_size(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        size: int = await conn.fetchval("SELECT count(*) FROM outbox")
        return size
    finally:
        await conn.close()


async def test_events_wait_in_the_outbox_while_the_broker_is_down(
    issuance_on_own_broker: ServiceProcess, own_broker: Tansu
) -> None:
    svc = issuance_on_own_broker
    assert svc.database_url is not None
    region, distributor = unique("R"), unique("D")
    headers = auth("distributor", region=region, org=distributor)
    async with httpx.AsyncClient(base_url=svc.url, timeout=30) as http:
        r = await http.post("/v1/regions", json={"region_id": region, "name": "Pohjanmaa"}, headers=auth("national"))
        assert r.status_code == 201
        r = await http.post(
            "/v1/distributors",
            json={"distributor_id": distributor, "region_id": region, "name": "Diakonia"},
            headers=auth("region_admin", region=region),
        )
        assert r.status_code == 201

        os.kill(own_broker.process.pid, signal.SIGSTOP)
        codes = [unique("E") for _ in range(CARDS)]
        for code in codes:
            body = {"card_code": code, "card_type": "personal", "distributor_id": distributor, "holder": HOLDER}
            r = await http.post("/v1/cards", json=body, headers=headers)
            assert r.status_code == 201, r.text
        revoked = codes[::3]
        for code in revoked:
            r = await http.post(f"/v1/cards/{code}/revocation", json={"reason": "lost"}, headers=headers)
            assert r.status_code == 201, r.text
        # a retry while the broker is away records nothing twice either
        body = {"card_code": codes[0], "card_type": "personal", "distributor_id": distributor, "holder": HOLDER}
        assert (await http.post("/v1/cards", json=body, headers=headers)).status_code == 201
        expected = CARDS + len(revoked)
        assert await outbox_size(svc.database_url) == expected  # nothing reached the frozen broker
        ready = await http.get("/health/ready")
        assert ready.status_code == 503  # honest: Kafka does not answer

        os.kill(own_broker.process.pid, signal.SIGCONT)

    def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for x in records if x["key"] in set(codes)]

    records = mine(
        await read_topic(own_broker.bootstrap, Topics.CARDS, until=lambda rs: len(mine(rs)) >= expected, timeout=90)
    )
    by_card: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_card[record["key"]].append(record)
    for code in codes:
        issued_ids = {x["value"]["event_id"] for x in by_card[code] if x["headers"]["event_type"] == "CardIssued"}
        assert len(issued_ids) == 1, (code, by_card[code])
        kinds = [x["headers"]["event_type"] for x in by_card[code]]
        assert kinds[0] == "CardIssued"  # never overtaken by its revocation
        if code in revoked:
            assert "CardRevoked" in kinds
    assert await outbox_size(svc.database_url) == 0
    print(f"\n{len(records)} records for {expected} events after the outage (duplicates: {len(records) - expected})")
