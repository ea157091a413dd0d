"""Usage's Kafka consumers: the card registry and the ticket agencies' uses (docs/contract.md topics)."""

from __future__ import annotations

import asyncpg
from kaiku_contracts.cards import CardEvent
from kaiku_contracts.redemptions import SIGNATURE_HEADER, AgencyRedemptionSubmission
from kaiku_contracts.topics import Topics
from kaiku_runtime.asyncapi import Header
from kaiku_runtime.consumer import Delivered
from kaiku_runtime.service import KaikuService
from pydantic import TypeAdapter

from kaiku_usage.service import events


def add_consumers(service: KaikuService) -> None:
    registry = service.regions

    async def apply_agency_submissions(
        conn: asyncpg.Connection, batch: list[Delivered[AgencyRedemptionSubmission]]
    ) -> None:
        await events.apply_agency_submissions(conn, batch, registry)

    service.add_consumer(
        name="card-registry",
        topic=Topics.CARDS,
        adapter=TypeAdapter(CardEvent),
        handler=events.apply_card_events,
        description="Keeps usage's own registry of every card in the country",
    )
    service.add_consumer(
        name="agency-redemptions",
        topic=Topics.AGENCY_REDEMPTIONS,
        adapter=TypeAdapter(AgencyRedemptionSubmission),
        handler=apply_agency_submissions,
        description=(
            "Ticket agencies' uses (untrusted): judged by the same rules as HTTP, de-duplicated by redemption_id;"
            " agencies with a signing key must send the header `signature` = hex HMAC-SHA256 of the raw value"
        ),
        # a retry may carry a new event_id, and agencies' event ids are not trusted: de-duplicated by redemption_id
        dedupe_by_event_id=False,
        on_refused=events.answer_unreadable_submissions,
        headers=(
            Header(
                SIGNATURE_HEADER,
                "Lower-case hex HMAC-SHA256 of the value's raw bytes under the signing key registered for the"
                " value's `agency_id`; without a valid one the submission is answered `RedemptionRejected`"
                ' `agency_not_authorised` (docs/contract.md "Who may write to the agency topic")',
            ),
        ),
    )
