"""The distributor's desk and refusals in the person's language (issue 19): pure functions, no stack."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from kaiku_contracts.enums import RejectionReason
from kaiku_contracts.http.issuance import Card
from kaiku_issuance.domain.paper_form import COLUMNS, HEADER_ALIASES
from kaiku_portal.domain.desk import (
    CardFilter,
    issue_months,
    month_label,
    newest_first,
    rejected_rows_csv,
    valid_postal_code,
    without_identity_codes,
)
from kaiku_portal.domain.refusals import FORM_FIELDS, INVALID, MISSING, PERSONAL_DATA, FieldFault, field_faults
from kaiku_portal.entrypoints.http.distributor import row_results, template_csv
from kaiku_portal.i18n import LANGS, message_ids, reason_text, refusal_keys, refusal_view, translate
from kaiku_runtime.tabular import normalise_header

pytestmark = pytest.mark.unit

CONTRACT = Path(__file__).parents[3] / "docs" / "contract.md"
IDENTITY_CODE = "131052-308T"  # the Digital and Population Data Services Agency's published example


def contract_reasons() -> set[str]:
    """Every code in docs/contract.md's "Errors and rejection reasons" table."""
    text = CONTRACT.read_text(encoding="utf-8").split("### Errors and rejection reasons", 1)[1]
    table = "\n".join(line for line in text.splitlines() if line.startswith("| 4"))
    table = re.sub(r"\([^)]*\)", "", table)  # asides name channels and fields, not codes
    return set(re.findall(r"`([a-z_]+)`", table)) - {"alg"}


@pytest.mark.parametrize("lang", LANGS)
def test_every_reason_code_has_words_in_every_language(lang: str) -> None:
    codes = contract_reasons() | {r.value for r in RejectionReason}
    assert len(codes) > 25
    missing = sorted(code for code in codes if f"reason.{code}" not in message_ids())
    assert missing == []
    for code in codes:
        words = reason_text(lang, code)
        assert words.strip(), (lang, code)
        assert code not in words, (lang, code)


@pytest.mark.parametrize("lang", LANGS)
def test_every_form_field_has_words_for_its_fault_in_every_language(lang: str) -> None:
    for key in [f"fielderror.{name}" for name in FORM_FIELDS] + ["fielderror.missing", "fielderror.personal_data"]:
        assert key in message_ids()
        assert translate(lang, key) != key


def test_a_detail_names_its_fields_and_their_kind() -> None:
    detail = (
        "holder.birth_year: the holder must turn at least 16 in the issue year (§3); holder.postal_code: Field"
        " required; name_of_holder: is not an accepted field (personal data is never recorded); x.y: odd"
    )
    assert field_faults(detail) == [
        FieldFault("birth_year", INVALID),
        FieldFault("postal_code", MISSING),
        FieldFault(None, PERSONAL_DATA),
        FieldFault(None, INVALID),
    ]
    assert field_faults("card 123 is not registered") == []


def test_the_finnish_page_tells_the_refusal_in_finnish_and_keeps_the_english_detail_apart() -> None:
    detail = "holder.birth_year: the holder must turn at least 16 in the issue year (§3)"
    view = refusal_view("fi", "invalid_request", detail)
    assert view.message == reason_text("fi", "invalid_request")
    assert view.fields == {"birth_year": "fielderror.birth_year"}
    assert "holder must turn" not in translate("fi", view.fields["birth_year"])
    assert view.detail == detail  # for support staff, folded away on the page
    assert refusal_view("fi", "card_exists", "birth_year: x").fields == {}  # only field reasons name fields
    assert refusal_keys("invalid_request", "postal_code: five digits; gender: missing") == [
        "fielderror.postal_code",
        "fielderror.missing",
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_the_import_template_is_headed_in_the_page_language_that_the_import_reads(lang: str) -> None:
    lines = template_csv(lang).splitlines()
    assert len(lines) == 1  # no example row: it would be imported as a card
    headers = lines[0].split(";")
    assert [HEADER_ALIASES.get(normalise_header(h), normalise_header(h)) for h in headers] == list(COLUMNS)


@pytest.mark.parametrize(("typed", "accepted"), [("00100", True), ("3310", False), ("100", False), ("331000", False),
                                                 ("０0100", False), ("33 10", False)])  # fmt: skip
def test_a_postal_code_is_five_digits_never_padded(typed: str, accepted: bool) -> None:
    assert valid_postal_code(typed) is accepted


def test_an_identity_code_is_emptied_wherever_it_was_pasted() -> None:
    values, flagged = without_identity_codes({"postal_code": IDENTITY_CODE, "birth_year": "1980"})
    assert values == {"postal_code": "", "birth_year": "1980"}
    assert flagged == ["postal_code"]


def test_the_rejected_rows_file_has_the_header_and_only_the_rejected_rows() -> None:
    matrix = [["card_code", "postal_code"], ["E1", "00100"], ["E2", "3310"], ["E3", IDENTITY_CODE]]
    assert rejected_rows_csv(matrix, [3, 4]).splitlines() == ["card_code;postal_code", "E2;3310", "E3;"]


def _card(code: str, issued_on: date, status: str) -> Card:
    return Card.model_validate(
        {"card_code": code, "card_type": "community", "region_id": "R", "distributor_id": "D", "branch_id": None,
         "issued_on": issued_on, "valid_until": date(2027, 1, 1), "holder": None, "replaces_card_code": None,
         "status": status, "revoked_on": None, "revocation_reason": None}
    )  # fmt: skip


def test_the_card_list_is_newest_first_and_filtered_by_state_month_and_part_of_the_code() -> None:
    cards = [_card("E100", date(2026, 10, 3), "active"), _card("E200", date(2026, 11, 2), "revoked"),
             _card("X120", date(2026, 11, 5), "active")]  # fmt: skip
    assert [c.card_code for c in newest_first(cards)] == ["X120", "E200", "E100"]
    assert issue_months(cards) == ["2026-11", "2026-10"]
    assert [c.card_code for c in cards if CardFilter.read("active", "", "").keeps(c)] == ["E100", "X120"]
    assert [c.card_code for c in cards if CardFilter.read("", "2026-11", "").keeps(c)] == ["E200", "X120"]
    assert [c.card_code for c in cards if CardFilter.read("", "", " 12").keeps(c)] == ["X120"]
    assert CardFilter.read("nonsense", "marraskuu", "") == CardFilter()
    assert month_label("2026-11", "fi") == "marraskuu 2026"


def test_an_import_summary_adds_up_to_the_rows_statuses_and_a_skipped_row_says_why():
    answer = {"rows": [
        {"row": 2, "card_code": "E1", "status": "accepted"},
        {"row": 3, "card_code": "E2", "status": "already_recorded"},
        {"row": 4, "card_code": "E3", "status": "invalid", "reason": "invalid_request", "detail": "date: not a date"},
        {"row": 5, "status": "skipped", "detail": "total row"},
    ]}  # fmt: skip
    results = row_results(answer)
    assert (results["total"], results["accepted"], results["already_recorded"]) == (4, 2, 1)
    assert (results["rejected"], results["skipped"]) == (1, 1)
    assert results["rows"][3]["skip_key"] == "upload.skipped_total_row"
    assert translate("fi", "upload.skipped_total_row") != "upload.skipped_total_row"
