"""Regional deployments end to end (docs/architecture.md "Regional deployments", deploy/README.md).

The national deployment (issuance, usage, stats; no KAIKU_REGIONS) serves region A; a regional deployment
(its own issuance and usage, KAIKU_DEPLOYMENT and KAIKU_REGIONS=B) serves region B. Separate processes and
databases, one broker. Cards work across the border both ways, one agency sells for both regions on the one
topic and each submission gets exactly one outcome from its owner, national stats count both, and while
B's usage is down A is undisturbed and B's submissions wait, to be judged once when it returns.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.cards import CardIssued, HolderProfile
from kaiku_contracts.enums import CardType
from kaiku_contracts.topics import Topics
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import HOLDER, ServiceRunner, auth, produce, read_topic, unique, wait_until
from kaiku_runtime.ownership import DeploymentClaimed, claim_key
from kaiku_usage.domain.signatures import sign

pytestmark = [pytest.mark.e2e, pytest.mark.connected]

NATIONAL = auth("national")


def start_side_by_side(runner: ServiceRunner, *starts: tuple[str, dict[str, str]]) -> list[ServiceProcess]:
    with ThreadPoolExecutor(len(starts)) as pool:
        futures = [pool.submit(runner.start, name, **env) for name, env in starts]
    return [f.result() for f in futures]


async def recorded(svc: ServiceProcess, redemption_ids: list[str]) -> set[str]:
    """Which of the uses are recorded in this usage's own database."""
    assert svc.database_url is not None
    conn = await asyncpg.connect(svc.database_url)
    try:
        rows = await conn.fetch(
            "SELECT redemption_id FROM redemptions WHERE redemption_id = ANY($1::text[])", redemption_ids
        )
    finally:
        await conn.close()
    return {r["redemption_id"] for r in rows}


class Region:
    """One region's organisations, set up through the issuance and usage of the deployment that owns it."""

    def __init__(
        self, http: httpx.AsyncClient, issuance: ServiceProcess, usage: ServiceProcess, region: str | None = None
    ) -> None:
        self.http, self.issuance, self.usage = http, issuance, usage
        self.region, self.distributor, self.venue = region or unique("R"), unique("D"), unique("V")
        self.card = unique("E")
        self.venue_headers = auth("venue", region=self.region, org=self.venue)

    async def set_up(self, agency: str, starts_at: datetime) -> None:
        """The region in issuance with a distributor and a card, then its venue in usage."""
        r = await self.http.post(
            f"{self.issuance.url}/v1/regions", json={"region_id": self.region, "name": "Alue"}, headers=NATIONAL
        )
        assert r.status_code == 201, r.text
        r = await self.http.post(
            f"{self.issuance.url}/v1/distributors",
            json={"distributor_id": self.distributor, "region_id": self.region, "name": "Sosiaalitoimi"},
            headers=auth("region_admin", region=self.region),
        )
        assert r.status_code == 201, r.text
        r = await self.http.post(
            f"{self.issuance.url}/v1/cards",
            json={
                "card_code": self.card,
                "card_type": "personal",
                "distributor_id": self.distributor,
                "holder": HOLDER,
            },
            headers=auth("distributor", region=self.region, org=self.distributor),
        )
        assert r.status_code == 201, r.text
        await self.set_up_venue(agency, starts_at)

    async def set_up_venue(self, agency: str, starts_at: datetime) -> None:
        """The region's venue selling through `agency`, with two performances."""
        r = await self.http.post(
            f"{self.usage.url}/v1/venues",
            json={
                "venue_id": self.venue,
                "region_id": self.region,
                "name": "Teatteri",
                "category": "culture",
                "agencies": [agency],
            },
            headers=NATIONAL,
        )
        assert r.status_code == 201, r.text
        for n in (1, 2):
            r = await self.http.put(
                f"{self.usage.url}/v1/performances/{self.venue}-P{n}",
                json={
                    "venue_id": self.venue,
                    "name": "Trollkarlen Matti",
                    "starts_at": starts_at.isoformat(),
                    "capacity": 200,
                    "kind": "performance",
                },
                headers=self.venue_headers,
            )
            assert r.status_code == 200, r.text

    def use(self, card_code: str, performance: int) -> dict[str, Any]:
        return {
            "redemption_id": unique("red-"),
            "card_code": card_code,
            "venue_id": self.venue,
            "performance_id": f"{self.venue}-P{performance}",
            "adult_tickets": 1,
            "child_tickets": 0,
            "channel": "box_office",
        }

    async def redeem(self, use: dict[str, Any]) -> httpx.Response:
        return await self.http.post(f"{self.usage.url}/v1/redemptions", json=use, headers=self.venue_headers)

    async def knows_cards(self, *codes: str) -> bool:
        for code in codes:
            r = await self.http.get(f"{self.usage.url}/v1/cards/{code}/status", headers=self.venue_headers)
            assert r.status_code == 200, r.text
            if not r.json()["valid"]:
                return False
        return True

    async def counted(self, stats: ServiceProcess, period: str, uses: int) -> bool:
        """Whether national stats count `uses` uses at this region's venues in the period."""
        r = await self.http.get(
            f"{stats.url}/v1/stats/regions/{self.region}", params={"period": period}, headers=NATIONAL
        )
        assert r.status_code == 200, r.text
        return int(r.json()["redemptions"]) == uses


