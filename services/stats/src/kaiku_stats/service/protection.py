"""The protected holder breakdowns of a year, read from the facts (docs/stats.md "Disclosure control").

One statement reads the year's holders per region, month and group; the protection itself
(domain/publication.py) runs in a worker thread, so the event loop keeps answering meanwhile. The
protection depends on nothing else, so the last one of each (year, k) is kept and reused while the
year's holders are unchanged: every page and every publishing round of an unchanged year costs the
one statement. The holders determine the protection entirely, so an entry is right for any reader.
"""

from __future__ import annotations

import asyncio

import asyncpg

from kaiku_stats.adapters.figures import YearHolders, year_holders
from kaiku_stats.domain.publication import ProtectedYear, protect_year


class ProtectionCache:
    """The last protected year per (year, k) and the holders it was computed from."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, int], tuple[YearHolders, ProtectedYear]] = {}

    async def protected_year(self, conn: asyncpg.Connection, year: int, k: int) -> ProtectedYear:
        holders = await year_holders(conn, year)
        key = (year, k)
        cached = self._entries.get(key)
        if cached is not None and cached[0] == holders:
            return cached[1]
        protected = await asyncio.to_thread(protect_year, year, holders.by_region_month, holders.postal_of_year, k)
        self._entries[key] = (holders, protected)
        return protected


_CACHE = ProtectionCache()


async def protected_year(conn: asyncpg.Connection, year: int, k: int) -> ProtectedYear:
    return await _CACHE.protected_year(conn, year, k)
