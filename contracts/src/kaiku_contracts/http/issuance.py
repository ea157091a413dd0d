"""Issuance's HTTP request and answer bodies (docs/contract.md). Requests forbid unknown fields: a name,
identity code, address, phone or birth date is refused at the edge, never stored or echoed (§11)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from kaiku_contracts.cards import CODE_PREFIX_PATTERN, MAX_CHILDREN_UNDER_18, HolderProfile
from kaiku_contracts.enums import CardType, RejectionReason, RevocationReason
from kaiku_contracts.http.common import CardCode, EntityId, ErrorBody, Name, Strict

__all__ = [
    "BranchIn", "BranchName", "Card", "CardIn", "Cards", "CodeRange", "CodeRangeIn", "CodeRanges", "Distributor",
    "DistributorIn", "DistributorPatch", "Distributors", "ErrorBody", "HolderOut", "ImportReport", "ImportRow",
    "IssuedCard", "Region", "RegionIn", "RegionPatch", "Regions", "RevocationIn",
]  # fmt: skip


class RegionIn(Strict):
    region_id: EntityId
    name: Name
    trial_ends_on: date | None = Field(default=None, description="Last day of the trial; none: permanent")


class RegionPatch(Strict):
    name: Name | None = None
    trial_ends_on: date | None = Field(
        default=None,
        description="Move the trial's end, or `null` to make the region permanent. Cards granted afterwards get"
        " twelve months (or until the new end); cards already granted keep their date.",
    )


class Region(BaseModel):
    region_id: str
    name: str
    trial_ends_on: date | None


class Regions(BaseModel):
    regions: list[Region]


class BranchIn(Strict):
    branch_id: EntityId
    name: Name


class BranchName(Strict):
    name: Name


class DistributorIn(Strict):
    distributor_id: EntityId
    region_id: EntityId
    name: Name
    branches: list[BranchIn] = Field(default_factory=list, description="Offices whose statistics are kept apart")


class DistributorPatch(Strict):
    name: Name | None = None


class Distributor(BaseModel):
    distributor_id: str
    region_id: str
    name: str
    branches: list[BranchIn]


class Distributors(BaseModel):
    distributors: list[Distributor]


class CardIn(Strict):
    card_code: CardCode = Field(description="The code printed on the card; stored upper-case", examples=["E1234"])
    card_type: CardType
    distributor_id: EntityId
    branch_id: EntityId | None = Field(default=None, description="A registered branch of the distributor")
    issued_on: date | None = Field(
        default=None, description="Default today (Helsinki); a past date for a late paper form, never the future"
    )
    holder: HolderProfile | None = Field(default=None, description="Personal cards only: anonymous background data")
    replaces_card_code: CardCode | None = Field(
        default=None, description="A lost card of the same distributor this one replaces; it is revoked (`lost`)"
    )
    children_under_18: int | None = Field(
        default=None,
        ge=0,
        le=MAX_CHILDREN_UNDER_18,
        description="Personal cards: the number of the holder's own children and grandchildren under 18 (seed 000)",
    )


class HolderOut(BaseModel):
    birth_year: int
    mother_tongue: str
    gender: str
    postal_code: str
    life_situation: str


class IssuedCard(BaseModel):
    """The answer to `POST /v1/cards` (and to every retry of it): the card as CardIssued tells it."""

    card_code: str
    card_type: CardType
    region_id: str
    distributor_id: str
    branch_id: str | None
    issued_on: date
    valid_until: date
    holder: HolderOut | None
    replaces_card_code: str | None
    children_under_18: int | None = None


class Card(IssuedCard):
    status: Literal["active", "expired", "revoked"]
    revoked_on: date | None
    revocation_reason: RevocationReason | None


class Cards(BaseModel):
    cards: list[Card]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last page")


class RevocationIn(Strict):
    reason: RevocationReason
    revoked_on: date | None = Field(default=None, description="Default today; may be in the past, not the future")


class CodeRangeIn(Strict):
    prefix: Annotated[
        str,
        BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
        StringConstraints(pattern=CODE_PREFIX_PATTERN),
    ] = Field(default="", description="Letters (or '-') before the number, e.g. `E`; empty for plain numbers")
    first: int = Field(ge=0, description="First number printed")
    last: int = Field(ge=0, description="Last number printed")
    digits: int | None = Field(default=None, ge=1, le=20, description="Zero-padded width, e.g. 4 for E0001")


class CodeRange(BaseModel):
    range_id: int
    region_id: str
    prefix: str
    first: int
    last: int
    digits: int | None
    label: str
    size: int


class CodeRanges(BaseModel):
    ranges: list[CodeRange]


class ImportRow(BaseModel):
    row: int = Field(description="The row number as the spreadsheet shows it (header = 1)")
    card_code: str | None
    status: Literal["accepted", "already_recorded", "rejected"] = Field(
        description="`accepted`: recorded now (in a dry run: would be); `already_recorded`: the same card was"
        " recorded before, nothing recorded twice; `rejected`: see `reason` and `detail`"
    )
    reason: RejectionReason | None = None
    detail: str | None = None


class ImportReport(BaseModel):
    distributor_id: str
    dry_run: bool = Field(description="True: the rows were judged, nothing was recorded")
    total: int
    accepted: int
    already_recorded: int
    rejected: int
    rows: list[ImportRow]
