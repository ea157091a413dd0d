"""The one decision on a use of a card: the ordered checks of docs/contract.md, shared by every path.

The HTTP route, the agency topic's consumer and the venue report import all gather the same facts
(under the performance's row lock) and ask `decide`; it returns the accepted use or the first
rule that refuses it. No I/O here: the facts come in, the verdict goes out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from kaiku_contracts.calendar import helsinki_date
from kaiku_contracts.enums import CardType, Channel, RedemptionKind, RejectionReason, VenueCategory
from kaiku_contracts.limits import PerformanceKind


@dataclass(frozen=True, slots=True)
class RedemptionRequest:
    """A use as the venue or agency submitted it; `redemption_id` is its idempotency key."""

    redemption_id: str
    card_code: str
    venue_id: str
    performance_id: str
    adult_tickets: int
    child_tickets: int
    channel: Channel
    agency_id: str | None = None
    group_id: str | None = None

    def fingerprint(self) -> str:
        """Same fingerprint = the same use: a retry returns the first answer; another one is `redemption_id_reused`."""
        fields = {**asdict(self), "channel": self.channel.value}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Venue:
    venue_id: str
    region_id: str
    category: VenueCategory
    agencies: frozenset[str]


@dataclass(frozen=True, slots=True)
class Performance:
    performance_id: str
    venue_id: str
    name: str
    starts_at: datetime
    kind: PerformanceKind
    card_holder_limit: int | None
    card_holders: int  # adult tickets already given with a card (child tickets do not count)
    booking_opens_days_before: int | None = None
    redeem_from_minutes_before: int | None = None
    cancelled: bool = False

    @property
    def redemption_kind(self) -> RedemptionKind:
        return RedemptionKind.COURSE_PLACE if self.kind is PerformanceKind.COURSE else RedemptionKind.TICKET


@dataclass(frozen=True, slots=True)
class Card:
    card_code: str
    card_type: CardType
    region_id: str
    valid_until: date
    revoked_on: date | None = None
    issued_on: date | None = None  # None: not known (registry rows from before it was kept), so no check
    children_under_18: int | None = None  # written on the card (seed 000); None: not recorded, no cap


@dataclass(frozen=True, slots=True)
class CardAtPerformance:
    """What the card already has at the performance: its accepted (not cancelled) uses, read under the row lock."""

    adult_ticket: bool = False
    child_tickets: int = 0


@dataclass(frozen=True, slots=True)
class Accepted:
    counts_against_limit: bool  # an adult ticket: one more card holder for the performance's limit
    group_id: str | None


@dataclass(frozen=True, slots=True)
class Rejected:
    reason: RejectionReason
    detail: str


Decision = Accepted | Rejected


def decide(
    request: RedemptionRequest,
    *,
    venue: Venue | None,
    performance: Performance | None,
    card: Card | None,
    so_far: CardAtPerformance,
    group_known: bool,
    now: datetime,
) -> Decision:
    """The first rule the use breaks, in docs/contract.md's order, or the accepted use.

    `so_far` is the card's accepted uses at this performance; `group_known` whether the request's
    `group_id` names an accepted community-card use at this performance.
    """
    if venue is None:
        return Rejected(RejectionReason.VENUE_UNKNOWN, f"venue {request.venue_id} is not registered")
    if performance is None or performance.venue_id != venue.venue_id:
        return Rejected(
            RejectionReason.PERFORMANCE_UNKNOWN,
            f"venue {venue.venue_id} has no performance {request.performance_id}",
        )
    if performance.cancelled:
        return Rejected(RejectionReason.PERFORMANCE_UNKNOWN, f"performance {request.performance_id} was cancelled")
    # §8.1: through every channel the venue uses, a commercial agency only where the venue sells through it
    if request.agency_id is not None and request.agency_id not in venue.agencies:
        return Rejected(
            RejectionReason.AGENCY_NOT_AUTHORISED,
            f"agency {request.agency_id} is not listed as a ticket agency of venue {venue.venue_id}",
        )
    channel = _channel_problem(request, performance, now)
    if channel is not None:
        return channel
    if card is None:
        return Rejected(
            RejectionReason.CARD_UNKNOWN,
            "no card with this code is registered (a card granted on paper works once it is entered)",
        )
    # A paper form or venue report is entered after the use took place (§9.1, seed 001): the card had to
    # be valid on the performance date, and the booking windows lay in the past.
    recorded_afterwards = request.channel is Channel.PAPER_FORM
    performance_date = helsinki_date(performance.starts_at)
    if card.revoked_on is not None and not (recorded_afterwards and card.revoked_on > performance_date):
        return Rejected(RejectionReason.CARD_REVOKED, f"this card was revoked on {card.revoked_on.isoformat()}")
    validity = _validity_problem(card, performance_date, None if recorded_afterwards else helsinki_date(now))
    if validity is not None:
        return validity
    if not recorded_afterwards:
        window = _closed_window(performance, now)
        if window is not None:
            return window
    if performance.kind is PerformanceKind.COURSE:
        # §2 / 2024 handbook: free tickets for children and grandchildren do not apply to course places
        if request.child_tickets > 0:
            return Rejected(
                RejectionReason.CHILDREN_NOT_ALLOWED_FOR_COURSE, "child tickets are not given for course places"
            )
        if card.card_type is CardType.COMMUNITY:
            return Rejected(
                RejectionReason.COMMUNITY_CARD_NOT_ALLOWED_FOR_COURSE,
                "a community card cannot be used for course places (§5)",
            )
    children = _child_ticket_problem(request, card, so_far)
    if children is not None:
        return children
    # §5: a member's use names the community-card use that heads its group (docs/usage.md: checked here,
    # after the child tickets and before already_redeemed); a community card's use heads its own group
    heads_own_group = card.card_type is CardType.COMMUNITY and request.group_id == request.redemption_id
    if request.group_id is not None and not heads_own_group and not group_known:
        return Rejected(
            RejectionReason.GROUP_UNKNOWN,
            f"group_id names no accepted community-card use at performance {performance.performance_id} (§5)",
        )
    counts = request.adult_tickets == 1
    if counts and so_far.adult_ticket:
        return Rejected(
            RejectionReason.ALREADY_REDEEMED,
            f"this card already has an adult ticket for performance {performance.performance_id}",
        )
    # §7.2.2: the limit counts card holders; child tickets come with their holder and do not count
    limit = performance.card_holder_limit
    if counts and limit is not None and performance.card_holders >= limit:
        return Rejected(
            RejectionReason.LIMIT_REACHED,
            f"the performance's card-holder limit of {limit} is reached",
        )
    group_id = request.group_id
    if group_id is None and card.card_type is CardType.COMMUNITY:
        # §5: a community-card use heads its group; the members' uses send this group_id
        group_id = request.redemption_id
    return Accepted(counts_against_limit=counts, group_id=group_id)


def _channel_problem(request: RedemptionRequest, performance: Performance, now: datetime) -> Rejected | None:
    """§8.1: every channel but web shops; `agency` is the agencies' channel and theirs only (docs/contract.md)."""
    if request.channel is Channel.WEB_SHOP:
        return Rejected(RejectionReason.CHANNEL_NOT_ALLOWED, "card tickets are not sold in web shops (§8.1)")
    from_agency = request.agency_id is not None
    if from_agency != (request.channel is Channel.AGENCY):
        what = "an agency records its uses on the channel `agency`" if from_agency else "only agencies use it"
        return Rejected(RejectionReason.INVALID_REQUEST, f"channel: {what}")
    if request.channel is Channel.PAPER_FORM and now < performance.starts_at:
        return Rejected(
            RejectionReason.CHANNEL_NOT_ALLOWED,
            "paper_form records a use already made on paper (§9.1): the performance has not started yet",
        )
    return None


