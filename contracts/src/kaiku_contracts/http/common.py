"""Field types and bodies every service's HTTP API shares (docs/contract.md "Errors and rejection reasons")."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

from kaiku_contracts.envelope import CardCode, EntityId

__all__ = ["CardCode", "EntityId", "ErrorBody", "Name", "Strict", "is_card_code", "is_entity_id"]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A region's, distributor's, branch's or venue's name."""


class Strict(BaseModel):
    """A request body: unknown fields are refused, so no personal data slips through (docs/rules.md §11)."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    reason: str
    detail: str


_ENTITY_ID: TypeAdapter[str] = TypeAdapter(EntityId)
_CARD_CODE: TypeAdapter[str] = TypeAdapter(CardCode)


def is_entity_id(value: str) -> bool:
    """Whether the APIs accept `value` as a region, distributor, venue, performance or agency id."""
    try:
        _ENTITY_ID.validate_python(value)
    except ValidationError:
        return False
    return True


def is_card_code(value: str) -> bool:
    """Whether the APIs accept `value` as a card code (as typed: any case, surrounding spaces)."""
    try:
        _CARD_CODE.validate_python(value)
    except ValidationError:
        return False
    return True
