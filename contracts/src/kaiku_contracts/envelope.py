"""The common envelope every event carries (docs/contract.md "Kafka")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

PATTERN_MEANINGS: dict[str, str] = {}
"""What each format pattern of the contracts means, in words (errors say this, not the regex)."""


def described(pattern: str, meaning: str) -> str:
    """A field's pattern, registered with what it means for the people who fill the field in."""
    PATTERN_MEANINGS[pattern] = meaning
    return pattern


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""RFC 3339 timestamp, normalised to UTC."""

CardCode = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().upper() if isinstance(v, str) else v),
    StringConstraints(min_length=1, max_length=20, pattern=described(r"^[A-Z0-9-]+$", "letters A-Z, digits and '-'")),
]
"""A card's code: 1-20 of A-Z, 0-9 and '-', stored upper-case (docs/contract.md CardIssued)."""

ID_PATTERN = described(r"^[A-Za-z0-9._:-]+$", "letters, digits and . _ : -")
EntityId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
"""Identifier of a region, distributor, venue, performance or agency."""


class Event(BaseModel):
    """Common fields. Consumers ignore unknown fields so producers may add optional ones."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: UUID = Field(default_factory=uuid4, description="Unique per event; consumers de-duplicate on it")
    event_type: str
    schema_version: int = Field(default=1, ge=1)
    occurred_at: UtcDatetime = Field(default_factory=_utc_now, description="When the fact happened (UTC)")

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()
