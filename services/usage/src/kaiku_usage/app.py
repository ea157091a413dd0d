"""Composition root of the usage service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from kaiku_contracts.redemptions import (
    RedemptionAccepted,
    RedemptionCancelled,
    RedemptionRejected,
    TicketRedeemed,
)
from kaiku_contracts.topics import Topics
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService
from kaiku_runtime.settings import ServiceSettings

from kaiku_usage.entrypoints import http, kafka
from kaiku_usage.service import venues
from kaiku_usage.service.imports import MAX_REPORT_BYTES

MIGRATIONS = service_migrations(__file__)


@contextlib.asynccontextmanager
async def announce_venues(svc: KaikuService) -> AsyncIterator[None]:
    """At start-up, announce the venues held here that the ownership registry does not place yet (a region
    moved in by a hand-over: deploy/README.md "Regional deployments")."""
    registry = svc.regions
    if registry is not None and registry.announcing_as is not None:
        await venues.announce_unannounced_venues(
            svc.unit_of_work, registry.ownership.venue_regions, registry.announcing_as
        )
    yield


service = KaikuService(
    "usage",
    settings=ServiceSettings(),
    migrations=MIGRATIONS,
    title="Kaikukortti usage",
    description="Venues and ticket agencies record ticket uses; the operating model's rules are enforced here.",
)
service.serve_regions()
service.add_resource(announce_venues)
service.include_router(http.router)
service.allow_upload("/v1/imports/redemptions", MAX_REPORT_BYTES)
kafka.add_consumers(service)
service.document_publisher(Topics.REDEMPTIONS, TicketRedeemed, "An accepted ticket use (key = card code)")
service.document_publisher(Topics.REDEMPTIONS, RedemptionCancelled, "A use was cancelled (key = card code)")
service.document_publisher(
    Topics.REDEMPTION_OUTCOMES, RedemptionAccepted, "An agency's submission was accepted (key = agency id)"
)
service.document_publisher(
    Topics.REDEMPTION_OUTCOMES, RedemptionRejected, "An agency's submission was refused, with reason (key = agency id)"
)
app = service.app