def _validity_problem(card: Card, performance_date: date, today: date | None) -> Rejected | None:
    """§4: a card is good from its issue date for twelve months (or to the trial's end).

    It must be valid on the performance date and, unless the use is recorded afterwards (`today` None),
    today as well.
    """
    dates = [performance_date] if today is None else [today, performance_date]
    last = max(dates)
    if card.valid_until < last:
        when = "on the performance date" if last == performance_date else "today"
        return Rejected(
            RejectionReason.CARD_EXPIRED,
            f"the card was valid until {card.valid_until.isoformat()}; it must be valid {when} ({last.isoformat()})",
        )
    first = min(dates)
    if card.issued_on is not None and card.issued_on > first:
        when = "on the performance date" if first == performance_date else "today"
        return Rejected(
            RejectionReason.CARD_NOT_YET_VALID,
            f"the card is valid from {card.issued_on.isoformat()}; it must be valid {when} ({first.isoformat()})",
        )
    return None


def _child_ticket_problem(request: RedemptionRequest, card: Card, so_far: CardAtPerformance) -> Rejected | None:
    """§2, seed 000: child tickets go with the holder, up to the number of children written on the card."""
    if request.child_tickets == 0:
        return None
    if request.adult_tickets == 0 and not so_far.adult_ticket:
        return Rejected(
            RejectionReason.HOLDER_NOT_ATTENDING,
            "child tickets are given to the holder's own children and grandchildren at a performance the"
            " holder attends (§2): this use and the card's earlier uses there have no adult ticket",
        )
    cap = card.children_under_18
    if cap is not None and so_far.child_tickets + request.child_tickets > cap:
        return Rejected(
            RejectionReason.TOO_MANY_CHILD_TICKETS,
            "child_tickets: with the card's earlier uses at this performance, more than the number of"
            " children under 18 written on the card (seed 000)",
        )
    return None


def _closed_window(performance: Performance, now: datetime) -> Rejected | None:
    """§8.2: booking may open at the earliest a month before; redeeming may start e.g. 30 minutes before."""
    if performance.booking_opens_days_before is not None:
        opens = performance.starts_at - timedelta(days=performance.booking_opens_days_before)
        if now < opens:
            return Rejected(
                RejectionReason.BOOKING_NOT_OPEN_YET,
                f"card tickets for this performance can be booked from {opens.isoformat()}",
            )
    if performance.redeem_from_minutes_before is not None:
        opens = performance.starts_at - timedelta(minutes=performance.redeem_from_minutes_before)
        if now < opens:
            return Rejected(
                RejectionReason.REDEMPTION_NOT_OPEN_YET,
                f"card tickets for this performance can be redeemed from {opens.isoformat()}",
            )
    return None
