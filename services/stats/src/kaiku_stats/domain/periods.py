"""Periods of the statistics: `YYYY` and `YYYY-MM` in Europe/Helsinki time (docs/contract.md "Definitions")."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from kaiku_contracts.calendar import helsinki_date


def periods_of_day(day: date) -> tuple[str, str]:
    """The year and the month a day belongs to."""
    return f"{day.year:04d}", f"{day.year:04d}-{day.month:02d}"


def periods_of_instant(moment: datetime) -> tuple[str, str]:
    """The year and month of an instant, in Helsinki time (a performance at 23:30 UTC on 31.1. is in February)."""
    return periods_of_day(helsinki_date(moment))


def month_of_day(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_of_instant(moment: datetime) -> str:
    return month_of_day(helsinki_date(moment))


@dataclass(frozen=True, slots=True)
class PeriodRange:
    """A period as the months and days it covers."""

    period: str
    first_month: str
    last_month: str
    first_day: date
    last_day: date

    @property
    def is_year(self) -> bool:
        return len(self.period) == 4

    @property
    def year(self) -> int:
        return int(self.period[:4])

    def reference_day(self, today: date) -> date:
        """The day `cards_active` is counted on: the period's last day, or today if that is earlier."""
        return min(self.last_day, today)


def period_range(period: str) -> PeriodRange:
    year = int(period[:4])
    if len(period) == 4:
        return PeriodRange(period, f"{year:04d}-01", f"{year:04d}-12", date(year, 1, 1), date(year, 12, 31))
    month = int(period[5:7])
    last = calendar.monthrange(year, month)[1]
    return PeriodRange(period, period, period, date(year, month, 1), date(year, month, last))


def months_of_year(year: int) -> list[str]:
    return [f"{year:04d}-{m:02d}" for m in range(1, 13)]


def periods_between(first: date, last: date) -> list[str]:
    """Every month and year from `first`'s month to `last`'s month (empty when `last` < `first`)."""
    if last < first:
        return []
    out: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        if not out or month == 1:
            out.append(f"{year:04d}")
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out
