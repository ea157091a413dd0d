"""Overload (kaiku_runtime.overload) on a real FastAPI app: the surplus is refused at once, never queued."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from kaiku_runtime.errors import install_error_handlers
from kaiku_runtime.metrics import HTTP_OVERLOAD_REFUSALS
from kaiku_runtime.overload import OVERLOADED, ShedLoad

pytestmark = pytest.mark.unit
LIMIT = 2


def make_app(release: asyncio.Event, entered: list[str], all_in: asyncio.Event) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(ShedLoad, limit=lambda: LIMIT)

    @app.post("/v1/redemptions", status_code=201)
    async def slow_use() -> dict[str, str]:
        entered.append("use")
        if len(entered) == LIMIT:
            all_in.set()
        await release.wait()  # a use waiting on the database
        return {"status": "accepted"}

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    return app


async def test_requests_over_the_limit_get_503_with_retry_after_and_the_admitted_ones_finish():
    release, entered, all_in = asyncio.Event(), [], asyncio.Event()
    transport = httpx.ASGITransport(app=make_app(release, entered, all_in))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        admitted = [asyncio.create_task(http.post("/v1/redemptions")) for _ in range(LIMIT)]
        await asyncio.wait_for(all_in.wait(), timeout=5)  # both admitted requests are inside the route
        refused_before = HTTP_OVERLOAD_REFUSALS._value.get()
        surplus = await asyncio.wait_for(http.post("/v1/redemptions"), timeout=5)  # answered now, not queued
        assert surplus.status_code == 503
        assert surplus.headers["retry-after"] == "1"
        assert surplus.json()["reason"] == OVERLOADED
        assert "again" in surplus.json()["detail"]
        assert HTTP_OVERLOAD_REFUSALS._value.get() == refused_before + 1
        assert len(entered) == LIMIT  # the refused request never reached the route
        live = await asyncio.wait_for(http.get("/health/live"), timeout=5)  # a busy service is still alive
        assert live.status_code == 200
        release.set()
        assert [r.status_code for r in await asyncio.gather(*admitted)] == [201] * LIMIT
        again = await http.post("/v1/redemptions")  # the slots are free again
        assert again.status_code == 201
