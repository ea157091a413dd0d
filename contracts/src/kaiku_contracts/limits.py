"""The card-holder limit of a performance ("yläraja", §7.2.2 and §7.2.3 of the operating model).

A venue may cap the number of card holders per performance, but not below a minimum: 5 % of the
tickets in general, and a fixed figure for the kinds of event §7.2.2 / §7.2.3 name (small performances
and courses 2, at most ten people 0, more than 1,000 places and swimming halls 20, guest producers 2).
The minimums follow the places, not the ticket kind: a day-ticket event of 200 places follows the 5 %
rule like any other (§7.2.2's exception is for events of more than 1,000 people). Where several of
those fit, the venue may use the lowest; no rule asks for more places than there are.
The limit is not a quota (§7.2.2): nothing is reserved, it only stops card tickets once reached.
Shared: usage enforces it when a venue saves a performance, the portal shows the minimum on its form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class PerformanceKind(StrEnum):
    PERFORMANCE = "performance"
    COURSE = "course"
    DAY_TICKET = "day_ticket"  # day / single-event tickets; limited by the places like any performance
    SWIMMING = "swimming"  # a swimming hall's day


GENERAL_SHARE_PERCENT = 5
SMALL_PERFORMANCE_MAX_PLACES = 50
SMALL_PERFORMANCE_MINIMUM = 2
TINY_PERFORMANCE_MAX_PLACES = 10
TINY_PERFORMANCE_MINIMUM = 0
MASS_EVENT_MIN_PLACES = 1000  # "more than 1,000 people at once"
MASS_EVENT_MINIMUM = 20
SWIMMING_HALL_DAILY_MINIMUM = 20
GUEST_PRODUCER_MINIMUM = 2
GUEST_PRODUCER_MAXIMUM = 10
BOOKING_OPENS_MIN_DAYS = 30
"""§8.2: booking may be limited to open "one month before" at the earliest, never later (docs/contract.md: 30 days)."""


@dataclass(frozen=True, slots=True)
class LimitMinimum:
    value: int
    rule: str  # the rule that allows it, for the user's error message


def minimum_card_holder_limit(capacity: int, kind: PerformanceKind, *, guest_producer: bool) -> LimitMinimum:
    """The lowest card-holder limit the operating model allows for this performance."""
    candidates: list[LimitMinimum] = []
    if kind is PerformanceKind.COURSE:
        candidates.append(LimitMinimum(SMALL_PERFORMANCE_MINIMUM, "§7.2.2: two places per course"))
    if capacity <= SMALL_PERFORMANCE_MAX_PLACES:
        candidates.append(
            LimitMinimum(
                SMALL_PERFORMANCE_MINIMUM,
                f"§7.2.2: two tickets for small performances of at most {SMALL_PERFORMANCE_MAX_PLACES} places",
            )
        )
    if capacity <= TINY_PERFORMANCE_MAX_PLACES:
        candidates.append(
            LimitMinimum(
                TINY_PERFORMANCE_MINIMUM,
                f"§7.2.2 (2020 trial): 0–1 tickets for performances of at most {TINY_PERFORMANCE_MAX_PLACES} people",
            )
        )
    if capacity > MASS_EVENT_MIN_PLACES:
        candidates.append(
            LimitMinimum(
                MASS_EVENT_MINIMUM,
                f"§7.2.2: at least {MASS_EVENT_MINIMUM} day / single-event tickets at festivals, halls and"
                f" mass events for more than {MASS_EVENT_MIN_PLACES} people",
            )
        )
    if kind is PerformanceKind.SWIMMING:
        candidates.append(
            LimitMinimum(
                SWIMMING_HALL_DAILY_MINIMUM,
                f"§7.2.2 (2020 trial): at least {SWIMMING_HALL_DAILY_MINIMUM} card holders per day in swimming halls",
            )
        )
    if guest_producer:
        candidates.append(
            LimitMinimum(
                GUEST_PRODUCER_MINIMUM,
                f"§7.2.3: {GUEST_PRODUCER_MINIMUM}–{GUEST_PRODUCER_MAXIMUM} tickets per performance"
                " for guest producers",
            )
        )
    if not candidates:
        # §7.2.2: "not lower than five per cent of the tickets" (rounded up: docs/contract.md)
        candidates.append(
            LimitMinimum(
                math.ceil(capacity * GENERAL_SHARE_PERCENT / 100),
                f"§7.2.2: at least {GENERAL_SHARE_PERCENT} % of the {capacity} places, rounded up",
            )
        )
    lowest = min(candidates, key=lambda c: c.value)
    if lowest.value > capacity:
        return LimitMinimum(capacity, f"all {capacity} places (fewer places than the rule's minimum)")
    return lowest


def limit_below_minimum(
    limit: int | None, capacity: int, kind: PerformanceKind, *, guest_producer: bool
) -> LimitMinimum | None:
    """The minimum that `limit` breaks, or None when the limit is allowed (no limit is always allowed)."""
    if limit is None:
        return None
    minimum = minimum_card_holder_limit(capacity, kind, guest_producer=guest_producer)
    return minimum if limit < minimum.value else None


def above_guest_producer_maximum(limit: int | None, *, guest_producer: bool) -> bool:
    """§7.2.3: a guest producer sets 2–10 tickets per performance, so an explicit limit above 10 is refused."""
    return guest_producer and limit is not None and limit > GUEST_PRODUCER_MAXIMUM
