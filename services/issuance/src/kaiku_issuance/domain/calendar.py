"""Dates are Helsinki dates (INTERFACE.md "Definitions"): a card granted at 00:30 on 1.3. in Finland is a 1.3. card."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_today(now: datetime | None = None) -> date:
    """Today's date in Finland (the clock is read by the caller's edge, the rules take the date)."""
    return (now or datetime.now(HELSINKI)).astimezone(HELSINKI).date()
