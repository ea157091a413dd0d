"""The box office's pure rules (domain/box_office.py): places left, the card's validity against the
performance, the clerk's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kaiku_contracts.calendar import HELSINKI
from kaiku_contracts.cards import MAX_CHILDREN_UNDER_18
from kaiku_portal.domain.box_office import (
    MAX_CHILD_TICKETS,
    TicketUse,
    UseFault,
    Validity,
    kept_until,
    outcome_is_final,
    performance_day,
    remaining_places,
    start_of_today,
    ticket_use,
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


ENTERED = {"card_code": " e1234 ", "performance_id": "P1", "adult_tickets": "1", "child_tickets": "2",
           "channel": "phone"}  # fmt: skip


def test_an_entered_use_is_read_as_usage_takes_it_from_the_form_and_the_offline_queue_alike():
    assert ticket_use(ENTERED, "r1") == TicketUse("r1", "E1234", "P1", 1, 2, "phone")
    scanned = ticket_use({**ENTERED, "card_code": "https://kaikukortti.fi/k/e1234/"}, "r2")
    assert isinstance(scanned, TicketUse)
    assert scanned.card_code == "E1234"
    assert ticket_use({**ENTERED, "channel": "web_shop"}, "r3") == TicketUse("r3", "E1234", "P1", 1, 2, "box_office")
    paper = ticket_use({**ENTERED, "channel": "paper_form"}, "r4")  # usage says whether the performance started
    assert isinstance(paper, TicketUse)
    assert paper.channel == "paper_form"


def test_an_entered_use_that_cannot_be_one_is_told_before_it_is_sent():
    for wrong in (
        {"card_code": "not a code!"},
        {"performance_id": " "},
        {"adult_tickets": "2"},
        {"adult_tickets": "one"},
        {"child_tickets": str(MAX_CHILD_TICKETS + 1)},
        {"child_tickets": "-1"},
    ):
        assert ticket_use({**ENTERED, **wrong}, "r1") is UseFault.FIELDS, wrong
    assert ticket_use({**ENTERED, "adult_tickets": "0", "child_tickets": "0"}, "r1") is UseFault.NO_TICKETS


def test_only_an_answer_that_judged_the_use_settles_it():
    assert outcome_is_final(201)
    assert outcome_is_final(409)  # refused by a rule, e.g. limit_reached: the clerk settles it with the customer
    assert outcome_is_final(422)
    assert not outcome_is_final(503)  # usage did not answer: sent again, the same redemption_id
    assert not outcome_is_final(502)
    assert not outcome_is_final(401)  # the session ended: sent again after signing in
