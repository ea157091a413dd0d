"""Paper-form import speed: 10,000 forms (1 % bad) through `POST /v1/imports/cards`, then the same file again.

Runs its own broker (embedded Tansu, or KAIKU_KAFKA_BOOTSTRAP), a fresh issuance database on the local
PostgreSQL (or KAIKU_DATABASE_URL's server) and one issuance process; prints the figures (medians of 3).

    .venv/bin/python bench/bench_card_import.py [rows]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from kaiku_contracts.calendar import helsinki_today
from kaiku_devkit.devstack import spawn_service, stop_services, wait_ready
from kaiku_devkit.infra import free_port, resolve_postgres, start_tansu
from kaiku_runtime.auth import Role, issue_token
from kaiku_runtime.db import ensure_database, with_database
from kaiku_runtime.settings import DEV_JWT_SECRET
from kaiku_runtime.topics import create_topics

HEADER = "card_code,issued_on,birth_year,mother_tongue,gender,postal_code,life_situation"


def forms(prefix: str, rows: int) -> bytes:
    issued = (helsinki_today() - timedelta(days=10)).strftime("%d.%m.%Y")
    lines = [HEADER]
    for i in range(rows):
        postal = "1" if i % 100 == 37 else f"{i % 99999:05d}"  # 1 % bad rows
        lines.append(f"{prefix}{i:06d},{issued},{1940 + i % 60},fi,female,{postal},unemployed")
    return ("\n".join(lines) + "\n").encode()


def token(role: Role, **claims: str) -> str:
    return issue_token(os.environ.get("KAIKU_JWT_SECRET", DEV_JWT_SECRET), role=role, sub="bench", **claims)


async def outbox_empty(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        for _ in range(6000):
            if not await conn.fetchval("SELECT count(*) FROM outbox"):
                return
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def run(url: str, database_url: str, rows: int) -> dict[str, float]:
    region, distributor = f"RB{uuid.uuid4().hex[:6]}", f"DB{uuid.uuid4().hex[:6]}"
    national = {"Authorization": f"Bearer {token(Role.NATIONAL)}"}
    own = {"Authorization": f"Bearer {token(Role.DISTRIBUTOR, region=region, org=distributor)}"}
    first, published, second = "first import", "first import + its events published", "second import (no changes)"
    figures: dict[str, list[float]] = {first: [], published: [], second: []}
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        await http.post("/v1/regions", json={"region_id": region, "name": "Bench"}, headers=national)
        await http.post(
            "/v1/distributors",
            json={"distributor_id": distributor, "region_id": region, "name": "Bench"},
            headers=national,
        )
        for attempt in range(3):
            content = forms(f"B{attempt}{uuid.uuid4().hex[:4].upper()}", rows)
            for label in (first, second):
                started = time.perf_counter()
                r = await http.post("/v1/imports/cards", files={"file": ("f.csv", content, "text/csv")}, headers=own)
                figures[label].append(time.perf_counter() - started)
                assert r.status_code == 200, r.text
                assert r.json()["rejected"] == rows // 100, r.json()["rejected"]
                if label == first:
                    await outbox_empty(database_url)
                    figures[published].append(time.perf_counter() - started)
    results = {label: statistics.median(values) for label, values in figures.items()}
    results["CLI, 1,000-row chunks, first import (1 run)"] = await cli_import(url, own, rows)
    return results


async def cli_import(url: str, headers: dict[str, str], rows: int) -> float:
    path = Path(tempfile.mkdtemp(prefix="kaiku-bench-cli-")) / "forms.csv"
    path.write_bytes(forms(f"C{uuid.uuid4().hex[:5].upper()}", rows))
    cli = Path(sys.executable).with_name("kaiku-issuance")
    env = {**os.environ, "KAIKU_TOKEN": headers["Authorization"].split()[1]}
    started = time.perf_counter()
    done = await asyncio.to_thread(
        subprocess.run,
        [str(cli), "import-cards", str(path), "--url", url],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 1, done.stderr  # 1: the bad rows were reported
    print(done.stdout.splitlines()[-1])
    return elapsed


def main(rows: int = 10_000) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="kaiku-bench-"))
    bootstrap = os.environ.get("KAIKU_KAFKA_BOOTSTRAP")
    tansu = None
    if not bootstrap:
        tansu = start_tansu(free_port(), workdir / "tansu.log")
        bootstrap = tansu.bootstrap
    postgres = resolve_postgres(workdir / "pgdata", os.environ.get("KAIKU_DATABASE_URL"))
    database_url = with_database(postgres.url, f"kaiku_bench_issuance_{uuid.uuid4().hex[:6]}")
    svc = None
    try:
        asyncio.run(create_topics(bootstrap))
        asyncio.run(ensure_database(database_url))
        env = {**os.environ, "KAIKU_KAFKA_BOOTSTRAP": bootstrap, "KAIKU_DATABASE_URL": database_url}
        svc = spawn_service("issuance", free_port(), env, workdir / "issuance.log")
        wait_ready([svc])
        results = asyncio.run(run(svc.url, database_url, rows))
    finally:
        if svc is not None:
            stop_services([svc])
        if tansu is not None:
            tansu.stop()
        postgres.stop()
    print(f"paper-form import, {rows:,} rows (1 % bad), medians of 3, one HTTP request each:")
    for label, seconds in results.items():
        print(f"  {label:44} {seconds:6.2f} s   ({rows / seconds:,.0f} rows/s)")
    return results


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
