"""The portal's pure helpers: scanned codes, languages, dates, charts, the limit's minimum text."""

from __future__ import annotations

from datetime import date

import pytest
from kaiku_contracts.http.common import is_entity_id
from kaiku_contracts.http.issuance import DistributorIn
from kaiku_contracts.http.stats import AnnualReport
from kaiku_portal.adapters.upstream import segment
from kaiku_portal.domain.charts import bars, monthly
from kaiku_portal.domain.codes import normalise_card_code
from kaiku_portal.domain.formats import local_datetime, show_date, show_datetime, show_number, show_rate, valid_period
from kaiku_portal.domain.staff import AccountProblem, may_manage, may_set_password, new_account_problem
from kaiku_portal.domain.throttle import LONGEST_USERNAME, sign_in_blocked, username_acceptable
from kaiku_portal.entrypoints.http.common import form_body
from kaiku_portal.entrypoints.http.venue import minimum_text
from kaiku_portal.i18n import choose_language
from kaiku_runtime.auth import Role

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("e1234", "E1234"),
        ("  E 2251\n", "E2251"),
        ("https://kaikukortti.fi/k/e2251/", "E2251"),
        ("10142", "10142"),
        ("AB-12", "AB-12"),
    ],
)
def test_scanner_and_keyboard_input_becomes_the_registers_code(typed: str, code: str):
    assert normalise_card_code(typed) == code


@pytest.mark.parametrize("typed", ["", "   ", "E12€4", "Ä1234", "X" * 21, "E1234;DROP"])
def test_what_cannot_be_a_card_code_is_refused(typed: str):
    assert normalise_card_code(typed) is None


def test_language_query_beats_cookie_beats_browser():
    assert choose_language("sv", "en", "fi") == "sv"
    assert choose_language(None, "en", "sv-FI,sv;q=0.9") == "en"
    assert choose_language("de", None, "de-DE,sv;q=0.8,en;q=0.5") == "sv"
    assert choose_language(None, None, "en;q=0.3,fi;q=0.9") == "fi"
    assert choose_language(None, "xx", None) == "fi"  # Finnish unless told otherwise


def test_the_browsers_languages_are_negotiated_against_the_catalogues():
    assert choose_language(None, None, "sv-FI,sv;q=0.9,en;q=0.5") == "sv"
    assert choose_language(None, None, "EN-GB") == "en"
    assert choose_language(None, None, "sv;q=0,en;q=0.1") == "en"  # q=0: not wanted at all
    assert choose_language(None, None, "de-DE,fr;q=0.5,*;q=0.1") == "fi"
    assert choose_language(None, None, "") == "fi"


def test_dates_are_written_the_finnish_way():
    assert show_date("2027-11-22") == "22.11.2027"
    assert show_date(date(2026, 3, 1)) == "1.3.2026"
    assert show_date(None) == ""
    assert show_rate(0.1234) == "12,3\u00a0%"  # CLDR: a no-break space before the sign
    assert show_rate(None) == "–"


def test_each_language_writes_dates_and_numbers_as_used_in_finland():
    assert [show_date("2027-11-22", lang) for lang in ("fi", "sv", "en")] == ["22.11.2027", "22.11.2027", "22/11/2027"]
    assert [show_number(12345.5, lang) for lang in ("fi", "sv", "en")] == ["12\u00a0345,5"] * 3
    assert show_number(None) == "–"
    assert show_rate(0.5, "en") == "50,0\u00a0%"
    assert show_datetime("2026-06-01T16:00:00+00:00", "sv") == "1.6.2026 19.00"  # Helsinki time


def test_a_datetime_local_field_is_helsinki_time():
    moment = local_datetime("2026-06-01T19:00")
    assert moment is not None
    assert moment.utcoffset() is not None
    assert moment.utcoffset().total_seconds() == 3 * 3600  # EEST in June
    assert local_datetime("tomorrow") is None


