"""The misuse watch's findings on `kaiku.flags.v1` (docs/contract.md "FlagRaised"), keyed by region id."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from kaiku_contracts.envelope import CardCode, EntityId, Event


class FlagRule(StrEnum):
    CARD_USED_AT_OVERLAPPING_PERFORMANCES = "card_used_at_overlapping_performances"
    MANY_USES_IN_A_WEEK = "many_uses_in_a_week"
    USE_OF_CARD_NOT_VALID_THEN = "use_of_card_not_valid_then"
    LIMIT_EXCEEDED_BY_PAPER_FORMS = "limit_exceeded_by_paper_forms"


class FlagRaised(Event):
    event_type: Literal["FlagRaised"] = "FlagRaised"
    flag_id: str = Field(
        min_length=1, max_length=100, description="Stable for the same finding (a rebuild raises it again)"
    )
    rule: FlagRule
    region_id: EntityId = Field(description="The region that should look: the venue's")
    card_code: CardCode | None = None
    redemption_ids: list[str] = Field(description="The uses behind the finding")
    detail: str = Field(description="What was found, in words")
