"""The HTTP edge of usage (docs/contract.md): identity codes refused wherever they appear, bodies capped, and
the venue report import cannot be made to exhaust the service. Nothing refused is recorded."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import pytest
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import IDENTITY_CODE, unique, xlsx
from kaiku_devkit.testing import assert_identity_code_refused as assert_refused
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES
from kaiku_runtime.tabular import MAX_UNCOMPRESSED_BYTES
from kaiku_usage.service.imports import MAX_REPORT_BYTES, MAX_REPORT_ROWS

pytestmark = pytest.mark.connected
CODE = IDENTITY_CODE
HEADER = ["card code", "adult tickets", "child tickets", "performance", "date"]


async def count(usage: ServiceProcess, query: str, *args: Any) -> int:
    conn = await asyncpg.connect(usage.database_url)
    try:
        return int(await conn.fetchval(query, *args))
    finally:
        await conn.close()


async def test_identity_codes_are_refused_in_bodies_paths_queries_and_headers(scene: Any, usage: ServiceProcess):
    performance = await scene.performance()
    assert_refused(await scene.redeem(scene.use(CODE, performance)), 422, "invalid_request", "card_code")
    use = scene.use(unique("E"), performance, redemption_id=f"pos-{CODE.lower()}")
    assert_refused(await scene.redeem(use), 422, "invalid_request", "redemption_id")
    r = await scene.http.get(f"{scene.url}/v1/cards/{CODE}/status", headers=scene.venue_headers)
    assert_refused(r, 422, "invalid_request", "card_code")
    r = await scene.http.delete(f"{scene.url}/v1/redemptions/{CODE}", headers=scene.venue_headers)
    assert_refused(r, 422, "invalid_request", "redemption_id")
    r = await scene.http.put(
        f"{scene.url}/v1/performances/{CODE}",
        json={"venue_id": scene.venue, "name": "x", "starts_at": "2030-01-01T18:00:00+02:00", "capacity": 10},
        headers=scene.venue_headers,
    )
    assert_refused(r, 422, "invalid_request", "performance_id")
    headers = {**scene.venue_headers, "X-Request-ID": CODE}
    assert_refused(await scene.redeem(scene.use(unique("E"), performance), headers), 422, "invalid_request")
    assert await count(usage, "SELECT count(*) FROM redemptions WHERE performance_id = $1", performance) == 0
    assert await count(usage, "SELECT count(*) FROM performances WHERE upper(performance_id) = $1", CODE) == 0


async def test_a_body_over_64_kib_is_413_before_authentication(scene: Any):
    body = {"redemption_id": "x", "padding": "x" * MAX_JSON_BODY_BYTES}
    assert_refused(await scene.http.post(f"{scene.url}/v1/redemptions", json=body), 413, "payload_too_large")


async def upload(scene: Any, name: str, data: bytes) -> Any:
    started = time.monotonic()
    r = await scene.http.post(
        f"{scene.url}/v1/imports/redemptions", files={"file": (name, data)}, headers=scene.venue_headers
    )
    assert time.monotonic() - started < 10, "refused quickly"
    return r


async def test_reports_that_would_exhaust_the_service_are_refused_quickly_and_record_nothing(
    scene: Any, usage: ServiceProcess
):
    recorded = "SELECT count(*) FROM redemptions r JOIN performances p USING (performance_id) WHERE p.venue_id = $1"
    row = [unique("E"), 1, 0, "Trollkarlen Matti", "3.2.2020"]
    # declares A1:XFD500 (half a million cells): read as the two rows it holds, in well under a second
    wide = await upload(scene, "raportti.xlsx", xlsx([HEADER, row], dimension="A1:XFD500"))
    assert wide.status_code == 200, wide.text
    assert wide.json()["summary"]["rejected"] == 1  # the card is unknown: judged like any use

    bomb = xlsx([HEADER, row], extra_entry=("xl/media/image1.bin", MAX_UNCOMPRESSED_BYTES + 1))
    assert_refused(await upload(scene, "raportti.xlsx", bomb), 413, "payload_too_large")

    lines = [";".join(HEADER)] + [f"E{i};1;0;Trollkarlen Matti;3.2.2020" for i in range(MAX_REPORT_ROWS + 30)]
    many = await upload(scene, "raportti.csv", ("\n".join(lines) + "\n").encode())
    assert many.status_code in (413, 422), many.text
    assert "rows" in many.json()["detail"]

    named = await upload(scene, f"{CODE}.csv", ("\n".join(lines[:2]) + "\n").encode())
    assert_refused(named, 422, "invalid_request", "file (file name)")

    too_big = await upload(scene, "raportti.csv", b"x" * (MAX_REPORT_BYTES + MAX_JSON_BODY_BYTES + 1))
    assert_refused(too_big, 413, "payload_too_large")
    assert await count(usage, recorded, scene.venue) == 0
