"""Reading the venue report of §9.2, and the agencies' message signatures."""

from __future__ import annotations

from datetime import date

import pytest
from kaiku_contracts.limits import PerformanceKind
from kaiku_runtime.tabular import read_table
from kaiku_usage.domain.signatures import SignatureCheck, check_signature, sign
from kaiku_usage.domain.submissions import answerable
from kaiku_usage.domain.venue_report import (
    ReportLine,
    RowProblem,
    SkippedRow,
    canonical_column,
    missing_columns,
    parse_line,
    performance_key,
    redemption_ids,
)

pytestmark = pytest.mark.unit

SECTION_9_2 = (
    "Kortets kod;Biljett för vuxna;Biljett för barn (under 16 år);Föreställningens namn;Datum\n"
    "E2251;1;2;Trollkarlen Matti;3.2.2020\n"
    "10141;1;2;En magisk sommarnatt;9.2.2020\n"
    "Sammanlagt;2;4;;\n"
).encode("cp1252")


def test_section_9_2_example_reads_as_two_uses_and_a_total() -> None:
    rows = [parse_line(row.number, row.values) for row in read_table(SECTION_9_2)]
    assert rows == [
        ReportLine(2, "E2251", 1, 2, "Trollkarlen Matti", date(2020, 2, 3)),
        ReportLine(3, "10141", 1, 2, "En magisk sommarnatt", date(2020, 2, 9)),
        SkippedRow(4, "total row"),
    ]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("kortin_koodi", "card_code"),
        ("card_code", "card_code"),
        ("aikuisten_liput", "adult_tickets"),
        ("adult_tickets", "adult_tickets"),
        ("lasten_liput_(alle_18_v)", "child_tickets"),
        ("esityksen_nimi", "performance"),
        ("performance", "performance"),
        ("päivämäärä", "date"),
        ("date", "date"),
        ("comments", None),
    ],
)
def test_columns_in_three_languages(header: str, column: str | None) -> None:
    assert canonical_column(header) == column


def test_missing_columns_are_named() -> None:
    assert missing_columns(["card_code", "date"]) == ["adult_tickets", "child_tickets", "performance"]


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"card_code": "", "adult_tickets": "1"}, "card_code: missing"),
        ({"card_code": "Matti Meikäläinen", "adult_tickets": "1"}, "card_code: not a card code"),
        ({"card_code": "E1", "adult_tickets": "2", "performance": "X", "date": "1.1.2020"}, "adult_tickets"),
        ({"card_code": "E1", "adult_tickets": "yes", "performance": "X", "date": "1.1.2020"}, "adult_tickets"),
        ({"card_code": "E1", "adult_tickets": "0", "child_tickets": "0", "performance": "X", "date": "1.1.2020"}, "no"),
        ({"card_code": "E1", "adult_tickets": "1", "performance": "", "date": "1.1.2020"}, "performance"),
        ({"card_code": "E1", "adult_tickets": "1", "performance": "X", "date": "31.2.2020"}, "date"),
    ],
)
def test_bad_rows_are_reported_without_echoing_the_value(values: dict[str, str], problem: str) -> None:
    result = parse_line(5, values)
    assert isinstance(result, RowProblem)
    assert result.row == 5
    assert result.detail.startswith(problem)
    assert "Meikäläinen" not in result.detail


def test_ids_are_stable_and_tell_identical_rows_apart() -> None:
    line = ReportLine(2, "E1", 0, 1, "Show", date(2020, 2, 3))
    twice = [line, ReportLine(3, "E1", 0, 1, "show", date(2020, 2, 3))]
    first, second = redemption_ids("V1", twice)
    assert first != second
    assert redemption_ids("V1", twice) == [first, second]
    assert redemption_ids("V2", twice)[0] != first
    assert performance_key("V1", "Show", date(2020, 2, 3)) == performance_key("V1", "SHOW", date(2020, 2, 3))


def test_signatures() -> None:
    value = b'{"redemption_id": "R1"}'
    key, other = "agency-one-secret-key-of-32-chars", "agency-two-secret-key-of-32-chars"
    good = sign(key, value)
    assert check_signature(key, value, good.encode()) is SignatureCheck.VALID
    # the contract says lower-case hex: anything else is not the signature
    assert check_signature(key, value, good.upper().encode()) is SignatureCheck.INVALID
    assert check_signature(key, value, None) is SignatureCheck.MISSING
    assert check_signature(key, value, b"") is SignatureCheck.MISSING
    assert check_signature(key, value, sign(other, value).encode()) is SignatureCheck.INVALID
    assert check_signature(key, value + b" ", good.encode()) is SignatureCheck.INVALID
    # fail closed: an agency without a key (or not registered at all) is trusted for nothing
    assert check_signature(None, value, good.encode()) is SignatureCheck.UNREGISTERED
    assert check_signature("", value, None) is SignatureCheck.UNREGISTERED


@pytest.mark.parametrize("header", [b"\xff\xfe" * 32, "é".encode() * 32, "ä".encode() * 32, b"\x00" * 64])
def test_a_signature_of_any_bytes_is_judged_never_raises(header: bytes) -> None:
    assert check_signature("agency-one-secret-key-of-32-chars", b"{}", header) is SignatureCheck.INVALID


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b'{"redemption_id": "r-1", "agency_id": "A1", "adult_tickets": "many"}', ("r-1", "A1")),
        (b'{"redemption_id": "r-1"}', None),  # no agency to answer
        (b'{"agency_id": "A1"}', None),  # nothing to answer about
        (b'{"redemption_id": "r 1", "agency_id": "A1"}', None),  # not an id
        (b'{"redemption_id": 7, "agency_id": "A1"}', None),
        (b'{"redemption_id": "131052-308T", "agency_id": "A1"}', None),  # never repeats an identity code
        (b"[1, 2]", None),
        (b"\x00\xff", None),
        (None, None),
    ],
)
def test_an_unreadable_submission_is_answered_only_when_it_names_redemption_and_agency(
    value: bytes | None, expected: tuple[str, str] | None
) -> None:
    assert answerable(value) == expected


ROW = {"card_code": "E1", "adult_tickets": "1", "child_tickets": "0", "performance": "Show", "date": "3.2.2020"}


def test_the_optional_kind_column_keeps_the_performance_kind() -> None:
    assert canonical_column("kind") == "kind"
    assert canonical_column("esityksen_laji") == "kind"
    line = parse_line(2, ROW)
    assert isinstance(line, ReportLine)
    assert line.kind is PerformanceKind.PERFORMANCE
    course = parse_line(2, {**ROW, "kind": "Course"})
    assert isinstance(course, ReportLine)
    assert course.kind is PerformanceKind.COURSE
    assert missing_columns(["card_code", "adult_tickets", "child_tickets", "performance", "date"]) == []
    wrong = parse_line(2, {**ROW, "kind": "opera"})
    assert isinstance(wrong, RowProblem)
    assert wrong.detail.startswith("kind:")
    assert "opera" not in wrong.detail


@pytest.mark.parametrize(
    ("header", "named"),
    [("performance", "performance"), ("card_code", "card_code"), ("notes", "notes"), ("131052-308T", "column 6")],
)
def test_a_cell_with_an_identity_code_refuses_the_row_naming_the_column(header: str, named: str) -> None:
    values = {**ROW, header: "Matti 131052-308T"}
    result = parse_line(4, values)
    assert isinstance(result, RowProblem)
    assert result.detail.startswith(f"{named}: holds a personal identity code")
    assert "308T" not in result.detail
