"""Aggregate snapshots on `kaiku.stats.regional.v1` and `kaiku.stats.national.v1` (compacted)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from kaiku_contracts.envelope import EntityId, Event, described

Period = Annotated[
    str, StringConstraints(pattern=described(r"^[0-9]{4}(-(0[1-9]|1[0-2]))?$", "a year YYYY or a month YYYY-MM"))
]
"""`YYYY` or `YYYY-MM`, in Europe/Helsinki time."""

Breakdown = dict[str, int | None]
"""Counts per group; `null` where the cell is suppressed (primary or secondary suppression)."""


class StatsSnapshot(Event):
    period: Period
    cards_issued: int = Field(ge=0)
    cards_active: int = Field(ge=0, description="Valid at the end of the period or today, whichever is earlier")
    redemptions: int = Field(ge=0)
    adult_tickets: int = Field(ge=0)
    child_tickets: int = Field(ge=0)
    course_places: int = Field(ge=0)
    distinct_cards_used: int = Field(ge=0)
    usage_rate: float | None = Field(description="distinct_cards_used / cards_active; null when no card is active")
    holders_by_age_group: Breakdown
    holders_by_gender: Breakdown
    holders_by_mother_tongue: Breakdown
    holders_by_life_situation: Breakdown
    redemptions_by_venue_category: Breakdown
    uses_of_cards_from_other_regions: int | None = Field(
        default=None, ge=0, description="Uses (counted like `redemptions`) of cards issued in another region"
    )
    holders_by_postal_code_area: Breakdown | None = Field(
        default=None, description="Holders by postal-code area; areas with fewer than k holders are gathered in `other`"
    )


class RegionalStatsUpdated(StatsSnapshot):
    event_type: Literal["RegionalStatsUpdated"] = "RegionalStatsUpdated"
    region_id: EntityId


class NationalStatsUpdated(StatsSnapshot):
    event_type: Literal["NationalStatsUpdated"] = "NationalStatsUpdated"