async def test_national_and_regional_deployments_share_cards_agencies_and_statistics(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    deployment = f"region-{uuid.uuid4().hex[:8]}"
    national_issuance, national_usage, stats = start_side_by_side(
        service_runner, ("issuance", {}), ("usage", {}), ("stats", {})
    )
    b_suffix = f"-{uuid.uuid4().hex[:8]}"
    b_region = unique("R")
    scoped = {"KAIKU_DEPLOYMENT": deployment, "KAIKU_REGIONS": b_region, "KAIKU_CONSUMER_GROUP_SUFFIX": b_suffix}
    b_issuance, b_usage = start_side_by_side(service_runner, ("issuance", scoped), ("usage", scoped))
    starts_at = datetime.now(UTC) + timedelta(hours=3)
    period = starts_at.astimezone(ZoneInfo("Europe/Helsinki")).strftime("%Y-%m")
    agency, key = unique("A"), f"agency-signing-key-{uuid.uuid4().hex}"

    async with httpx.AsyncClient(timeout=30) as http:
        before = (await http.get(f"{stats.url}/v1/stats/national", params={"period": period}, headers=NATIONAL)).json()
        a = Region(http, national_issuance, national_usage)
        b = Region(http, b_issuance, b_usage, b_region)

        # each region is registered only where it is owned: the other deployment names the owner
        r = await http.post(
            f"{national_issuance.url}/v1/regions", json={"region_id": b.region, "name": "B"}, headers=NATIONAL
        )
        assert r.status_code == 403, r.text
        assert r.json()["reason"] == "forbidden"
        assert b.region in r.json()["detail"]
        assert deployment in r.json()["detail"]
        r = await http.post(f"{b_issuance.url}/v1/regions", json={"region_id": a.region, "name": "A"}, headers=NATIONAL)
        assert r.status_code == 403, r.text
        assert "deployment national" in r.json()["detail"]

        for usage in (national_usage, b_usage):  # the national office registers the agency in both deployments
            r = await http.put(
                f"{usage.url}/v1/agencies/{agency}", json={"name": "Lippupalvelu", "signing_key": key}, headers=NATIONAL
            )
            assert r.status_code == 200, r.text
        await a.set_up(agency, starts_at)
        await b.set_up(agency, starts_at)
        r = await http.post(
            f"{national_usage.url}/v1/venues",
            json={"venue_id": unique("V"), "region_id": b.region, "name": "X", "category": "culture"},
            headers=NATIONAL,
        )
        assert r.status_code == 403, r.text
        assert deployment in r.json()["detail"]
        # a distributor or venue of region B is sent to B's deployment
        r = await http.get(f"{national_usage.url}/v1/cards/{a.card}/status", headers=b.venue_headers)
        assert r.status_code == 403, r.text
        assert deployment in r.json()["detail"]

        # every card in the country is known to both usages
        await wait_until(lambda: a.knows_cards(a.card, b.card), timeout=60)
        await wait_until(lambda: b.knows_cards(a.card, b.card), timeout=60)

        # a card issued in B is used at a venue in A, and the other way round
        uses = {"a_http": a.use(b.card, 1), "b_http": b.use(a.card, 1)}
        assert (await a.redeem(uses["a_http"])).status_code == 201
        assert (await b.redeem(uses["b_http"])).status_code == 201

        # an agency's HTTP use at B's venue, sent to the national usage, is refused naming B's deployment
        async def national_refers_to_b() -> bool:
            r = await http.post(
                f"{national_usage.url}/v1/redemptions",
                json={**b.use(a.card, 2), "channel": "agency"},
                headers=auth("agency", org=agency),
            )
            return r.status_code == 403 and deployment in r.json()["detail"]

        await wait_until(national_refers_to_b, timeout=30)

        # the agency sells for both regions on the one topic
        async def submit(*submitted: dict[str, Any]) -> None:
            values = [(use["card_code"].encode(), _submission(use, agency).encode()) for use in submitted]
            await produce(kafka_bootstrap, Topics.AGENCY_REDEMPTIONS, values, signer=lambda v: sign(key, v))

        uses |= {"a_agency": a.use(a.card, 2), "b_agency": b.use(b.card, 2), "b_again": b.use(b.card, 2)}
        await submit(uses["a_agency"], uses["b_agency"], uses["b_again"])
        expected = {"a_agency": None, "b_agency": None, "b_again": "already_redeemed"}
        await _outcomes(kafka_bootstrap, agency, {uses[k]["redemption_id"]: v for k, v in expected.items()})

        # B's usage stops: A's venues and agency sales go on, B's submissions wait on the topic
        service_runner.stop(b_usage)
        uses |= {"b_waiting": b.use(b.card, 1), "b_unknown": b.use(unique("E"), 1), "a_meanwhile": a.use(a.card, 1)}
        await submit(uses["b_waiting"], uses["b_unknown"], uses["a_meanwhile"])
        uses["a_http_meanwhile"] = a.use(b.card, 2)
        assert (await a.redeem(uses["a_http_meanwhile"])).status_code == 201
        await _outcomes(kafka_bootstrap, agency, {uses["a_meanwhile"]["redemption_id"]: None}, exact=False)
        # national stats go on with what has arrived: region A's uses are counted while B is down
        a_so_far = sum(1 for name in uses if name.startswith("a_"))
        await wait_until(lambda: a.counted(stats, period, a_so_far), timeout=60)
        b.usage = service_runner.start("usage", database_url=b_usage.database_url or "", **scoped)
        expected |= {"b_waiting": None, "b_unknown": "card_unknown", "a_meanwhile": None}
        answered = await _outcomes(kafka_bootstrap, agency, {uses[k]["redemption_id"]: v for k, v in expected.items()})
        assert sorted(answered.values()) == [1] * len(expected), "every submission answered exactly once"

        # each use is recorded by its owner only
        ids = [u["redemption_id"] for u in uses.values()]
        in_a = {"a_http", "a_agency", "a_meanwhile", "a_http_meanwhile"}
        in_b = {"b_http", "b_agency", "b_waiting"}
        assert await recorded(national_usage, ids) == {uses[k]["redemption_id"] for k in in_a}
        assert await recorded(b.usage, ids) == {uses[k]["redemption_id"] for k in in_b}

        # national statistics count both regions
        await wait_until(lambda: a.counted(stats, period, len(in_a)), timeout=60)
        await wait_until(lambda: b.counted(stats, period, len(in_b)), timeout=60)
        after = (await http.get(f"{stats.url}/v1/stats/national", params={"period": period}, headers=NATIONAL)).json()
        assert after["redemptions"] - before["redemptions"] >= len(in_a) + len(in_b)


def _submission(use: dict[str, Any], agency: str) -> str:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "TicketRedeemed",
            "schema_version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            **use,
            "channel": "agency",
            "agency_id": agency,
        }
    )


