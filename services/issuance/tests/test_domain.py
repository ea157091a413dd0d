"""The issuance rules as pure functions (no I/O): validity, age, trial, stock, paper form, retries, revocation."""

from __future__ import annotations

from datetime import date

import pytest
from kaiku_contracts.cards import HolderProfile
from kaiku_contracts.enums import CardType, Gender, LifeSituation, RejectionReason, RevocationReason
from kaiku_issuance.domain.cards import (
    CardGrant,
    CardStatus,
    IssuingContext,
    RecordedFingerprints,
    Repeat,
    card_status,
    grant_refusals,
    issue,
    judge_repeat,
)
from kaiku_issuance.domain.paper_form import check_columns, parse_row
from kaiku_issuance.domain.revocation import CardState, Revocation, revocation_refusal
from kaiku_issuance.domain.stock import CodeRange, in_stock, range_problem, stock_refusal
from kaiku_issuance.domain.validity import add_months, card_valid_until, old_enough, trial_over

pytestmark = pytest.mark.unit

TODAY = date(2026, 3, 10)
HOLDER = HolderProfile(
    birth_year=1980, mother_tongue="fi", gender=Gender.FEMALE, postal_code="00100", life_situation=LifeSituation.OTHER
)


def context(**changes: object) -> IssuingContext:
    fields: dict[str, object] = {
        "region_id": "R1",
        "trial_ends_on": None,
        "branches": frozenset({"itakeskus"}),
        "code_ranges": (),
        "today": TODAY,
    }
    fields.update(changes)
    return IssuingContext(**fields)  # type: ignore[arg-type]


def grant(**changes: object) -> CardGrant:
    fields: dict[str, object] = {
        "card_code": "E1234",
        "card_type": CardType.PERSONAL,
        "distributor_id": "D1",
        "holder": HOLDER,
    }
    fields.update(changes)
    return CardGrant(**fields)  # type: ignore[arg-type]


def fields_refused(g: CardGrant, ctx: IssuingContext | None = None) -> list[str]:
    return [r.field for r in grant_refusals(g, ctx or context())]


# -- validity (§2, §4.2) ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("issued", "valid_until"),
    [
        (date(2026, 3, 10), date(2027, 3, 10)),
        (date(2024, 2, 29), date(2025, 2, 28)),  # no 29.2. next year: the last day of February
        (date(2026, 12, 31), date(2027, 12, 31)),
    ],
)
def test_twelve_months_from_the_grant(issued: date, valid_until: date) -> None:
    assert card_valid_until(issued, None) == valid_until


def test_trial_end_caps_validity_when_it_comes_first() -> None:
    assert card_valid_until(date(2026, 3, 10), date(2026, 6, 30)) == date(2026, 6, 30)
    assert card_valid_until(date(2026, 3, 10), date(2028, 1, 1)) == date(2027, 3, 10)


def test_no_grant_after_the_trial() -> None:
    assert trial_over(date(2026, 7, 1), date(2026, 6, 30))
    assert not trial_over(date(2026, 6, 30), date(2026, 6, 30))
    assert not trial_over(date(2026, 7, 1), None)
    assert fields_refused(grant(), context(trial_ends_on=date(2026, 3, 9))) == ["issued_on"]
    assert issue(grant(), context(trial_ends_on=date(2026, 3, 10))).valid_until == date(2026, 3, 10)


def test_sixteen_in_the_issue_year() -> None:
    assert old_enough(2010, 2026)
    assert not old_enough(2011, 2026)
    young = HolderProfile(**{**HOLDER.model_dump(), "birth_year": 2011})
    assert fields_refused(grant(holder=young)) == ["holder.birth_year"]
    # a late paper form: the age counts in the year the card was granted
    assert fields_refused(grant(holder=young, issued_on=date(2026, 1, 5))) == ["holder.birth_year"]


def test_add_months() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


