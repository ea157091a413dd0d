"""The protected holder breakdowns of a year, read from the facts (docs/stats.md "Disclosure control").

One statement reads the year's holders per region, month and group; the protection itself
(domain/publication.py) runs in a worker thread, so the event loop keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio

import asyncpg

from kaiku_stats.domain.publication import ProtectedYear, protect_year
from kaiku_stats.queries import year_holders


async def protected_year(conn: asyncpg.Connection, year: int, k: int) -> ProtectedYear:
    holders = await year_holders(conn, year)
    return await asyncio.to_thread(protect_year, year, holders.by_region_month, holders.postal_of_year, k)
