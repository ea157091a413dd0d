"""Recording a use: gather the facts under the performance's row lock, ask the domain, write the result.

Used by the HTTP route, the agency consumer and the venue report import, always inside the
caller's transaction, so the use, the limit's counter and the outbox event commit together.
Cancelling a use, and the box-office check of a card, are here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from kaiku_contracts.enums import CardType, Channel, RejectionReason
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import RedemptionCancelled, TicketRedeemed
from kaiku_contracts.topics import Topics
from kaiku_runtime.outbox import enqueue, enqueue_many
from kaiku_runtime.unit_of_work import UnitOfWork

from kaiku_usage.adapters import cards, performances, redemptions, venues
from kaiku_usage.adapters.redemptions import NewUse, RecordedAnswer
from kaiku_usage.domain.cancellation import UseCancellation, UseOwner
from kaiku_usage.domain.cancellation import cancel_use as decide_cancellation
from kaiku_usage.domain.cards import CardStatus, card_status
from kaiku_usage.domain.redemption import (
    Card,
    CardAtPerformance,
    Performance,
    RedemptionRequest,
    Rejected,
    Venue,
    decide,
)
from kaiku_usage.metrics import REDEMPTIONS_ACCEPTED, REDEMPTIONS_REJECTED


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to a submitted use: accepted (`response`) or refused (`reason`, `detail`)."""

    redemption_id: str
    response: dict[str, Any] = field(default_factory=dict)
    reason: RejectionReason | None = None
    detail: str = ""
    replayed: bool = False  # the same use was submitted before: its first answer, nothing recorded

    @property
    def accepted(self) -> bool:
        return self.reason is None

    def count(self, source: str, channel: Channel) -> None:
        """Metrics, once per decided submission (replays are not new uses)."""
        if self.replayed:
            return
        if self.reason is None:
            REDEMPTIONS_ACCEPTED.labels(source, channel.value).inc()
        else:
            REDEMPTIONS_REJECTED.labels(self.reason.value, source).inc()


@dataclass
class _Facts:
    """What the database knows about a batch of uses, read once under the performances' row locks."""

    venues: dict[str, Venue]
    performances: dict[str, Performance]
    cards: dict[str, Card]
    done: dict[str, RecordedAnswer]
    at_performance: dict[tuple[str, str], CardAtPerformance]  # (performance_id, card_code): accepted uses so far
    groups: set[tuple[str, str]]  # (performance_id, redemption_id) of accepted community-card uses


async def _gather(conn: asyncpg.Connection, requests: list[RedemptionRequest]) -> _Facts:
    performance_ids = sorted({r.performance_id for r in requests})
    card_codes = sorted({r.card_code for r in requests})
    known_venues = await venues.venues_by_id(conn, sorted({r.venue_id for r in requests}))
    known_cards = await cards.cards_by_code(conn, card_codes)
    # The row locks serialise every use of these performances until this transaction ends: the limit and
    # the one-adult-ticket rule hold however many clerks and agencies sell at once (docs/architecture.md
    # pattern 7). Taken in id order, so two transactions never wait on each other in a cycle, and after
    # the reads that do not need them, to hold them briefly.
    locked = await performances.lock_performances(conn, performance_ids)
    # read under the lock: a concurrent retry of the same use on this performance is seen as a replay
    done = await redemptions.answers(conn, sorted({r.redemption_id for r in requests}))
    # the one-adult-ticket rule, the holder at the performance and the child tickets' cap (§2): the card's
    # accepted uses there, read under the same lock as the limit
    at_performance = await redemptions.uses_at_performances(conn, performance_ids, card_codes)
    # §5: the community-card uses the members' group_ids name (their performance is locked above)
    groups = await redemptions.community_uses(conn, sorted({r.group_id for r in requests if r.group_id is not None}))
    return _Facts(
        venues=known_venues,
        performances=locked,
        cards=known_cards,
        done=done,
        at_performance=at_performance,
        groups=groups,
    )


def _replay(request: RedemptionRequest, fingerprint: str, done: RecordedAnswer) -> Outcome:
    if done.request_hash != fingerprint:
        return Outcome(
            request.redemption_id,
            reason=RejectionReason.REDEMPTION_ID_REUSED,
            detail="this redemption_id was already used for another use; send a new redemption_id",
        )
    if done.cancelled_at is not None:
        return Outcome(
            request.redemption_id,
            reason=RejectionReason.REDEMPTION_ID_REUSED,
            detail="this use was cancelled; record it again under a new redemption_id",
        )
    return Outcome(request.redemption_id, response=json.loads(done.response), replayed=True)


