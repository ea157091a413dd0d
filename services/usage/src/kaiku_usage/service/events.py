"""Applying the topics usage consumes: the card registry (kaiku.cards.v1) and the agencies' uses.

Plain functions; the connection's transaction is the consumer's, which commits the batch.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.cards import CardIssued, CardRevoked
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import AgencyRedemptionSubmission, RedemptionAccepted, RedemptionRejected
from kaiku_contracts.topics import Topics
from kaiku_runtime.consumer import Delivered, Refused
from kaiku_runtime.logging import get_logger
from kaiku_runtime.outbox import enqueue_many
from kaiku_runtime.ownership import RegionRegistry

from kaiku_usage.adapters import cards, venues
from kaiku_usage.domain.redemption import RedemptionRequest
from kaiku_usage.domain.signatures import SIGNATURE_HEADER, SignatureCheck, check_signature, explain
from kaiku_usage.domain.submissions import answerable
from kaiku_usage.metrics import AGENCY_UNTRUSTED_MESSAGES, REDEMPTIONS_REJECTED
from kaiku_usage.service.redemptions import Outcome, record_uses

log = get_logger(__name__)


async def apply_card_events(conn: asyncpg.Connection, batch: list[Delivered[CardIssued | CardRevoked]]) -> None:
    for delivered in batch:
        event = delivered.event
        if isinstance(event, CardIssued):
            await cards.save_issued(conn, event)
        else:
            await cards.mark_revoked(conn, event.card_code, event.revoked_on, event.reason.value)


def _signature(record: ConsumerRecord[Any, Any]) -> bytes | None:
    """The raw `signature` header: never decoded, an agency's bytes may be anything."""
    for key, value in record.headers or ():
        if isinstance(key, bytes):
            key = key.decode(errors="replace")
        if key.lower() == SIGNATURE_HEADER and value is not None:
            return bytes(value)
    return None


async def _signature_checks(
    conn: asyncpg.Connection, messages: list[tuple[str, ConsumerRecord[Any, Any]]]
) -> list[SignatureCheck]:
    """Signature check per `(agency_id, record)`: fail closed, an unregistered agency or one without a key fails."""
    agency_ids = sorted({agency_id for agency_id, _ in messages})
    keys = await venues.signing_keys(conn, agency_ids)
    return [check_signature(keys.get(agency), record.value or b"", _signature(record)) for agency, record in messages]


async def _authorise(
    conn: asyncpg.Connection, batch: list[Delivered[AgencyRedemptionSubmission]]
) -> dict[int, SignatureCheck]:
    """Signature check per message (by position in the batch)."""
    return dict(enumerate(await _signature_checks(conn, [(d.event.agency_id, d.record) for d in batch])))


async def answer_unreadable_submissions(conn: asyncpg.Connection, refused: list[Refused]) -> None:
    """A dead-lettered submission that still names its redemption and agency is answered `invalid_request`.

    The detail names the fields at fault, never their values; the agency is answered only for a message it
    signed (so nobody can make its sales look refused).
    """
    named = [(ids, r) for r in refused if (ids := answerable(r.record.value)) is not None]
    checks = await _signature_checks(conn, [(agency_id, r.record) for (_, agency_id), r in named]) if named else []
    answers: list[tuple[str, str, Event]] = []
    for ((redemption_id, agency_id), r), check in zip(named, checks, strict=True):
        if check is not SignatureCheck.VALID:
            continue
        REDEMPTIONS_REJECTED.labels(RejectionReason.INVALID_REQUEST.value, "agency").inc()
        answer = RedemptionRejected(
            redemption_id=redemption_id, agency_id=agency_id, reason=RejectionReason.INVALID_REQUEST, detail=r.reason
        )
        answers.append((Topics.REDEMPTION_OUTCOMES, agency_id, answer))
    await enqueue_many(conn, answers)


async def _owned_here(
    conn: asyncpg.Connection, batch: list[Delivered[AgencyRedemptionSubmission]], registry: RegionRegistry | None
) -> list[Delivered[AgencyRedemptionSubmission]]:
    """The submissions this deployment judges: those at venues of its regions. The others are left to their
    owner (docs/architecture.md "Regional deployments"): no outcome, no dead letter, only their offset is
    committed with the batch."""
    if registry is None or registry.judges_everything:
        return batch
    held = await venues.venues_by_id(conn, sorted({d.event.venue_id for d in batch}))
    ownership = registry.ownership
    owned: list[Delivered[AgencyRedemptionSubmission]] = []
    for delivered in batch:
        venue_id = delivered.event.venue_id
        here = held.get(venue_id)
        if ownership.judges_venue(registry.me, venue_id, here.region_id if here else None):
            owned.append(delivered)
        else:
            log.info("agency_submission_left_to_owner", redemption_id=delivered.event.redemption_id, venue_id=venue_id)
    return owned


async def apply_agency_submissions(
    conn: asyncpg.Connection,
    batch: list[Delivered[AgencyRedemptionSubmission]],
    registry: RegionRegistry | None = None,
) -> None:
    """Judge each agency submission like an HTTP use; answer each on kaiku.redemption-outcomes.v1.

    Only submissions at venues of this deployment's regions are judged (`_owned_here`).

    De-duplicated by `redemption_id` (a retry may carry a new `event_id`): a replayed accepted use is
    answered `RedemptionAccepted` again and recorded once. The outcomes go through the outbox in this
    same transaction, so an answer is published exactly when its effect is committed.
    """
    batch = await _owned_here(conn, batch, registry)
    if not batch:
        return
    checks = await _authorise(conn, batch)
    requests = [
        RedemptionRequest(
            redemption_id=d.event.redemption_id,
            card_code=d.event.card_code,
            venue_id=d.event.venue_id,
            performance_id=d.event.performance_id,
            adult_tickets=d.event.adult_tickets,
            child_tickets=d.event.child_tickets,
            channel=d.event.channel,
            agency_id=d.event.agency_id,
            group_id=d.event.group_id,
        )
        for d in batch
    ]
    trusted = [i for i in range(len(batch)) if checks[i] is SignatureCheck.VALID]
    judged = await record_uses(
        conn,
        [requests[i] for i in trusted],
        recorded_by=[f"agency:{requests[i].agency_id}" for i in trusted],
        source="agency",
        now=datetime.now(UTC),
    )
    outcome_of = dict(zip(trusted, judged, strict=True))
    answers: list[tuple[str, str, Event]] = []
    for index, delivered in enumerate(batch):
        submission, request, check = delivered.event, requests[index], checks[index]
        outcome = outcome_of.get(index)
        if outcome is None:
            # a forged or unsigned message names an agency it may not speak for: recorded nowhere
            AGENCY_UNTRUSTED_MESSAGES.labels(check.value).inc()
            outcome = Outcome(
                request.redemption_id,
                reason=RejectionReason.AGENCY_NOT_AUTHORISED,
                detail=explain(check, submission.agency_id),
            )
        outcome.count("agency", request.channel)
        log.info(
            "agency_submission_judged",
            redemption_id=request.redemption_id,
            agency_id=submission.agency_id,
            outcome=outcome.reason.value if outcome.reason else "accepted",
        )
        answer: Event
        if outcome.reason is None:
            answer = RedemptionAccepted(redemption_id=request.redemption_id, agency_id=submission.agency_id)
        else:
            answer = RedemptionRejected(
                redemption_id=request.redemption_id,
                agency_id=submission.agency_id,
                reason=outcome.reason,
                detail=outcome.detail,
            )
        answers.append((Topics.REDEMPTION_OUTCOMES, submission.agency_id, answer))
    await enqueue_many(conn, answers)
