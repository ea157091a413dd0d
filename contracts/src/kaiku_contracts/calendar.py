"""Dates are Helsinki dates (docs/contract.md "Definitions"): the one definition every service and test uses.

A card valid until 3.2. works all of that day in Finland; a card granted at 00:30 on 1.3. in Finland is a
1.3. card; a performance at 23:30 UTC on 31.1. belongs to February.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def helsinki_date(moment: datetime) -> date:
    """The Finnish calendar day of an instant."""
    return moment.astimezone(HELSINKI).date()


def helsinki_today(now: datetime | None = None) -> date:
    """Today's date in Finland (the clock is read at the edge; the rules take the date)."""
    return helsinki_date(now or datetime.now(HELSINKI))
