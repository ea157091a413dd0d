"""Recording a use: gather the facts under the performance's row lock, ask the domain, write the result.

Used by the HTTP route, the agency consumer and the venue report import, always inside the
caller's transaction, so the use, the limit's counter and the outbox event commit together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from kaiku_contracts.enums import CardType, Channel, RejectionReason, VenueCategory
from kaiku_contracts.envelope import Event
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_contracts.topics import Topics
from kaiku_runtime.outbox import enqueue_many

from kaiku_usage.domain.limits import PerformanceKind
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

if TYPE_CHECKING:
    from kaiku_runtime.service import KaikuService


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


def venue_from_row(row: asyncpg.Record) -> Venue:
    return Venue(
        venue_id=row["venue_id"],
        region_id=row["region_id"],
        category=VenueCategory(row["category"]),
        agencies=frozenset(row["agencies"]),
    )


def performance_from_row(row: asyncpg.Record) -> Performance:
    return Performance(
        performance_id=row["performance_id"],
        venue_id=row["venue_id"],
        name=row["name"],
        starts_at=row["starts_at"],
        kind=PerformanceKind(row["kind"]),
        card_holder_limit=row["card_holder_limit"],
        card_holders=row["card_holders"],
        booking_opens_days_before=row["booking_opens_days_before"],
        redeem_from_minutes_before=row["redeem_from_minutes_before"],
        cancelled=row["cancelled"],
    )


def card_from_row(row: asyncpg.Record) -> Card:
    return Card(
        card_code=row["card_code"],
        card_type=CardType(row["card_type"]),
        region_id=row["region_id"],
        valid_until=row["valid_until"],
        revoked_on=row["revoked_on"],
        issued_on=row["issued_on"],
        children_under_18=row["children_under_18"],
    )


_CARD_COLUMNS = "card_code, card_type, region_id, valid_until, revoked_on, issued_on, children_under_18"


async def load_card(conn: asyncpg.Connection, card_code: str) -> Card | None:
    row = await conn.fetchrow(f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_code = $1", card_code)
    return None if row is None else card_from_row(row)


@dataclass
class _Facts:
    """What the database knows about a batch of uses, read once under the performances' row locks."""

    venues: dict[str, Venue]
    performances: dict[str, Performance]
    cards: dict[str, Card]
    done: dict[str, asyncpg.Record | dict[str, Any]]
    at_performance: dict[tuple[str, str], CardAtPerformance]  # (performance_id, card_code): accepted uses so far
    groups: set[tuple[str, str]]  # (performance_id, redemption_id) of accepted community-card uses


async def _gather(conn: asyncpg.Connection, requests: list[RedemptionRequest]) -> _Facts:
    venue_ids = sorted({r.venue_id for r in requests})
    performance_ids = sorted({r.performance_id for r in requests})
    card_codes = sorted({r.card_code for r in requests})
    venue_rows = await conn.fetch(
        "SELECT venue_id, region_id, category, agencies FROM venues WHERE venue_id = ANY($1::text[])", venue_ids
    )
    card_rows = await conn.fetch(
        f"SELECT {_CARD_COLUMNS} FROM cards WHERE card_code = ANY($1::text[])",
        card_codes,
    )
    # The row locks serialise every use of these performances until this transaction ends: the limit and
    # the one-adult-ticket rule hold however many clerks and agencies sell at once (docs/architecture.md
    # pattern 7). Taken in id order, so two transactions never wait on each other in a cycle, and after
    # the reads that do not need them, to hold them briefly.
    performance_rows = await conn.fetch(
        "SELECT * FROM performances WHERE performance_id = ANY($1::text[]) ORDER BY performance_id FOR UPDATE",
        performance_ids,
    )
    # read under the lock: a concurrent retry of the same use on this performance is seen as a replay
    done_rows = await conn.fetch(
        "SELECT redemption_id, request_hash, response, cancelled_at FROM redemptions"
        " WHERE redemption_id = ANY($1::text[])",
        sorted({r.redemption_id for r in requests}),
    )
    # the one-adult-ticket rule, the holder at the performance and the child tickets' cap (§2): the card's
    # accepted uses there, read under the same lock as the limit
    use_rows = await conn.fetch(
        "SELECT performance_id, card_code, bool_or(adult_tickets = 1) AS adult, sum(child_tickets)::int AS children"
        " FROM redemptions WHERE cancelled_at IS NULL"
        " AND performance_id = ANY($1::text[]) AND card_code = ANY($2::text[]) GROUP BY performance_id, card_code",
        performance_ids,
        card_codes,
    )
    # §5: the community-card uses the members' group_ids name (their performance is locked above)
    group_rows = await conn.fetch(
        "SELECT r.performance_id, r.redemption_id FROM redemptions r JOIN cards c USING (card_code)"
        " WHERE c.card_type = $2 AND r.cancelled_at IS NULL AND r.redemption_id = ANY($1::text[])",
        sorted({r.group_id for r in requests if r.group_id is not None}),
        CardType.COMMUNITY.value,
    )
    return _Facts(
        venues={row["venue_id"]: venue_from_row(row) for row in venue_rows},
        performances={row["performance_id"]: performance_from_row(row) for row in performance_rows},
        cards={row["card_code"]: card_from_row(row) for row in card_rows},
        done={row["redemption_id"]: row for row in done_rows},
        at_performance={
            (row["performance_id"], row["card_code"]): CardAtPerformance(row["adult"], row["children"])
            for row in use_rows
        },
        groups={(row["performance_id"], row["redemption_id"]) for row in group_rows},
    )


