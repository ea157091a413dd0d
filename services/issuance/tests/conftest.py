"""Issuance test fixtures: ONE issuance process for the folder, and an `Org` per test with its own ids.

The broker and the issuance database are shared by the tests here, so each test makes its own region
and distributor (`unique()`), and never assumes a topic is empty.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import ServiceRunner, auth, read_topic, unique

HOLDER: dict[str, Any] = {
    "birth_year": 1980,
    "mother_tongue": "fi",
    "gender": "female",
    "postal_code": "00100",
    "life_situation": "unemployed",
}


@pytest.fixture(scope="module")
def issuance(service_runner: ServiceRunner) -> Iterator[ServiceProcess]:
    # unbuffered: the privacy test greps the service's log file right after the requests
    with service_runner.started("issuance", PYTHONUNBUFFERED="1") as (svc,):
        yield svc


class Org:
    """A region with one distributor, and helpers to act as them against the issuance service."""

    def __init__(self, http: httpx.AsyncClient, issuance: ServiceProcess, bootstrap: str) -> None:
        self.http = http
        self.url = issuance.url
        self.database_url = issuance.database_url
        self.bootstrap = bootstrap
        self.region = unique("R")
        self.distributor = unique("D")
        self.national = auth("national")
        self.admin = auth("region_admin", region=self.region)
        self.headers = auth("distributor", region=self.region, org=self.distributor)

    async def setup(self, trial_ends_on: date | None = None) -> Org:
        body: dict[str, Any] = {"region_id": self.region, "name": "Kaiku-alue"}
        if trial_ends_on is not None:
            body["trial_ends_on"] = trial_ends_on.isoformat()
        r = await self.http.post(f"{self.url}/v1/regions", json=body, headers=self.national)
        assert r.status_code == 201, r.text
        r = await self.http.post(
            f"{self.url}/v1/distributors",
            json={"distributor_id": self.distributor, "region_id": self.region, "name": "Sosiaalitoimi"},
            headers=self.admin,
        )
        assert r.status_code == 201, r.text
        return self

    def card(self, code: str | None = None, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "card_code": code or unique("E"),
            "card_type": "personal",
            "distributor_id": self.distributor,
            "holder": dict(HOLDER),
        }
        body.update(fields)
        return body

    async def issue(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.http.post(
            f"{self.url}/v1/cards", json=body, headers=self.headers if headers is None else headers
        )

    async def revoke(self, code: str, headers: dict[str, str] | None = None, **body: Any) -> httpx.Response:
        return await self.http.post(
            f"{self.url}/v1/cards/{code}/revocation",
            json={"reason": "lost", **body},
            headers=self.headers if headers is None else headers,
        )

    async def events(self, codes: set[str], *, count: int) -> list[dict[str, Any]]:
        """The records on kaiku.cards.v1 keyed by these codes, once at least `count` arrived."""

        def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [r for r in records if r["key"] in codes]

        return mine(await read_topic(self.bootstrap, Topics.CARDS, until=lambda rs: len(mine(rs)) >= count))

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        assert self.database_url is not None
        conn = await asyncpg.connect(self.database_url)
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


@pytest.fixture
async def org(issuance: ServiceProcess, kafka_bootstrap: str) -> AsyncIterator[Org]:
    async with httpx.AsyncClient(timeout=60) as http:
        yield await Org(http, issuance, kafka_bootstrap).setup()
