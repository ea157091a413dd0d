"""Reading the figures a reader asks for (docs/stats.md "Who sees what"): exact for the reader's own scope,
or as published, with the holder breakdowns protected together with the whole year (docs/stats.md
"Disclosure control"). Who may read what is decided before (entrypoints/access.py)."""

from __future__ import annotations

from typing import Any

import asyncpg
from kaiku_contracts.calendar import helsinki_today
from kaiku_contracts.http.stats import OPEN_COMPARED

from kaiku_stats.adapters import figures as figure_rows
from kaiku_stats.domain.figures import Figures
from kaiku_stats.domain.publication import PublishedHolders
from kaiku_stats.service.protection import protected_year


async def published_figures(
    pool: asyncpg.Pool, region_id: str, period: str, k: int
) -> tuple[Figures, PublishedHolders]:
    """The figures of the nation (`region_id` NATIONAL) or a region and their holder breakdowns as protected with
    the whole year, read from one snapshot of the projection so that they agree."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        protected = await protected_year(conn, int(period[:4]), k)
        result = await figure_rows.figures(conn, figure_rows.published_scope(region_id), period, helsinki_today())
    return result, protected.holders(region_id, period)


async def region_figures(pool: asyncpg.Pool, region_id: str, period: str) -> Figures:
    """A region's exact figures: its venues' uses and the cards it issued."""
    async with pool.acquire() as conn:
        return await figure_rows.figures(conn, figure_rows.region_scope(region_id), period, helsinki_today())


async def venue_region(pool: asyncpg.Pool, venue_id: str) -> str | None:
    """The region of a venue's uses (None: no use recorded yet)."""
    async with pool.acquire() as conn:
        return await figure_rows.venue_region(conn, venue_id)


async def venue_figures(
    pool: asyncpg.Pool, venue_id: str, performance_id: str | None, period: str
) -> tuple[Figures, list[dict[str, Any]], list[dict[str, Any]]]:
    """A venue's usage of its own site (or one performance), its uses per performance and per channel."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        scope = figure_rows.venue_scope(venue_id, performance_id)
        result = await figure_rows.figures(conn, scope, period, helsinki_today())
        performances = await figure_rows.uses_by_performance(conn, venue_id, period)
        channels = await figure_rows.uses_by_channel(conn, venue_id, performance_id, period)
    if performance_id is not None:
        performances = [p for p in performances if p["performance_id"] == performance_id]
    return result, performances, channels


async def distributor_region(pool: asyncpg.Pool, distributor_id: str) -> str | None:
    """The region of a distributor's cards (None: no card issued yet)."""
    async with pool.acquire() as conn:
        return await figure_rows.distributor_region(conn, distributor_id)


async def distributor_figures(
    pool: asyncpg.Pool, distributor_id: str, branch_id: str | None, period: str
) -> tuple[Figures, list[dict[str, Any]]]:
    """The figures of the cards a distributor (or one branch) issued, and its cards issued per branch."""
    async with pool.acquire() as conn:
        scope = figure_rows.distributor_scope(distributor_id, branch_id)
        result = await figure_rows.figures(conn, scope, period, helsinki_today())
        branches = await figure_rows.uses_by_branch(conn, distributor_id, period)
    return result, branches


COMPARED = OPEN_COMPARED
"""What the national dashboard and the open comparison set side by side per region: counts the national
office publishes exactly (no holder breakdown, so nothing here needs protecting)."""


async def regions_side_by_side(pool: asyncpg.Pool, period: str) -> list[dict[str, Any]]:
    """Every region with facts, its figures of the period, from one snapshot of the projection."""
    today = helsinki_today()
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        rows = []
        for region_id in await figure_rows.regions_with_facts(conn):
            exact = (await figure_rows.figures(conn, figure_rows.region_scope(region_id), period, today)).exact()
            rows.append({"region_id": region_id, **{name: exact[name] for name in COMPARED}})
    return rows