def _replay(request: RedemptionRequest, fingerprint: str, done: asyncpg.Record | dict[str, Any]) -> Outcome:
    if done["request_hash"] != fingerprint:
        return Outcome(
            request.redemption_id,
            reason=RejectionReason.REDEMPTION_ID_REUSED,
            detail="this redemption_id was already used for another use; send a new redemption_id",
        )
    if done["cancelled_at"] is not None:
        return Outcome(
            request.redemption_id,
            reason=RejectionReason.REDEMPTION_ID_REUSED,
            detail="this use was cancelled; record it again under a new redemption_id",
        )
    return Outcome(request.redemption_id, response=json.loads(done["response"]), replayed=True)


async def redeem_many(
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
    rows: list[tuple[Any, ...]] = []
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
        facts.done[request.redemption_id] = {
            "request_hash": fingerprint,
            "response": response_json,
            "cancelled_at": None,
        }
        rows.append(
            (
                request.redemption_id,
                request.card_code,
                request.performance_id,
                request.venue_id,
                request.adult_tickets,
                request.child_tickets,
                request.channel.value,
                request.agency_id,
                decision.group_id,
                who,
                source,
                fingerprint,
                response_json,
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
    if rows:
        await conn.executemany(
            "INSERT INTO redemptions (redemption_id, card_code, performance_id, venue_id, adult_tickets,"
            " child_tickets, channel, agency_id, group_id, recorded_by, recorded_by_org, source, request_hash,"
            " response) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$11,$12,$13)",
            rows,
        )
    if added:
        ids = sorted(added)
        # Under the row locks the counts above are exact; the WHERE is the limit's last guard all the same.
        updated = await conn.fetchval(
            "WITH counted AS (UPDATE performances p SET card_holders = p.card_holders + d.added"
            " FROM unnest($1::text[], $2::int[]) AS d(performance_id, added)"
            " WHERE p.performance_id = d.performance_id"
            " AND (p.card_holder_limit IS NULL OR p.card_holders + d.added <= p.card_holder_limit)"
            " RETURNING 1) SELECT count(*) FROM counted",
            ids,
            [added[i] for i in ids],
        )
        if updated != len(ids):
            raise RuntimeError("a card-holder limit would be exceeded: the performance rows were not locked")
    await enqueue_many(conn, events)
    return outcomes


async def redeem(
    conn: asyncpg.Connection, request: RedemptionRequest, *, recorded_by: str, source: str, now: datetime
) -> Outcome:
    """Decide and record one use inside the caller's transaction."""
    (outcome,) = await redeem_many(conn, [request], recorded_by=[recorded_by], source=source, now=now)
    return outcome


async def record_use(service: KaikuService, request: RedemptionRequest, *, recorded_by: str, source: str) -> Outcome:
    """One use in its own transaction; a concurrent first use of the same id is found on the retry."""
    for attempt in range(2):
        try:
            async with service.pool.acquire() as conn, conn.transaction():
                outcome = await redeem(conn, request, recorded_by=recorded_by, source=source, now=datetime.now(UTC))
        except asyncpg.UniqueViolationError:
            if attempt:
                raise
            continue
        if outcome.accepted and not outcome.replayed:
            service.notify_relay()
        outcome.count(source, request.channel)
        return outcome
    raise AssertionError("unreachable")
