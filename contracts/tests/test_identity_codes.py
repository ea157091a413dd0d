"""The identity-code check: every valid henkilötunnus is found, anywhere in a text; near misses are not."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kaiku_contracts.identity_codes import (
    CENTURY_BY_SIGN,
    CHECK_CHARACTERS,
    check_character,
    contains_identity_code,
    fields_with_identity_codes,
    is_identity_code,
    opaque_id,
)

pytestmark = pytest.mark.unit

SIGNS_BY_CENTURY = {1800: ["+"], 1900: ["-", "Y", "X", "W", "V", "U"], 2000: ["A", "B", "C", "D", "E", "F"]}


@st.composite
def identity_codes(draw: st.DrawFn) -> str:
    born = draw(st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)))
    sign = draw(st.sampled_from(SIGNS_BY_CENTURY[born.year // 100 * 100]))
    number = f"{draw(st.integers(min_value=2, max_value=999)):03d}"
    digits = born.strftime("%d%m") + f"{born.year % 100:02d}"
    return f"{digits}{sign}{number}{check_character(digits, number)}"


@given(identity_codes())
def test_every_valid_identity_code_is_recognised(code: str) -> None:
    assert is_identity_code(code)
    assert is_identity_code(code.lower())
    assert contains_identity_code(code)


@given(identity_codes(), st.text(max_size=20), st.text(max_size=20))
def test_an_identity_code_is_found_inside_any_text(code: str, before: str, after: str) -> None:
    assert contains_identity_code(before + code + after)


@given(identity_codes(), st.sampled_from(CHECK_CHARACTERS))
def test_a_wrong_check_character_is_not_an_identity_code(code: str, other: str) -> None:
    wrong = code[:10] + other
    assert is_identity_code(wrong) == (other == code[10])


@given(identity_codes())
def test_an_impossible_date_is_not_an_identity_code(code: str) -> None:
    month_13 = code[:2] + "13" + code[4:10]
    number, digits = month_13[7:10], month_13[:6]
    assert not is_identity_code(month_13 + check_character(digits, number))


@given(identity_codes(), st.sampled_from("GHIJKLMNOPQRSTZ*/"))
def test_an_unknown_century_sign_is_not_an_identity_code(code: str, sign: str) -> None:
    assert sign.upper() not in CENTURY_BY_SIGN
    assert not is_identity_code(code[:6] + sign + code[7:])


@given(st.uuids())
def test_a_uuid_is_never_taken_for_an_identity_code(value: uuid.UUID) -> None:
    assert not contains_identity_code(str(value))


@pytest.mark.parametrize(
    "text",
    ["E1234", "10142", "E2251", "UX-5020", "P-6287B8A3EB24", "2026-12-03T18:00:00+02:00", "131052-308U", ""],
)
def test_ordinary_codes_and_values_pass(text: str) -> None:
    assert not contains_identity_code(text)


def test_the_examples_of_the_issue_are_refused() -> None:
    assert is_identity_code("131052-308T")
    assert contains_identity_code("kortti 131052-308t tuli")
    # a 2000s code with the new century signs (2023 reform)
    born = date(2010, 1, 1) + timedelta(days=40)
    digits = born.strftime("%d%m%y")
    assert is_identity_code(f"{digits}B123{check_character(digits, '123')}")


def test_fields_are_named_never_their_values() -> None:
    body = {"card_code": "E1", "note": ["ok", {"inner": "x 131052-308T"}], "131052-308T": 1}
    found = list(fields_with_identity_codes(body))
    assert found == ["note.1.inner", "body"]
    assert all("131052" not in where for where in found)


def test_an_opaque_id_never_holds_an_identity_code_where_a_hex_uuid_can():
    assert contains_identity_code("131052a308t0000000000000000000ff")  # a hex uuid can (sign A, check T)
    ids = [opaque_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and i[5::6] == "g" * 5 for i in ids)
    assert not any(contains_identity_code(i) for i in ids)
