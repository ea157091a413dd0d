"""What the box-office clerk is told before and after recording a use (§7.2.2, §9.1): pure, no I/O.

The services judge every use; these only say in advance what the clerk would otherwise learn from a
refusal: how many card-holder places a performance has left, whether the card's validity ends before
the performance, and which of the clerk's own uses of today can still be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from kaiku_contracts.calendar import HELSINKI, helsinki_date
from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18
from kaiku_contracts.enums import Channel

from kaiku_portal.domain.codes import normalise_card_code

# §2, seed 000: a card records at most this many children and grandchildren under 18, and that number
# caps the card's child tickets per performance; so no one use of the box office carries more.
MAX_CHILD_TICKETS = MAX_CHILDREN_UNDER_18
CLERK_USES_SHOWN = 20  # the clerk's uses of today offered for undo, newest first
# Offered on the box-office form (§8: never web shop): a use made now. A use made earlier on paper
# (`paper_form`) is accepted only once its performance has started, so it is entered with the venue
# report; a form that sends it anyway gets usage's `channel_not_allowed` in words.
CLERK_CHANNELS = (Channel.BOX_OFFICE.value, Channel.PHONE.value)
ACCEPTED_CHANNELS = (*CLERK_CHANNELS, Channel.PAPER_FORM.value)
USE_FIELDS = ("card_code", "performance_id", "adult_tickets", "child_tickets", "channel")


def remaining_places(card_holder_limit: int | None, card_holders: int) -> int | None:
    """Card-holder places left under the performance's limit (§7.2.2: counts adult tickets given with a
    card; not a quota), or None when the performance has no limit."""
    if card_holder_limit is None:
        return None
    return max(card_holder_limit - card_holders, 0)


class Validity(StrEnum):
    """The card's validity against today and the chosen performance, as the clerk needs to hear it."""

    COVERS = "covers"  # valid today and on the performance's day
    ENDS_BEFORE_PERFORMANCE = "ends_before_performance"  # valid today, but not on the performance's day
    EXPIRED = "expired"  # ended before today
    UNKNOWN = "unknown"  # no validity date known


def validity(valid_until: date | None, today: date, performance_day: date | None) -> Validity:
    """§4: a card must be valid today and on the performance's day (usage refuses `card_expired` otherwise)."""
    if valid_until is None:
        return Validity.UNKNOWN
    if valid_until < today:
        return Validity.EXPIRED
    if performance_day is not None and valid_until < performance_day:
        return Validity.ENDS_BEFORE_PERFORMANCE
    return Validity.COVERS


def performance_day(starts_at: datetime | None) -> date | None:
    """The Helsinki date a performance is on (the date usage judges the card against)."""
    return helsinki_date(starts_at) if starts_at is not None else None


@dataclass(frozen=True, slots=True)
class ClerkUse:
    """A use the clerk recorded, as the box office lists it for undo: the performance by its name."""

    redemption_id: str
    card_code: str
    performance_id: str
    performance_name: str
    starts_at: datetime | None
    adult_tickets: int
    child_tickets: int
    recorded_at: datetime


def start_of_today(now: datetime) -> datetime:
    """Midnight in Helsinki of `now`'s day: the clerk's uses from then on are today's."""
    day = helsinki_date(now)
    return datetime.combine(day, time(0, 0), tzinfo=HELSINKI)


def kept_until(now: datetime) -> datetime:
    """A use older than this is no longer listed (nor kept): yesterday's uses are not today's."""
    return start_of_today(now) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TicketUse:
    """One use as the clerk entered it (the box-office form, or a use queued offline and sent later), in the
    shape usage's `POST /v1/redemptions` takes; usage judges it."""

    redemption_id: str
    card_code: str
    performance_id: str
    adult_tickets: int
    child_tickets: int
    channel: str


class UseFault(StrEnum):
    """Why an entered use is not sent at all: its message key."""

    FIELDS = "box.error.fields"  # a code that cannot be one, no performance, tickets out of range
    NO_TICKETS = "box.error.no_tickets"  # neither an adult nor a child ticket


def ticket_use(values: Mapping[str, str], redemption_id: str) -> TicketUse | UseFault:
    """The entered fields (`USE_FIELDS`) as a use, or the fault the clerk is told. One adult ticket at most
    (the holder), children up to `MAX_CHILD_TICKETS`; an unknown channel is the box office's own."""
    code = normalise_card_code(values.get("card_code", ""))
    performance_id = values.get("performance_id", "").strip()
    try:
        adults = int(values.get("adult_tickets") or "0")
        children = int(values.get("child_tickets") or "0")
    except ValueError:
        return UseFault.FIELDS
    if code is None or not performance_id or adults not in (0, 1) or not 0 <= children <= MAX_CHILD_TICKETS:
        return UseFault.FIELDS
    if adults + children == 0:
        return UseFault.NO_TICKETS
    channel = values.get("channel", "")
    return TicketUse(
        redemption_id=redemption_id,
        card_code=code,
        performance_id=performance_id,
        adult_tickets=adults,
        child_tickets=children,
        channel=channel if channel in ACCEPTED_CHANNELS else Channel.BOX_OFFICE.value,
    )


def outcome_is_final(status: int) -> bool:
    """Whether a sent use's answer settles it (docs/portal/README.md, "Offline box office"): accepted, or
    refused by a rule or as malformed. A service that did not answer (5xx) or a session that has ended (401)
    settles nothing: the queued use is sent again, with the same `redemption_id`, so it never counts twice."""
    return status < 500 and status != 401
