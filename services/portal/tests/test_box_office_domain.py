"""The box office's pure rules (domain/box_office.py): places left, the card's validity against the
performance, the clerk's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18
from kaiku_portal.domain.box_office import (
    MAX_CHILD_TICKETS,
    Validity,
    kept_until,
    performance_day,
    remaining_places,
    start_of_today,
    validity,
)


def test_places_left_under_the_limit_and_none_without_one():
    assert remaining_places(10, 3) == 7
    assert remaining_places(10, 10) == 0
    assert remaining_places(5, 7) == 0  # a limit lowered below the card holders already in: none left, never negative
    assert remaining_places(None, 40) is None


def test_the_child_ticket_cap_is_the_cards_own_maximum():
    assert MAX_CHILD_TICKETS == MAX_CHILDREN_UNDER_18


def test_validity_against_today_and_the_performance():
    today = date(2026, 12, 3)
    assert validity(date(2026, 12, 2), today, None) is Validity.EXPIRED
    assert validity(date(2026, 12, 2), today, date(2026, 12, 10)) is Validity.EXPIRED
    assert validity(date(2026, 12, 3), today, None) is Validity.COVERS  # the last day counts
    assert validity(date(2026, 12, 5), today, date(2026, 12, 10)) is Validity.ENDS_BEFORE_PERFORMANCE
    assert validity(date(2026, 12, 10), today, date(2026, 12, 10)) is Validity.COVERS
    assert validity(None, today, date(2026, 12, 10)) is Validity.UNKNOWN


def test_the_performance_day_is_the_helsinki_date():
    # 23:30 UTC on 3 December is already 4 December in Helsinki
    assert performance_day(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == date(2026, 12, 4)
    assert performance_day(None) is None


def test_the_clerks_day_starts_at_helsinki_midnight():
    now = datetime(2026, 12, 3, 22, 30, tzinfo=UTC)  # 00:30 on 4 December in Helsinki
    start = start_of_today(now)
    assert start == datetime(2026, 12, 4, 0, 0, tzinfo=HELSINKI)
    assert start <= now
    assert kept_until(now) == start - timedelta(days=1)