# -- granting --------------------------------------------------------------------------------------
def test_a_good_grant_is_issued_today_by_default() -> None:
    assert grant_refusals(grant(), context()) == []
    card = issue(grant(), context())
    assert (card.issued_on, card.valid_until, card.region_id) == (TODAY, date(2027, 3, 10), "R1")


def test_issue_date_may_be_past_never_future() -> None:
    assert fields_refused(grant(issued_on=date(2025, 11, 1))) == []
    assert fields_refused(grant(issued_on=date(2026, 3, 11))) == ["issued_on"]


def test_personal_needs_a_holder_community_has_none() -> None:
    assert fields_refused(grant(holder=None)) == ["holder"]
    assert fields_refused(grant(card_type=CardType.COMMUNITY)) == ["holder"]
    assert fields_refused(grant(card_type=CardType.COMMUNITY, holder=None)) == []


def test_branch_must_be_registered() -> None:
    assert fields_refused(grant(branch_id="itakeskus")) == []
    assert fields_refused(grant(branch_id="kallio")) == ["branch_id"]


def test_a_card_cannot_replace_itself() -> None:
    assert fields_refused(grant(replaces_card_code="E1234")) == ["replaces_card_code"]


def test_every_broken_rule_is_reported() -> None:
    young = HolderProfile(**{**HOLDER.model_dump(), "birth_year": 2020})
    assert fields_refused(grant(holder=young, branch_id="x", issued_on=date(2027, 1, 1))) == [
        "issued_on",
        "holder.birth_year",
        "branch_id",
    ]


def test_retries_and_conflicts() -> None:
    first = grant()
    recorded = RecordedFingerprints(first.request_fingerprint, issue(first, context()).content_fingerprint)
    assert judge_repeat(grant(), recorded) is Repeat.SAME
    assert judge_repeat(grant(issued_on=TODAY), recorded) is Repeat.SAME  # the paper form of the same card
    assert judge_repeat(grant(issued_on=date(2026, 3, 1)), recorded) is Repeat.CONFLICT
    assert judge_repeat(grant(distributor_id="D2"), recorded) is Repeat.CONFLICT
    other = HolderProfile(**{**HOLDER.model_dump(), "postal_code": "00200"})
    assert judge_repeat(grant(holder=other), recorded) is Repeat.CONFLICT


def test_card_status() -> None:
    assert card_status(date(2026, 3, 10), False, TODAY) is CardStatus.ACTIVE  # valid through its last day
    assert card_status(date(2026, 3, 9), False, TODAY) is CardStatus.EXPIRED
    assert card_status(date(2027, 1, 1), True, TODAY) is CardStatus.REVOKED


# -- card stock ------------------------------------------------------------------------------------
def test_code_ranges() -> None:
    e = CodeRange("E", 1000, 1999)
    assert e.contains("E1000")
    assert e.contains("E1999")
    assert not e.contains("E2000")
    assert not e.contains("K1500")
    assert not e.contains("E15A0")
    padded = CodeRange("E", 1, 500, digits=4)
    assert padded.contains("E0001")
    assert not padded.contains("E1")
    assert padded.label == "E0001–E0500"
    plain = CodeRange("", 10000, 10999)
    assert plain.contains("10142")
    assert not plain.contains("E10142")


def test_stock_is_optional() -> None:
    assert in_stock("ANYTHING1", [])
    assert not in_stock("E3000", [CodeRange("E", 1000, 1999)])
    refusal = stock_refusal("E3000", [CodeRange("E", 1000, 1999)])
    assert refusal is not None
    assert refusal.field == "card_code"
    assert "E1000–E1999" in refusal.detail
    assert fields_refused(grant(card_code="E3000"), context(code_ranges=(CodeRange("E", 1000, 1999),))) == ["card_code"]


