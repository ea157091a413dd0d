"""Contract tests: the committed JSON Schemas match the models, and no change breaks old consumers."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from kaiku_contracts import CardIssued, HolderProfile, TicketRedeemed
from kaiku_contracts.compat import breaking_changes
from kaiku_contracts.schemas import EVENT_MODELS, SCHEMA_DIR, generate, render
from pydantic import ValidationError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: m.__name__)
def test_current_model_is_compatible_with_committed_schema(model: type) -> None:
    committed = json.loads((SCHEMA_DIR / f"{model.__name__}.json").read_text())
    current = generate()[model.__name__]
    assert breaking_changes(committed, current) == []


def test_committed_schemas_are_up_to_date() -> None:
    for name, schema in generate().items():
        assert (SCHEMA_DIR / f"{name}.json").read_text() == render(schema), f"run `make schemas` for {name}"


def _card_issued_schema() -> dict:
    return copy.deepcopy(generate()["CardIssued"])


def test_removed_field_is_breaking() -> None:
    new = _card_issued_schema()
    del new["properties"]["valid_until"]
    assert breaking_changes(_card_issued_schema(), new) == ["valid_until: field removed or renamed"]


def test_new_required_field_is_breaking() -> None:
    new = _card_issued_schema()
    new["properties"]["municipality"] = {"type": "string"}
    new["required"].append("municipality")
    assert breaking_changes(_card_issued_schema(), new) == ["municipality: new required field"]


def test_narrowed_enum_is_breaking() -> None:
    old = generate()["TicketRedeemed"]
    new = copy.deepcopy(old)
    new["$defs"]["Channel"]["enum"].remove("phone")
    assert breaking_changes(old, new) == ["channel: type narrowed or changed"]


def test_changed_type_is_breaking() -> None:
    new = _card_issued_schema()
    new["properties"]["region_id"] = {"type": "integer"}
    assert breaking_changes(_card_issued_schema(), new) == ["region_id: type narrowed or changed"]


def test_new_optional_field_and_widened_enum_are_compatible() -> None:
    old = generate()["TicketRedeemed"]
    new = copy.deepcopy(old)
    new["properties"]["seat"] = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    new["$defs"]["Channel"]["enum"].append("kiosk")
    assert breaking_changes(old, new) == []


def test_card_code_is_normalised_upper_case() -> None:
    event = CardIssued(
        card_code=" e1234 ",
        card_type="personal",
        region_id="R1",
        distributor_id="D1",
        issued_on=date(2026, 1, 5),
        valid_until=date(2027, 1, 5),
        holder=HolderProfile(
            birth_year=1970,
            mother_tongue="FI",
            gender="female",
            postal_code="00100",
            life_situation="pensioner",
        ),
    )
    assert event.card_code == "E1234"
    assert event.holder is not None
    assert event.holder.mother_tongue == "fi"


def test_holder_profile_refuses_personal_fields() -> None:
    with pytest.raises(ValidationError):
        HolderProfile.model_validate(
            {
                "birth_year": 1970,
                "mother_tongue": "fi",
                "gender": "male",
                "postal_code": "00100",
                "life_situation": "student",
                "name": "x",
            }
        )


def test_event_roundtrips_through_json() -> None:
    raw = {
        "redemption_id": "r-1",
        "card_code": "E2251",
        "card_type": "personal",
        "venue_id": "V1",
        "region_id": "R1",
        "performance_id": "P1",
        "performance_name": "Trollkarlen Matti",
        "starts_at": "2020-02-03T18:00:00+02:00",
        "kind": "ticket",
        "adult_tickets": 1,
        "child_tickets": 2,
        "channel": "box_office",
    }
    event = TicketRedeemed.model_validate(raw)
    again = TicketRedeemed.model_validate_json(event.to_json_bytes())
    assert again == event
    assert again.starts_at.utcoffset() is not None
    assert again.starts_at.hour == 16


BEFORE_CHILDREN = Path(__file__).with_name("CardIssued.v1-before-children.json")
"""`CardIssued` as schema_version 1 consumers were written against it, before `children_under_18`."""


def test_children_under_18_keeps_schema_version_1_consumers_working() -> None:
    assert breaking_changes(json.loads(BEFORE_CHILDREN.read_text()), generate()["CardIssued"]) == []
    new_event = CardIssued(
        card_code="E1",
        card_type="personal",
        region_id="R1",
        distributor_id="D1",
        issued_on=date(2026, 1, 5),
        valid_until=date(2027, 1, 5),
        holder=HolderProfile(
            birth_year=1970, mother_tongue="fi", gender="female", postal_code="00100", life_situation="pensioner"
        ),
        children_under_18=3,
    )
    assert new_event.schema_version == 1
    # an old message (no field) still reads, as unknown; a new one reads the same in an old-style reader
    old_message = new_event.model_dump(mode="json")
    del old_message["children_under_18"]
    assert CardIssued.model_validate(old_message).children_under_18 is None
    # a consumer that validates against the old schema accepts the new message (the field is extra to it)
    jsonschema.validate(new_event.model_dump(mode="json"), json.loads(BEFORE_CHILDREN.read_text()))


def test_children_under_18_is_bounded() -> None:
    base = {
        "card_code": "E1",
        "card_type": "personal",
        "region_id": "R1",
        "distributor_id": "D1",
        "issued_on": "2026-01-05",
        "valid_until": "2027-01-05",
    }
    with pytest.raises(ValidationError):
        CardIssued.model_validate({**base, "children_under_18": 21})
    with pytest.raises(ValidationError):
        CardIssued.model_validate({**base, "children_under_18": -1})
