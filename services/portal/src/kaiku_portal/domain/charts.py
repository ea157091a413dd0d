"""Bar charts drawn from figures on the server: each bar is a table row, so a screen reader reads numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kaiku_contracts.http.stats import AnnualReportRow


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int | float | None  # None: suppressed cell (1–4 people, docs/contract.md) or not known
    percent: float  # width of the bar, 0–100, relative to the largest value


def bars(values: dict[str, Any] | list[tuple[str, Any]] | None) -> list[Bar]:
    pairs = list(values.items()) if isinstance(values, dict) else list(values or [])
    numbers = [v for _, v in pairs if isinstance(v, int | float)]
    top = max(numbers, default=0) or 1
    return [
        Bar(
            str(label),
            value if isinstance(value, int | float) else None,
            100.0 * value / top if isinstance(value, int | float) else 0.0,
        )
        for label, value in pairs
    ]


def monthly(rows: Iterable[AnnualReportRow], column: str) -> list[Bar]:
    """One bar per month of the annual report (`YYYY-MM` rows; the year's total row is left out)."""
    return bars([(row.period, getattr(row, column)) for row in rows if len(row.period) == len("YYYY-MM")])


def usage_rates(regions: Iterable[dict[str, Any]]) -> list[Bar]:
    """Each region's usage rate as a percentage (the regions side by side: the national dashboard, the public page)."""
    return bars(
        [(row["name"], round(100 * row["usage_rate"], 1) if row["usage_rate"] is not None else None) for row in regions]
    )
