"""When a card stops being valid, and who may hold one (§2, §3, §4.2)."""

from __future__ import annotations

import calendar
from datetime import date

CARD_VALIDITY_MONTHS = 12  # §2: valid twelve months from the day it was granted
MINIMUM_HOLDER_AGE = 16  # §3: the age limit for a card


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def card_valid_until(issued_on: date, trial_ends_on: date | None) -> date:
    """Twelve months from the issue date, or the region's trial end if that comes first (§2, §4.2).

    A region made permanent has no trial end (or a later one), so cards granted afterwards get the
    full twelve months; cards already granted keep the date written on them.
    """
    twelve_months = add_months(issued_on, CARD_VALIDITY_MONTHS)
    if trial_ends_on is not None and trial_ends_on < twelve_months:
        return trial_ends_on
    return twelve_months


def old_enough(birth_year: int, issue_year: int) -> bool:
    """The holder turns at least 16 in the issue year (§3; docs/contract.md CardIssued.holder.birth_year)."""
    return issue_year - birth_year >= MINIMUM_HOLDER_AGE


def trial_over(issued_on: date, trial_ends_on: date | None) -> bool:
    """A card granted after the region's trial ended would expire before it was granted (seed 002: a trial
    has an end date, after which the region continues only when made permanent)."""
    return trial_ends_on is not None and issued_on > trial_ends_on
