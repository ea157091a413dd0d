"""Stats' answers the portal reads (docs/contract.md "HTTP endpoints")."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kaiku_contracts.enums import Channel
from kaiku_contracts.stats import Period


class AnnualReportRow(BaseModel):
    """One row of the annual report; the fields are the CSV's columns, in its order (docs/contract.md)."""

    period: Period = Field(description="`YYYY-MM` for a month, `YYYY` for the year's total row")
    cards_issued: int
    cards_active: int
    redemptions: int
    adult_tickets: int
    child_tickets: int
    course_places: int
    distinct_cards_used: int
    usage_rate: float | None = Field(description="distinct_cards_used / cards_active; null when no card is active")


class AnnualReport(BaseModel):
    """`GET /v1/reports/annual?format=json`: the CSV's rows, months first, the total row last."""

    region_id: str | None = Field(description="null: the whole country")
    year: int
    rows: list[AnnualReportRow]


ANNUAL_REPORT_COLUMNS: tuple[str, ...] = tuple(AnnualReportRow.model_fields)
"""The annual report's CSV columns, in order: the JSON row's fields."""


OPEN_DATA_LICENCE = "CC BY 4.0"
OPEN_DATA_LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"

PublishedBreakdown = dict[str, int | None]
"""Counts per group; `null` where the cell is suppressed (primary or secondary suppression, docs/stats.md)."""


class OpenFigures(BaseModel):
    """`GET /v1/open/national` and `GET /v1/open/regions/{region_id}` as JSON: the open data (seed 001
    "Tilastot-sivu"), CC BY 4.0. The figures the national office publishes for the scope and period, never
    more: counts of uses and cards exact, holder breakdowns protected over every published table. The
    committed JSON Schema (contracts/schemas/open-data/OpenFigures.json) is what a newspaper's script reads."""

    model_config = ConfigDict(extra="forbid")

    period: Period = Field(description="`YYYY` or `YYYY-MM` (Europe/Helsinki); each period has its own stable URL")
    scope: Literal["national", "region"]
    region_id: str | None = Field(default=None, description="the region (scope `region`); absent for the country")
    cards_issued: int = Field(ge=0)
    cards_active: int = Field(ge=0, description="valid at the end of the period or today, whichever is earlier")
    redemptions: int = Field(ge=0, description="uses; cancelled uses do not count")
    adult_tickets: int = Field(ge=0)
    child_tickets: int = Field(ge=0)
    course_places: int = Field(ge=0)
    distinct_cards_used: int = Field(ge=0)
    usage_rate: float | None = Field(description="distinct_cards_used / cards_active; null when no card is active")
    uses_of_cards_from_other_regions: int | None = Field(ge=0, description="uses of cards issued in another region")
    redemptions_by_venue_category: PublishedBreakdown
    holders_by_age_group: PublishedBreakdown | None = Field(description="null: not published for this scope")
    holders_by_gender: PublishedBreakdown | None = Field(description="null: not published for this scope")
    holders_by_mother_tongue: PublishedBreakdown | None = Field(description="null: not published for this scope")
    holders_by_life_situation: PublishedBreakdown | None = Field(description="null: not published for this scope")
    holders_by_postal_code_area: PublishedBreakdown | None = Field(
        description="areas with fewer holders than the threshold are gathered in `other`; null: not published"
    )
    suppressed: Literal[True] = Field(description="always true: the holder breakdowns are protected")
    suppression_threshold: int = Field(ge=1, description="a published holder cell is 0 or at least this")
    licence: str = Field(description=f"`{OPEN_DATA_LICENCE}`")
    licence_url: str = Field(description=f"`{OPEN_DATA_LICENCE_URL}`")
    attribution: str = Field(description="how to credit the source")


class OpenRegionFigures(BaseModel):
    """One region's main figures in the open comparison: the same counts its own open-data answer carries."""

    model_config = ConfigDict(extra="forbid")

    region_id: str
    cards_issued: int = Field(ge=0)
    cards_active: int = Field(ge=0)
    redemptions: int = Field(ge=0, description="uses at the region's venues; cancelled uses do not count")
    distinct_cards_used: int = Field(ge=0)
    usage_rate: float | None = Field(description="distinct_cards_used / cards_active; null when no card is active")


class OpenRegions(BaseModel):
    """`GET /v1/open/regions` as JSON: every region's main figures of a period side by side, for comparing
    regions (seed 001 "Tilastot-sivu"), CC BY 4.0. Only counts each region's own open-data answer publishes
    exactly (no holder breakdown), so the comparison reveals nothing the per-region answers do not."""

    model_config = ConfigDict(extra="forbid")

    period: Period = Field(description="`YYYY` or `YYYY-MM` (Europe/Helsinki)")
    regions: list[OpenRegionFigures] = Field(description="regions with any card or use, by region id")
    licence: str = Field(description=f"`{OPEN_DATA_LICENCE}`")
    licence_url: str = Field(description=f"`{OPEN_DATA_LICENCE_URL}`")
    attribution: str = Field(description="how to credit the source")


OPEN_COMPARED: tuple[str, ...] = tuple(name for name in OpenRegionFigures.model_fields if name != "region_id")
"""The figures set side by side per region (the open comparison and the national dashboard)."""


OPEN_DATA_CSV_COLUMNS: tuple[str, ...] = ("period", "scope", "region_id", "figure", "group", "value")
"""`format=csv`: the same figures in long form, one row per figure and group, `value` empty where a cell is
suppressed; the last row is the licence. The columns never change, so a script keeps working as figures are
added."""


class RegionUse(BaseModel):
    """One use of a card at a region's venue, for the coordinator's list (§9.3; `GET /v1/uses`)."""

    redemption_id: str
    card_code: str
    venue_id: str
    performance_id: str
    performance_name: str
    starts_at: datetime | None = Field(
        description="the performance's start (null only for uses projected before it was kept)"
    )
    adult_tickets: int
    child_tickets: int
    channel: Channel


class RegionUses(BaseModel):
    """`GET /v1/uses?region_id=...`: the newest uses first, at most `limit` of `total` matching."""

    region_id: str
    total: int = Field(ge=0, description="how many uses match the filters (the list may be shorter)")
    uses: list[RegionUse]


class VenueUseCount(BaseModel):
    venue_id: str
    uses: int = Field(ge=0)


class VenueUseCounts(BaseModel):
    """`GET /v1/uses/venues?region_id=&period=`: the region's venues with uses in the period (§9.3: a venue
    absent here has not reported, or recorded, any use for it)."""

    region_id: str
    period: Period
    venues: list[VenueUseCount]
