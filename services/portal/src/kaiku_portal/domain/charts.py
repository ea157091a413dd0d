"""Bar charts drawn from figures on the server: each bar is a table row, so a screen reader reads numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any


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


def annual_rows(report_csv: bytes) -> list[dict[str, str]]:
    """The annual report's CSV (header row, one row per month, a total row) as dicts."""
    text = report_csv.decode("utf-8-sig")
    sample = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if sample.count(";") > sample.count(",") else ",")
    return [dict(row) for row in reader]


def monthly(rows: list[dict[str, str]], column: str) -> list[Bar]:
    """One bar per month (`YYYY-MM` rows; the year's total row is left out)."""
    pairs: list[tuple[str, Any]] = []
    for row in rows:
        period = row.get("period", "")
        if len(period) == 7:
            raw = (row.get(column) or "").strip()
            try:
                value: float | None = float(raw)
            except ValueError:
                value = None
            pairs.append((period, int(value) if value is not None and value.is_integer() else value))
    return bars(pairs)
