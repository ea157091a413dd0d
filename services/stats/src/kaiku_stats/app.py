"""Composition root of the stats service."""

from __future__ import annotations

from kaiku_contracts.cards import CardEvent
from kaiku_contracts.flags import FlagRaised
from kaiku_contracts.redemptions import RedemptionEvent
from kaiku_contracts.stats import NationalStatsUpdated, RegionalStatsUpdated
from kaiku_contracts.topics import Topics
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService
from pydantic import TypeAdapter

from kaiku_stats import handlers, routes
from kaiku_stats.publisher import run_publisher
from kaiku_stats.settings import StatsSettings

MIGRATIONS = service_migrations(__file__)

service = KaikuService(
    "stats",
    settings=StatsSettings(),
    migrations=MIGRATIONS,
    title="Kaikukortti statistics",
    description="Distributor, venue, regional and national aggregates as rebuildable projections of the events.",
)
service.include_router(routes.router)
service.add_consumer(
    name=handlers.CARDS_CONSUMER,
    topic=Topics.CARDS,
    adapter=TypeAdapter(CardEvent),
    handler=handlers.apply_card_events,
    description="Card facts: issued cards, their holders' background groups and revocations",
)
service.add_consumer(
    name=handlers.REDEMPTIONS_CONSUMER,
    topic=Topics.REDEMPTIONS,
    adapter=TypeAdapter(RedemptionEvent),
    handler=handlers.apply_redemption_events,
    description="Use facts: accepted uses and their cancellations",
)
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
service.add_background(run_publisher)
app = service.app
