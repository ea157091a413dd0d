"""Events on `kaiku.cards.v1` (key = card code), produced by issuance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from kaiku_contracts.enums import CardType, Gender, LifeSituation, RevocationReason
from kaiku_contracts.envelope import CardCode, EntityId, Event, described

MAX_CHILDREN_UNDER_18 = 20
"""The most children and grandchildren under 18 a card may record (docs/contract.md CardIssued)."""

CODE_PREFIX_PATTERN = r"^[A-Z-]{0,12}$"
"""What a printed code range may put before the number (issuance's card ranges, e.g. `E`)."""

MotherTongue = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    StringConstraints(
        pattern=described(r"^([a-z]{2}|other)$", "a two-letter language code (ISO 639-1: fi, sv, ru, ...) or 'other'")
    ),
]
"""ISO 639-1 language code (two letters) or `other`."""

PostalCode = Annotated[str, StringConstraints(pattern=described(r"^[0-9]{5}$", "five digits (a Finnish postal code)"))]
"""A Finnish postal code: five digits."""


class HolderProfile(BaseModel):
    """The holder's anonymous background data (§4.2). Nothing that identifies a person (§11)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    birth_year: int = Field(ge=1900, le=2100)
    mother_tongue: MotherTongue
    gender: Gender
    postal_code: PostalCode
    life_situation: LifeSituation


class CardIssued(Event):
    event_type: Literal["CardIssued"] = "CardIssued"
    card_code: CardCode
    card_type: CardType
    region_id: EntityId
    distributor_id: EntityId
    branch_id: EntityId | None = Field(default=None, description="The distributor's branch, where given")
    issued_on: date
    valid_until: date
    holder: HolderProfile | None = Field(default=None, description="Personal cards only; null for community cards")
    replaces_card_code: CardCode | None = Field(
        default=None, description="A lost card this one replaces; the replacement keeps its holder"
    )
    children_under_18: int | None = Field(
        default=None,
        ge=0,
        le=MAX_CHILDREN_UNDER_18,
        description=(
            "Personal cards only: the number of the holder's own children and grandchildren under 18 written "
            "on the card (seed 000), where the distributor recorded it; caps the card's child tickets per performance"
        ),
    )


class CardRevoked(Event):
    event_type: Literal["CardRevoked"] = "CardRevoked"
    card_code: CardCode
    reason: RevocationReason
    revoked_on: date


CardEvent = Annotated[CardIssued | CardRevoked, Field(discriminator="event_type")]
