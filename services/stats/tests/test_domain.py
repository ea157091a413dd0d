"""Pure rules of the statistics: periods, holder groups, facts, usage rate, published views."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from kaiku_contracts.cards import CardIssued, HolderProfile
from kaiku_contracts.enums import CardType, Channel, Gender, LifeSituation, RedemptionKind, VenueCategory
from kaiku_contracts.redemptions import TicketRedeemed
from kaiku_stats.domain.facts import (
    card_fact,
    periods_touched_by_card,
    periods_touched_by_revocation,
    use_fact,
)
from kaiku_stats.domain.figures import Figures, UseFigures, usage_rate
from kaiku_stats.domain.holders import age_group, mother_tongue_group
from kaiku_stats.domain.periods import month_of_instant, period_range, periods_between
from kaiku_stats.domain.publication import NOT_PUBLISHED, protect_year

pytestmark = pytest.mark.unit


def test_a_performance_late_on_the_last_evening_of_january_utc_counts_in_february_in_helsinki() -> None:
    assert month_of_instant(datetime(2026, 1, 31, 22, 30, tzinfo=UTC)) == "2026-02"
    assert month_of_instant(datetime(2026, 1, 31, 21, 30, tzinfo=UTC)) == "2026-01"


def test_period_ranges_and_the_reference_day_of_cards_active() -> None:
    feb = period_range("2024-02")
    assert (feb.first_day, feb.last_day) == (date(2024, 2, 1), date(2024, 2, 29))
    year = period_range("2026")
    assert (year.first_month, year.last_month) == ("2026-01", "2026-12")
    assert year.reference_day(date(2026, 5, 3)) == date(2026, 5, 3)  # today is earlier than 31.12.
    assert year.reference_day(date(2027, 5, 3)) == date(2026, 12, 31)


def test_periods_between_lists_months_and_their_years() -> None:
    assert periods_between(date(2025, 11, 5), date(2026, 2, 1)) == [
        "2025",
        "2025-11",
        "2025-12",
        "2026",
        "2026-01",
        "2026-02",
    ]
    assert periods_between(date(2026, 2, 1), date(2026, 1, 1)) == []


@pytest.mark.parametrize(
    ("birth_year", "group"), [(2010, "16-29"), (1997, "16-29"), (1996, "30-44"), (1982, "30-44"), (1981, "45-64"),
                              (1962, "45-64"), (1961, "65+"), (1930, "65+")]
)  # fmt: skip
def test_age_groups_by_age_in_the_periods_year(birth_year: int, group: str) -> None:
    assert age_group(birth_year, 2026) == group


@pytest.mark.parametrize(
    ("code", "group"), [("fi", "finnish"), ("sv", "swedish"), ("se", "sami"), ("ru", "foreign"),
                        ("other", "foreign"), ("FI", "finnish")]
)  # fmt: skip
def test_mother_tongues_grouped_as_statistics_finland_does(code: str, group: str) -> None:
    assert mother_tongue_group(code) == group


def test_card_and_use_facts_carry_only_groups_never_the_raw_birth_year() -> None:
    card = CardIssued(
        card_code="e1",
        card_type=CardType.PERSONAL,
        region_id="R",
        distributor_id="D",
        issued_on=date(2026, 3, 1),
        valid_until=date(2027, 2, 28),
        holder=HolderProfile(
            birth_year=1990,
            mother_tongue="sv",
            gender=Gender.MALE,
            postal_code="65100",
            life_situation=LifeSituation.STUDENT,
        ),
    )
    fact = card_fact(card)
    assert (fact.card_code, fact.issue_month, fact.age_group, fact.mother_tongue_group) == (
        "E1",
        "2026-03",
        "30-44",
        "swedish",
    )
    assert not hasattr(fact, "birth_year")
    use = use_fact(
        TicketRedeemed(
            redemption_id="r1",
            card_code="E1",
            card_type=CardType.PERSONAL,
            venue_id="V",
            region_id="R2",
            performance_id="P",
            performance_name="Show",
            starts_at=datetime(2026, 4, 30, 21, 30, tzinfo=UTC),
            kind=RedemptionKind.TICKET,
            adult_tickets=1,
            child_tickets=2,
            channel=Channel.BOX_OFFICE,
            card_region_id="R",
            venue_category=VenueCategory.SPORTS,
        )
    )
    assert (use.month, use.venue_category) == ("2026-05", "sports")


def test_a_card_touches_its_issue_period_and_every_period_it_is_valid_in_until_today() -> None:
    touched = periods_touched_by_card(date(2026, 11, 20), date(2027, 11, 19), today=date(2027, 1, 10))
    assert touched == ["2026", "2026-11", "2026-12", "2027", "2027-01"]
    # a card entered late (paper form) still touches its issue period
    assert periods_touched_by_card(date(2026, 5, 2), date(2027, 5, 1), today=date(2026, 4, 1)) == ["2026", "2026-05"]
    assert periods_touched_by_revocation(date(2027, 1, 5), date(2027, 11, 19), today=date(2027, 2, 1)) == [
        "2027",
        "2027-01",
        "2027-02",
    ]


def test_usage_rate_is_undefined_without_active_cards() -> None:
    assert usage_rate(3, 0) is None
    assert usage_rate(1, 3) == 0.3333


def test_exact_view_for_own_scope_and_protected_view_for_publishing() -> None:
    figures = Figures(
        period="2026",
        cards_issued=23,
        cards_active=20,
        uses=UseFigures(redemptions=9, distinct_cards_used=5, redemptions_by_venue_category={"culture": 9}),
        holders={"holders_by_gender": {"female": 20, "male": 3}, "holders_by_postal_code_area": {"00100": 23}},
    )
    exact = figures.exact()
    assert exact["holders_by_gender"] == {"female": 20, "male": 3, "other": 0, "not_disclosed": 0}
    assert exact["redemptions_by_venue_category"] == {"culture": 9, "sports": 0}
    assert exact["usage_rate"] == 0.25
    one_month = {
        "holders_by_gender": {("R1", "2026-03"): {"female": 20, "male": 3}},
        "holders_by_age_group": {("R1", "2026-03"): {"30-44": 23}},
        "holders_by_mother_tongue": {("R1", "2026-03"): {"finnish": 23}},
        "holders_by_life_situation": {("R1", "2026-03"): {"pensioner": 23}},
    }
    protected = protect_year(2026, one_month, {"00100": 23}, 5)
    published = figures.published(protected.holders("", "2026"), 5)
    assert published["holders_by_gender"] == {"female": None, "male": None, "other": 0, "not_disclosed": 0}
    assert published["holders_by_age_group"] == {"16-29": 0, "30-44": 23, "45-64": 0, "65+": 0}
    assert published["holders_by_postal_code_area"] == {"other": 0, "00100": 23}
    # postal-code areas are published for the nation's year only; below the regions nothing is
    assert protected.holders("R1", "2026")["holders_by_postal_code_area"] is None
    assert figures.published(NOT_PUBLISHED, 5)["holders_by_gender"] is None