def test_periods_are_years_or_months():
    assert valid_period("2026")
    assert valid_period("2026-03")
    assert not valid_period("2026-13")
    assert not valid_period("26")
    assert not valid_period("2026-3")


def test_bars_scale_to_the_largest_value_and_keep_suppressed_cells():
    chart = bars({"16-29": 10, "30-44": 5, "45-64": None})
    assert [(b.label, b.value, b.percent) for b in chart] == [
        ("16-29", 10, 100.0),
        ("30-44", 5, 50.0),
        ("45-64", None, 0.0),
    ]


def test_monthly_chart_reads_the_annual_reports_json_without_the_total_row():
    counts = {"cards_active": 5, "adult_tickets": 0, "child_tickets": 0, "course_places": 0, "distinct_cards_used": 1}
    rows = [
        {"period": "2026-01", "cards_issued": 3, "redemptions": 2, "usage_rate": 0.5, **counts},
        {"period": "2026-02", "cards_issued": 0, "redemptions": 4, "usage_rate": None, **counts},
        {"period": "2026", "cards_issued": 3, "redemptions": 6, "usage_rate": 0.4, **counts},
    ]
    report = AnnualReport.model_validate({"region_id": "R1", "year": 2026, "rows": rows})
    assert [(b.label, b.value) for b in monthly(report.rows, "redemptions")] == [("2026-01", 2), ("2026-02", 4)]
    assert [(b.label, b.value) for b in monthly(report.rows, "usage_rate")] == [("2026-01", 0.5), ("2026-02", None)]


def test_the_limit_minimum_follows_the_usage_rule_as_the_clerk_types():
    # §7.2.2: 5 % of 120 places rounded up = 6; a course may be capped at 2; unknown capacity asks for it
    assert minimum_text("en", 120, "performance", False) == "Lowest limit allowed: 6 (§7.2.2)"
    assert minimum_text("fi", 40, "course", False) == "Pienin sallittu yläraja: 2 (§7.2.2)"
    assert minimum_text("sv", None, "performance", False).startswith("Ange antalet platser")


def test_sign_in_is_blocked_from_the_fifth_failure_in_the_window():
    assert [sign_in_blocked(n) for n in range(7)] == [False] * 5 + [True] * 2


def test_sign_in_is_blocked_from_the_twentieth_failure_from_one_address_whatever_the_names():
    assert [sign_in_blocked(0, from_address=n) for n in (0, 19, 20, 21)] == [False, False, True, True]
    assert sign_in_blocked(5, from_address=0)


def test_a_username_longer_than_any_account_can_have_is_not_worth_hashing_a_password_for():
    assert username_acceptable("a" * LONGEST_USERNAME)
    assert not username_acceptable("a" * (LONGEST_USERNAME + 1))
    assert not username_acceptable("")
    assert new_account_problem("a" * (LONGEST_USERNAME + 1), None, Role.NATIONAL, None, None) is AccountProblem.USERNAME


@pytest.mark.parametrize(
    ("manager", "manager_region", "role", "region", "has_password", "allowed"),
    [
        (Role.REGION_ADMIN, "R1", Role.VENUE, "R1", True, True),
        (Role.REGION_ADMIN, "R1", Role.DISTRIBUTOR, "R1", True, True),
        (Role.REGION_ADMIN, "R1", Role.VENUE, "R1", False, False),  # signs in through the organisation
        (Role.REGION_ADMIN, "R1", Role.REGION_ADMIN, "R1", True, False),  # another coordinator: the national office
        (Role.REGION_ADMIN, "R1", Role.NATIONAL, None, True, False),  # the national office manages its own
        (Role.REGION_ADMIN, "R1", Role.VENUE, "R2", True, False),
        (Role.NATIONAL, None, Role.REGION_ADMIN, "R1", True, True),
        (Role.NATIONAL, None, Role.REGION_ADMIN, "R1", False, False),
        (Role.NATIONAL, None, Role.NATIONAL, None, True, True),
        (Role.NATIONAL, None, Role.VENUE, "R1", True, False),
        (Role.VENUE, "R1", Role.VENUE, "R1", True, False),
    ],
)
def test_who_may_set_whose_password(
    manager: Role, manager_region: str | None, role: Role, region: str | None, has_password: bool, allowed: bool
):
    assert may_set_password(manager, manager_region, role, region, has_password=has_password) is allowed