async def _outcomes(
    bootstrap: str, agency: str, expected: dict[str, str | None], *, exact: bool = True
) -> Counter[str]:
    """Wait for the outcomes of `expected` (redemption id -> rejection reason, None: accepted) and check them;
    `exact`: the agency has no other outcomes than these. The count of outcomes per redemption id."""

    def mine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x["value"] for x in records if x["key"] == agency]

    records = await read_topic(
        bootstrap,
        Topics.REDEMPTION_OUTCOMES,
        until=lambda rs: expected.keys() <= {v["redemption_id"] for v in mine(rs)},
        timeout=90,
    )
    answers = mine(records)
    for value in answers:
        if value["redemption_id"] in expected:
            assert value.get("reason") == expected[value["redemption_id"]], value
    counts = Counter(v["redemption_id"] for v in answers)
    if exact:
        assert set(counts) == set(expected)
    return counts


async def test_a_second_deployment_claiming_an_owned_region_refuses_to_start_naming_the_owner(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    owner, region = f"owner-{uuid.uuid4().hex[:8]}", unique("R")
    claim = DeploymentClaimed(deployment=owner, regions=[region], service="usage")
    await produce(kafka_bootstrap, Topics.DEPLOYMENTS, [(claim_key(owner).encode(), claim.to_json_bytes())])
    before = set(service_runner.workdir.glob("usage-*.log"))
    with pytest.raises(RuntimeError, match="exited"):
        service_runner.start("usage", KAIKU_DEPLOYMENT="intruder", KAIKU_REGIONS=f"{region},{unique('R')}")
    (log,) = set(service_runner.workdir.glob("usage-*.log")) - before
    text = log.read_text()
    assert "region_claim_refused" in text
    assert f"already owned by deployment {owner}" in text
    assert region in text


async def test_a_region_moves_from_the_national_deployment_to_its_own_without_judging_a_use_twice(
    service_runner: ServiceRunner, kafka_bootstrap: str
) -> None:
    """deploy/README.md "Regional deployments": stop, `kaiku move-region`, start."""
    national_suffix, deployment = f"-{uuid.uuid4().hex[:8]}", f"moved-{uuid.uuid4().hex[:8]}"
    national = service_runner.start("usage", KAIKU_CONSUMER_GROUP_SUFFIX=national_suffix)
    starts_at = datetime.now(UTC) + timedelta(hours=3)
    agency, key = unique("A"), f"agency-signing-key-{uuid.uuid4().hex}"
    async with httpx.AsyncClient(timeout=30) as http:
        r = await http.put(
            f"{national.url}/v1/agencies/{agency}", json={"name": "Lippupalvelu", "signing_key": key}, headers=NATIONAL
        )
        assert r.status_code == 200, r.text
        moving, staying = Region(http, national, national), Region(http, national, national)
        for region in (moving, staying):
            await region.set_up_venue(agency, starts_at)
        card = unique("E")
        issued = CardIssued(
            card_code=card,
            card_type=CardType.PERSONAL,
            region_id=staying.region,
            distributor_id=unique("D"),
            issued_on=helsinki_today(),
            valid_until=helsinki_today() + timedelta(days=365),
            holder=HolderProfile.model_validate(HOLDER),
        )
        await produce(kafka_bootstrap, Topics.CARDS, [(card.encode(), issued.to_json_bytes())])
        await wait_until(lambda: moving.knows_cards(card), timeout=60)

        async def submit(*submitted: dict[str, Any]) -> None:
            values = [(use["card_code"].encode(), _submission(use, agency).encode()) for use in submitted]
            await produce(kafka_bootstrap, Topics.AGENCY_REDEMPTIONS, values, signer=lambda v: sign(key, v))

        before = moving.use(card, 1)
        await submit(before)
        await _outcomes(kafka_bootstrap, agency, {before["redemption_id"]: None})

        # 1. stop; what the agency sells meanwhile waits on the topic
        service_runner.stop(national)
        waiting, elsewhere = moving.use(card, 2), staying.use(card, 1)
        await submit(waiting, elsewhere)
        # 2. move the region's rows
        target = service_runner.databases.new(None, migrate=False)
        done = await asyncio.to_thread(
            subprocess.run,
            [
                str(Path(sys.executable).parent / "kaiku"),
                "move-region",
                "usage",
                f"--regions={moving.region}",
                f"--to-deployment={deployment}",
                f"--from-database={national.database_url}",
                f"--to-database={target}",
            ],
            env={**os.environ, "KAIKU_KAFKA_BOOTSTRAP": kafka_bootstrap},
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "venues 1" in done.stdout
        assert "redemptions 1" in done.stdout
        # 3. start both
        scoped = {"KAIKU_DEPLOYMENT": deployment, "KAIKU_REGIONS": moving.region}
        national_again, regional = start_side_by_side(
            service_runner,
            ("usage", {"database_url": national.database_url or "", "KAIKU_CONSUMER_GROUP_SUFFIX": national_suffix}),
            ("usage", {"database_url": target, **scoped}),
        )
        ids = [u["redemption_id"] for u in (before, waiting, elsewhere)]
        answered = await _outcomes(kafka_bootstrap, agency, dict.fromkeys(ids))
        assert sorted(answered.values()) == [1, 1, 1], "each submission answered once, the first not again"
        assert await recorded(regional, ids) == {before["redemption_id"], waiting["redemption_id"]}
        assert await recorded(national_again, ids) == {elsewhere["redemption_id"]}
        # the new owner judges with the region's history: the card was used at this performance already
        moving.usage = regional
        r = await moving.redeem(moving.use(card, 1))
        assert r.status_code == 409, r.text
        assert r.json()["reason"] == "already_redeemed"