async def record_uses(
    conn: asyncpg.Connection, requests: list[RedemptionRequest], *, recorded_by: list[str], source: str, now: datetime
) -> list[Outcome]:
    """Decide and record uses, in order, inside the caller's transaction; one answer per request.

    The facts are read once for the whole batch under the performances' row locks; the uses accepted
    earlier in the batch are part of the facts for the later ones. Then the accepted uses, the
    performances' counters and the outbox events are written with a few statements.
    """
    if not requests:
        return []
    facts = await _gather(conn, requests)
    outcomes: list[Outcome] = []
    added: dict[str, int] = {}
    rows: list[NewUse] = []
    events: list[tuple[str, str, Event]] = []
    for request, who in zip(requests, recorded_by, strict=True):
        fingerprint = request.fingerprint()
        if request.redemption_id in facts.done:
            outcomes.append(_replay(request, fingerprint, facts.done[request.redemption_id]))
            continue
        venue = facts.venues.get(request.venue_id)
        performance = facts.performances.get(request.performance_id)
        if performance is not None and performance.venue_id != request.venue_id:
            performance = None
        card = facts.cards.get(request.card_code)
        key = (request.performance_id, request.card_code)
        so_far = facts.at_performance.get(key, CardAtPerformance())
        decision = decide(
            request,
            venue=venue,
            performance=performance,
            card=card,
            so_far=so_far,
            group_known=(request.performance_id, request.group_id or "") in facts.groups,
            now=now,
        )
        if isinstance(decision, Rejected):
            outcomes.append(Outcome(request.redemption_id, reason=decision.reason, detail=decision.detail))
            continue
        assert venue is not None
        assert performance is not None
        assert card is not None
        facts.at_performance[key] = CardAtPerformance(
            so_far.adult_ticket or decision.counts_against_limit, so_far.child_tickets + request.child_tickets
        )
        if card.card_type is CardType.COMMUNITY:
            facts.groups.add((performance.performance_id, request.redemption_id))
        if decision.counts_against_limit:
            facts.performances[performance.performance_id] = replace(
                performance, card_holders=performance.card_holders + 1
            )
            added[performance.performance_id] = added.get(performance.performance_id, 0) + 1
        response: dict[str, Any] = {
            "redemption_id": request.redemption_id,
            "status": "accepted",
            "card_code": request.card_code,
            "venue_id": request.venue_id,
            "performance_id": request.performance_id,
            "adult_tickets": request.adult_tickets,
            "child_tickets": request.child_tickets,
            "group_id": decision.group_id,
            "card_valid_until": card.valid_until.isoformat(),
        }
        response_json = json.dumps(response)
        facts.done[request.redemption_id] = RecordedAnswer(fingerprint, response_json, None)
        rows.append(
            NewUse(
                redemption_id=request.redemption_id,
                card_code=request.card_code,
                performance_id=request.performance_id,
                venue_id=request.venue_id,
                adult_tickets=request.adult_tickets,
                child_tickets=request.child_tickets,
                channel=request.channel.value,
                agency_id=request.agency_id,
                group_id=decision.group_id,
                recorded_by=who,
                source=source,
                request_hash=fingerprint,
                response=response_json,
            )
        )
        event = TicketRedeemed(
            redemption_id=request.redemption_id,
            card_code=request.card_code,
            card_type=card.card_type,
            venue_id=venue.venue_id,
            region_id=venue.region_id,
            performance_id=performance.performance_id,
            performance_name=performance.name,
            starts_at=performance.starts_at,
            kind=performance.redemption_kind,
            adult_tickets=request.adult_tickets,
            child_tickets=request.child_tickets,
            channel=request.channel,
            agency_id=request.agency_id,
            group_id=decision.group_id,
            card_region_id=card.region_id,
            venue_category=venue.category,
        )
        events.append((Topics.REDEMPTIONS, request.card_code, event))
        outcomes.append(Outcome(request.redemption_id, response=response))
    await redemptions.insert_uses(conn, rows)
    # under the row locks the counts are exact; the adapter's guard refuses a count beyond a limit all the same
    if added and await performances.add_card_holders(conn, added) != len(added):
        raise RuntimeError("a card-holder limit would be exceeded: the performance rows were not locked")
    await enqueue_many(conn, events)
    return outcomes


async def redeem(
    conn: asyncpg.Connection, request: RedemptionRequest, *, recorded_by: str, source: str, now: datetime
) -> Outcome:
    """Decide and record one use inside the caller's transaction."""
    (outcome,) = await record_uses(conn, [request], recorded_by=[recorded_by], source=source, now=now)
    return outcome


async def record_use(uow: UnitOfWork, request: RedemptionRequest, *, recorded_by: str, source: str) -> Outcome:
    """One use in its own transaction; a concurrent first use of the same id is found on the retry."""
    for attempt in range(2):
        try:
            async with uow.transaction() as conn:
                outcome = await redeem(conn, request, recorded_by=recorded_by, source=source, now=datetime.now(UTC))
        except asyncpg.UniqueViolationError:
            if attempt:
                raise
            continue
        outcome.count(source, request.channel)
        return outcome
    raise AssertionError("unreachable")


async def find_use(uow: UnitOfWork, redemption_id: str) -> UseOwner | None:
    """Where a use was recorded and by whom, for the caller's authorisation; None when no such use."""
    return await redemptions.owner(uow.pool, redemption_id)


async def cancel_use(uow: UnitOfWork, use: UseOwner) -> UseCancellation:
    """Cancel a use: its place under the limit is free again and `RedemptionCancelled` is published.

    Cancelling it again changes nothing and answers its first cancellation.
    """
    async with uow.transaction() as conn:
        # same lock order as recording a use: the performance first
        await performances.lock_performance(conn, use.performance_id)
        recorded = await redemptions.lock_use(conn, use.redemption_id)
        assert recorded is not None
        cancellation = decide_cancellation(recorded, datetime.now(UTC))
        if cancellation.already:
            return cancellation
        await redemptions.mark_cancelled(conn, [use.redemption_id], cancellation.cancelled_at)
        if cancellation.card_holders_freed:
            await performances.release_card_holders(conn, use.performance_id, cancellation.card_holders_freed)
        event = RedemptionCancelled(
            redemption_id=use.redemption_id, card_code=recorded.card_code, cancelled_at=cancellation.cancelled_at
        )
        await enqueue(conn, Topics.REDEMPTIONS, recorded.card_code, event)
    return cancellation


async def check_card(uow: UnitOfWork, card_code: str, today: date) -> CardStatus:
    """The box-office check of one card."""
    card = await cards.load_card(uow.pool, card_code)
    return card_status(card, today)
