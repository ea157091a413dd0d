"""Facts the projection keeps per card and per use, derived from the events without I/O.

Aggregates are computed from these facts, so the order in which the two topics' events arrive
does not matter (a use may arrive before its card's CardIssued: they meet at read time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kaiku_contracts.cards import CardIssued
from kaiku_contracts.redemptions import TicketRedeemed

from kaiku_stats.domain.holders import age_group, mother_tongue_group, postal_code_area
from kaiku_stats.domain.periods import month_of_day, month_of_instant, periods_between, periods_of_day

NATIONAL = ""
"""The scope key of the whole country among the snapshot keys (regions use their id)."""


@dataclass(frozen=True, slots=True)
class CardFact:
    card_code: str
    card_type: str
    region_id: str
    distributor_id: str
    branch_id: str | None
    issued_on: date
    valid_until: date
    issue_month: str
    age_group: str | None
    gender: str | None
    mother_tongue_group: str | None
    life_situation: str | None
    postal_code_area: str | None
    replaces_card_code: str | None = None  # a replacement keeps its holder: not counted again


def card_fact(event: CardIssued) -> CardFact:
    holder = event.holder
    return CardFact(
        card_code=event.card_code,
        card_type=event.card_type.value,
        region_id=event.region_id,
        distributor_id=event.distributor_id,
        branch_id=event.branch_id,
        issued_on=event.issued_on,
        valid_until=event.valid_until,
        issue_month=month_of_day(event.issued_on),
        # a holder counts in the issue period: the period's year is the issue year
        age_group=age_group(holder.birth_year, event.issued_on.year) if holder else None,
        gender=holder.gender.value if holder else None,
        mother_tongue_group=mother_tongue_group(holder.mother_tongue) if holder else None,
        life_situation=holder.life_situation.value if holder else None,
        postal_code_area=postal_code_area(holder.postal_code) if holder else None,
        replaces_card_code=event.replaces_card_code,
    )


@dataclass(frozen=True, slots=True)
class UseFact:
    redemption_id: str
    card_code: str
    card_type: str
    venue_id: str
    region_id: str
    card_region_id: str | None
    venue_category: str | None
    performance_id: str
    performance_name: str
    month: str
    kind: str
    adult_tickets: int
    child_tickets: int
    channel: str
    starts_at: datetime


def use_fact(event: TicketRedeemed) -> UseFact:
    return UseFact(
        redemption_id=event.redemption_id,
        card_code=event.card_code,
        card_type=event.card_type.value,
        venue_id=event.venue_id,
        region_id=event.region_id,
        card_region_id=event.card_region_id,
        venue_category=event.venue_category.value if event.venue_category else None,
        performance_id=event.performance_id,
        performance_name=event.performance_name,
        month=month_of_instant(event.starts_at),  # a use counts in its performance's period
        kind=event.kind.value,
        adult_tickets=event.adult_tickets,
        child_tickets=event.child_tickets,
        channel=event.channel.value,
        starts_at=event.starts_at,
    )


def periods_touched_by_card(issued_on: date, valid_until: date, today: date) -> list[str]:
    """Periods whose figures a card changes: its issue period, and every period whose reference day
    (end of period, or today) can fall in its validity: from the issue month to the last valid month."""
    last = min(valid_until, max(today, issued_on))
    return sorted(set(periods_of_day(issued_on)) | set(periods_between(issued_on, last)))


def periods_touched_by_revocation(revoked_on: date, valid_until: date, today: date) -> list[str]:
    """A revocation ends the card's active period: periods from the revocation to its planned expiry."""
    return periods_between(revoked_on, min(valid_until, max(today, revoked_on)))


def periods_of_month(month: str) -> tuple[str, str]:
    return month[:4], month