@pytest.mark.parametrize(
    ("manager", "manager_region", "role", "region", "allowed"),
    [
        (Role.REGION_ADMIN, "R1", Role.VENUE, "R1", True),
        (Role.REGION_ADMIN, "R1", Role.DISTRIBUTOR, "R1", True),
        (Role.REGION_ADMIN, "R1", Role.REGION_ADMIN, "R1", True),
        (Role.REGION_ADMIN, "R1", Role.VENUE, "R2", False),  # another region's people
        (Role.REGION_ADMIN, "R1", Role.NATIONAL, None, False),
        (Role.REGION_ADMIN, None, Role.VENUE, None, False),
        (Role.NATIONAL, None, Role.REGION_ADMIN, "R7", True),
        (Role.NATIONAL, None, Role.NATIONAL, None, True),
        (Role.NATIONAL, None, Role.VENUE, "R1", False),  # the regions run their own staff
        (Role.VENUE, "R1", Role.VENUE, "R1", False),
        (Role.DISTRIBUTOR, "R1", Role.DISTRIBUTOR, "R1", False),
        (Role.REGION_ADMIN, "R1", Role.AGENCY, "R1", False),  # agencies get API tokens, not accounts
    ],
)
def test_who_may_open_and_close_whose_account(
    manager: Role, manager_region: str | None, role: Role, region: str | None, allowed: bool
):
    assert may_manage(manager, manager_region, role, region) is allowed


@pytest.mark.parametrize(
    ("username", "password", "role", "region", "org", "problem"),
    [
        ("maija.clerk", "long-enough-pw", Role.VENUE, "R1", "V1", None),
        ("maija.clerk", None, Role.VENUE, "R1", "V1", None),  # signs in through the organisation
        ("office", None, Role.NATIONAL, None, None, None),
        ("Maija", None, Role.NATIONAL, None, None, AccountProblem.USERNAME),
        ("ma", None, Role.NATIONAL, None, None, AccountProblem.USERNAME),
        ("maija clerk", None, Role.NATIONAL, None, None, AccountProblem.USERNAME),
        ("maija.clerk", "short", Role.VENUE, "R1", "V1", AccountProblem.PASSWORD),
        ("maija.clerk", None, Role.REGION_ADMIN, None, None, AccountProblem.REGION),
        ("maija.clerk", None, Role.DISTRIBUTOR, "R1", None, AccountProblem.ORGANISATION),
        ("maija.clerk", None, Role.AGENCY, "R1", "A1", AccountProblem.ROLE),
    ],
)
def test_what_a_new_account_needs(
    username: str, password: str | None, role: Role, region: str | None, org: str | None, problem: object
):
    assert new_account_problem(username, password, role, region, org) == problem


@pytest.mark.parametrize("entity_id", ["R1", "lib.north:2", "V:2026.1", "a_b-c"])
def test_the_forms_take_every_id_the_api_takes(entity_id: str):
    assert is_entity_id(entity_id)
    assert form_body(DistributorIn, {"distributor_id": entity_id, "region_id": "R1", "name": "Kirjasto"}) is not None


@pytest.mark.parametrize("entity_id", ["", "lib north", "a/b", "ä1", "x" * 65])
def test_the_forms_refuse_what_the_api_refuses(entity_id: str):
    assert not is_entity_id(entity_id)
    assert form_body(DistributorIn, {"distributor_id": entity_id, "region_id": "R1", "name": "Kirjasto"}) is None


def test_an_id_is_one_path_segment_even_when_it_is_all_dots():
    assert [segment(i) for i in ("lib.north:2", "..", "a/b")] == ["lib.north%3A2", "%2E%2E", "a%2Fb"]
