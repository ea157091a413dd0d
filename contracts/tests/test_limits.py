"""§7.2.2 / §7.2.3: the lowest card-holder limit a venue may set."""

from __future__ import annotations

import pytest
from kaiku_contracts.limits import (
    PerformanceKind,
    above_guest_producer_maximum,
    limit_below_minimum,
    minimum_card_holder_limit,
)

pytestmark = pytest.mark.unit
P, C, D, S = PerformanceKind.PERFORMANCE, PerformanceKind.COURSE, PerformanceKind.DAY_TICKET, PerformanceKind.SWIMMING


@pytest.mark.parametrize(
    ("capacity", "kind", "guest", "minimum"),
    [
        (200, P, False, 10),  # 5 % of 200
        (101, P, False, 6),  # 5.05 rounded up
        (60, P, False, 3),  # 5 % of 60 = 3, not a small performance
        (30, S, False, 2),  # a small swimming hall: the small-performance rule is the lower one
        (51, P, False, 3),  # 2.55 -> 3: 51 places is not small
        (50, P, False, 2),  # small performance: 2 (5 % would be 3)
        (30, P, False, 2),
        (10, P, False, 0),  # 2020 trial: 0–1 for at most ten people
        (200, C, False, 2),  # courses: two places per course
        (10, C, False, 0),
        (1001, P, False, 20),  # mass event over 1,000 people: at least 20
        (1000, P, False, 50),  # exactly 1,000 is not "more than 1,000"
        (5000, D, False, 20),  # day tickets at a mass event of more than 1,000 people: 20
        (200, D, False, 10),  # a day-ticket event of 200 places: 5 % like any other (§7.2.2)
        (100, D, False, 5),
        (1000, D, False, 50),  # exactly 1,000 is not more than 1,000, whatever the ticket kind
        (40, D, False, 2),  # at most 50 places: 2
        (8, D, False, 0),  # at most 10 places: 0
        (20, P, False, 2),  # small: 2 even where 5 % would be 1
        (1000, S, False, 20),  # swimming hall: 20 per day
        (300, P, True, 2),  # guest producer: 2–10
        (0, P, False, 0),
    ],
)
def test_minimum(capacity: int, kind: PerformanceKind, guest: bool, minimum: int) -> None:
    assert minimum_card_holder_limit(capacity, kind, guest_producer=guest).value == minimum


def test_a_limit_at_the_minimum_is_allowed_and_below_is_refused_with_the_rule() -> None:
    assert limit_below_minimum(10, 200, P, guest_producer=False) is None
    broken = limit_below_minimum(9, 200, P, guest_producer=False)
    assert broken is not None
    assert broken.value == 10
    assert "5 %" in broken.rule
    assert "§7.2.2" in broken.rule


def test_no_limit_is_always_allowed_and_a_high_one_too() -> None:
    assert limit_below_minimum(None, 200, P, guest_producer=False) is None
    assert limit_below_minimum(500, 200, P, guest_producer=True) is None


def test_guest_producer_and_course_cite_their_rules() -> None:
    guest = limit_below_minimum(1, 300, P, guest_producer=True)
    assert guest is not None
    assert "§7.2.3" in guest.rule
    course = limit_below_minimum(1, 300, C, guest_producer=False)
    assert course is not None
    assert course.value == 2
    assert "course" in course.rule


def test_never_more_than_the_places() -> None:
    # a swimming hall day with 15 places cannot be asked for 20 card holders
    assert minimum_card_holder_limit(15, S, guest_producer=False).value == 2
    assert minimum_card_holder_limit(1, C, guest_producer=False).value == 0


def test_a_guest_producer_sets_at_most_ten() -> None:
    """§7.2.3: 2–10 tickets per performance for guest producers."""
    assert above_guest_producer_maximum(11, guest_producer=True)
    assert not above_guest_producer_maximum(10, guest_producer=True)
    assert not above_guest_producer_maximum(None, guest_producer=True)
    assert not above_guest_producer_maximum(500, guest_producer=False)
