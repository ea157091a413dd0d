"""The upcaster hook of `BatchConsumer`'s decoding, without a database or a broker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from kaiku_contracts.cards import CardEvent, CardRevoked
from kaiku_contracts.topics import Topics
from kaiku_runtime.consumer import Upcasting, _decode, contract_field_names
from pydantic import TypeAdapter

pytestmark = pytest.mark.unit
ADAPTER: TypeAdapter[Any] = TypeAdapter(CardEvent)
KNOWN = contract_field_names(ADAPTER)


def v0_to_v1(document: dict[str, Any]) -> dict[str, Any]:
    """Version 0 called the card code `card`."""
    upcast = {k: v for k, v in document.items() if k != "card"}
    return {**upcast, "card_code": document["card"]}


def v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "reason": document["reason"]}


def revoked(version: int | None, **fields: Any) -> ConsumerRecord[bytes, bytes]:
    document: dict[str, Any] = {
        "event_id": "6f1c1b7e-7d2c-4a53-9d0a-2f4f1a0c3b11",
        "event_type": "CardRevoked",
        "occurred_at": "2026-03-01T10:00:00Z",
        "reason": "lost",
        "revoked_on": "2026-01-02",
        **fields,
    }
    if version is not None:
        document["schema_version"] = version
    value = json.dumps(document).encode()
    return ConsumerRecord(Topics.CARDS, 0, 1, 0, 0, b"K", value, None, 1, len(value), [])


def decode(record: ConsumerRecord[bytes, bytes], upcasting: Upcasting | None) -> tuple[Any, Any]:
    return _decode(record, ADAPTER, KNOWN, upcasting)


def test_an_old_document_is_upcast_before_validation() -> None:
    event, refused = decode(revoked(0, card="OLD-1"), Upcasting.of({0: v0_to_v1}))
    assert refused is None
    assert isinstance(event, CardRevoked)
    assert (event.card_code, event.schema_version) == ("OLD-1", 1)


def test_upcasters_chain_until_the_current_version() -> None:
    upcasting = Upcasting.of({0: v0_to_v1, 1: v1_to_v2})
    assert upcasting.current == 2
    upcast, why = upcasting.upcast(json.loads(revoked(0, card="OLD-2").value or b""))
    assert why is None
    assert upcast["card_code"] == "OLD-2"
    assert upcast["schema_version"] == 2


def test_the_current_version_and_a_missing_one_are_validated_as_they_come() -> None:
    upcasting = Upcasting.of({0: v0_to_v1})
    event, refused = decode(revoked(1, card_code="NOW-1"), upcasting)
    assert refused is None
    assert event.card_code == "NOW-1"
    event, refused = decode(revoked(None, card_code="NOW-2"), upcasting)  # the contract's default: 1
    assert refused is None
    assert event.card_code == "NOW-2"


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (2, "schema_version 2 is newer than this consumer reads (1)"),
        (-1, "schema_version -1 is older than this consumer can upcast"),
        ("1", "schema: `schema_version` is not an integer"),
    ],
)
def test_a_version_the_consumer_cannot_read_is_refused_with_the_reason(version: Any, reason: str) -> None:
    event, refused = decode(revoked(version, card_code="NEW-1"), Upcasting.of({0: v0_to_v1}))
    assert event is None
    assert refused.reason == reason
    assert json.loads(refused.kept_value)["card_code"] == "NEW-1"  # kept for inspection, like a schema error


def test_an_upcaster_that_raises_refuses_only_that_message() -> None:
    event, refused = decode(revoked(0), Upcasting.of({0: v0_to_v1}))  # no `card`: the upcaster raises
    assert event is None
    assert refused.reason == "upcast from schema_version 0 failed: KeyError"


def test_without_upcasters_nothing_changes() -> None:
    event, refused = decode(revoked(2, card_code="ANY-1"), None)
    assert refused is None
    assert event.schema_version == 2
