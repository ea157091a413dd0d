"""Dates are Helsinki dates (INTERFACE.md "Definitions"): a card valid until 3.2. works all of that day in Finland."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_date(moment: datetime) -> date:
    return moment.astimezone(HELSINKI).date()
