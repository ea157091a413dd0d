"""Composition root of the stats service."""

from __future__ import annotations

from kaiku_contracts.flags import FlagRaised
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated
from kaiku_contracts.topics import Topics
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService

from kaiku_stats.entrypoints import http, kafka, open_data, reports, uses
from kaiku_stats.settings import StatsSettings

MIGRATIONS = service_migrations(__file__)

service = KaikuService(
    "stats",
    settings=StatsSettings(),
    migrations=MIGRATIONS,
    title="Kaikukortti statistics",
    description="Distributor, venue, regional and national aggregates as rebuildable projections of the events.",
)
service.include_router(http.router)
service.include_router(reports.router)
service.include_router(open_data.router)
service.include_router(uses.router)
kafka.add_consumers(service)
service.document_publisher(
    Topics.STATS_REGIONAL,
    RegionalStatsUpdated,
    "Latest figures per `{region_id}:{period}` (compacted; holder breakdowns suppressed), at most ~1/s per key",
)
service.document_publisher(
    Topics.STATS_NATIONAL,
    NationalStatsUpdated,
    "Latest figures per `{period}` (compacted; holder breakdowns suppressed), at most ~1/s per key",
)
service.document_publisher(
    Topics.FLAGS,
    FlagRaised,
    'The misuse watch\'s findings, keyed by the region that should look (docs/stats.md "Misuse watch")',
)
kafka.add_publisher(service)
app = service.app