def test_overlaps_and_bad_ranges() -> None:
    assert CodeRange("E", 1000, 1999).overlaps(CodeRange("E", 1999, 2500))
    assert not CodeRange("E", 1000, 1999).overlaps(CodeRange("E", 2000, 2500))
    assert not CodeRange("E", 1000, 1999).overlaps(CodeRange("K", 1000, 1999))
    assert not CodeRange("E", 1, 9, digits=2).overlaps(CodeRange("E", 1, 9, digits=3))
    assert range_problem(CodeRange("E", 5, 1)) is not None
    assert range_problem(CodeRange("E", 0, 100_000_000)) is not None
    assert range_problem(CodeRange("E", 1, 99999, digits=3)) is not None
    assert range_problem(CodeRange("E", 1, 9999, digits=4)) is None


# -- the paper form --------------------------------------------------------------------------------
FORM = {
    "card_code": " e2251 ",
    "issued_on": "3.2.2020",
    "birth_year": "1950",
    "mother_tongue": "Suomi",
    "gender": "Nainen",
    "postal_code": "00100",
    "life_situation": "eläkeläinen",
}


def test_a_form_row_in_finnish_words() -> None:
    parsed = parse_row(FORM, distributor_id="D1", branch_id=None)
    assert isinstance(parsed, CardGrant)
    assert parsed.card_code == "E2251"
    assert parsed.issued_on == date(2020, 2, 3)
    assert parsed.holder == HolderProfile(
        birth_year=1950,
        mother_tongue="fi",
        gender=Gender.FEMALE,
        postal_code="00100",
        life_situation=LifeSituation.PENSIONER,
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("card_code", "E 22*51"),
        ("issued_on", "yesterday"),
        ("birth_year", "1.1.1950"),  # a birth date is never recorded (§11)
        ("mother_tongue", "klingon"),
        ("gender", "alien"),
        ("postal_code", "FI-00100"),
        ("postal_code", "3310"),  # refused, never padded to 03310 (issue 19)
        ("postal_code", "100"),  # Excel's shortened 00100 too: the detail says to format the column as text
        ("life_situation", "rich"),
        ("gender", ""),
    ],
)
def test_each_bad_field_is_named_never_echoed(column: str, value: str) -> None:
    parsed = parse_row({**FORM, column: value}, distributor_id="D1", branch_id=None)
    assert isinstance(parsed, list)
    assert [r.field for r in parsed] == [column]
    assert all(r.reason is RejectionReason.INVALID_REQUEST for r in parsed)
    if value.strip():
        assert value not in parsed[0].message


def test_form_columns() -> None:
    assert check_columns(list(FORM)).refusal is None
    unknown = check_columns([*FORM, "nimi", "hetu"])
    assert unknown.unknown == ("nimi", "hetu")
    assert unknown.refusal is not None
    assert "§11" in unknown.refusal.detail
    missing = check_columns(["card_code", "issued_on"])
    assert missing.missing == ("birth_year", "mother_tongue", "gender", "postal_code", "life_situation")


# -- revocation ------------------------------------------------------------------------------------
def test_revocation_rules() -> None:
    card = CardState("E1", date(2026, 1, 1), None)
    lost = Revocation(RevocationReason.LOST, TODAY)
    assert revocation_refusal(card, lost, TODAY) is None
    future = revocation_refusal(card, Revocation(RevocationReason.LOST, date(2026, 3, 11)), TODAY)
    assert future is not None
    assert future.field == "revoked_on"
    early = revocation_refusal(card, Revocation(RevocationReason.LOST, date(2025, 12, 31)), TODAY)
    assert early is not None
    assert early.field == "revoked_on"
    revoked = CardState("E1", date(2026, 1, 1), lost)
    assert revocation_refusal(revoked, lost, TODAY) is None  # the same revocation again: answer as before
    again = revocation_refusal(revoked, Revocation(RevocationReason.MISUSE, TODAY), TODAY)
    assert again is not None
    assert again.reason is RejectionReason.CARD_REVOKED
