"""Stats' answers the portal reads (docs/contract.md "HTTP endpoints")."""

from __future__ import annotations

from pydantic import BaseModel, Field

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
