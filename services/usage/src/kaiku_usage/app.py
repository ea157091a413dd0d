"""Composition root of the usage service."""

from __future__ import annotations

from kaiku_contracts.cards import CardEvent
from kaiku_contracts.redemptions import (
    AgencyRedemptionSubmission,
    RedemptionAccepted,
    RedemptionCancelled,
    RedemptionRejected,
    TicketRedeemed,
)
from kaiku_contracts.topics import Topics
from kaiku_runtime.db import service_migrations
from kaiku_runtime.service import KaikuService
from kaiku_runtime.settings import ServiceSettings
from pydantic import TypeAdapter

from kaiku_usage import handlers, routes
from kaiku_usage.imports import MAX_REPORT_BYTES

MIGRATIONS = service_migrations(__file__)

service = KaikuService(
    "usage",
    settings=ServiceSettings(),
    migrations=MIGRATIONS,
    title="Kaikukortti usage",
    description="Venues and ticket agencies record ticket uses; the operating model's rules are enforced here.",
)
service.include_router(routes.router)
service.allow_upload("/v1/imports/redemptions", MAX_REPORT_BYTES)
service.add_consumer(
    name="card-registry",
    topic=Topics.CARDS,
    adapter=TypeAdapter(CardEvent),
    handler=handlers.apply_card_events,
    description="Keeps usage's own registry of every card in the country",
)
service.add_consumer(
    name="agency-redemptions",
    topic=Topics.AGENCY_REDEMPTIONS,
    adapter=TypeAdapter(AgencyRedemptionSubmission),
    handler=handlers.apply_agency_submissions,
    description=(
        "Ticket agencies' uses (untrusted): judged by the same rules as HTTP, de-duplicated by redemption_id;"
        " agencies with a signing key must send the header `signature` = hex HMAC-SHA256 of the raw value"
    ),
    # a retry may carry a new event_id, and agencies' event ids are not trusted: de-duplicated by redemption_id
    dedupe_by_event_id=False,
    on_refused=handlers.answer_unreadable_submissions,
)
service.document_publisher(Topics.REDEMPTIONS, TicketRedeemed, "An accepted ticket use (key = card code)")
service.document_publisher(Topics.REDEMPTIONS, RedemptionCancelled, "A use was cancelled (key = card code)")
service.document_publisher(
    Topics.REDEMPTION_OUTCOMES, RedemptionAccepted, "An agency's submission was accepted (key = agency id)"
)
service.document_publisher(
    Topics.REDEMPTION_OUTCOMES, RedemptionRejected, "An agency's submission was refused, with reason (key = agency id)"
)
app = service.app
