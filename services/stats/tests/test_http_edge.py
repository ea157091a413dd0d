"""The HTTP edge of stats (docs/contract.md): identity codes in paths, queries and the request id are refused
naming the field, also on the open-data paths that take no token; bodies over 64 KiB are 413."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from kaiku_devkit.devstack import ServiceProcess
from kaiku_devkit.testing import IDENTITY_CODE, ServiceRunner, auth
from kaiku_devkit.testing import assert_identity_code_refused as assert_refused
from kaiku_runtime.edge import MAX_JSON_BODY_BYTES

pytestmark = pytest.mark.connected
CODE = IDENTITY_CODE


@pytest.fixture(scope="module")
def stats(service_runner: ServiceRunner) -> Iterator[ServiceProcess]:
    with service_runner.started("stats") as (svc,):
        yield svc


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/v1/stats/regions/{CODE}?period=2026", "region_id"),
        (f"/v1/stats/venues/{CODE.lower()}", "venue_id"),
        (f"/v1/stats/distributors/{CODE}", "distributor_id"),
        (f"/v1/stats/national?period={CODE}", "period"),
        (f"/v1/flags?region_id={CODE}", "region_id"),
        (f"/v1/reports/annual?region_id={CODE}&year=2026", "region_id"),
        (f"/v1/no-such-route/{CODE}", "path"),  # refused before routing: also where no route matches
    ],
)
def test_identity_codes_in_paths_and_queries_are_refused(stats: ServiceProcess, path: str, field: str):
    r = httpx.get(f"{stats.url}{path}", headers=auth("national"), timeout=10)
    assert_refused(r, 422, "invalid_request", field)


def test_the_request_id_header_and_big_bodies_are_refused(stats: ServiceProcess):
    r = httpx.get(f"{stats.url}/health/live", headers={"X-Request-ID": CODE}, timeout=10)
    assert_refused(r, 422, "invalid_request", "X-Request-ID")
    ok = httpx.get(f"{stats.url}/health/live", headers={"X-Request-ID": "ok-4711"}, timeout=10)
    assert ok.status_code == 200, ok.text
    assert ok.headers["X-Request-ID"] == "ok-4711"
    big = httpx.post(f"{stats.url}/v1/stats/national", json={"x": "y" * MAX_JSON_BODY_BYTES}, timeout=10)
    assert_refused(big, 413, "payload_too_large")
