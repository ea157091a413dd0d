"""How dates, numbers and periods are shown and read back (Finnish conventions in all three languages)."""

from __future__ import annotations

import re
from datetime import date, datetime

from kaiku_contracts.calendar import HELSINKI, helsinki_today  # docs/contract.md: dates are Helsinki dates

PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


def show_date(value: date | str | None) -> str:
    """`2027-11-22` -> `22.11.2027`, the way the date is written on the card."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return f"{day.day}.{day.month}.{day.year}"


def show_datetime(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(HELSINKI) if moment.tzinfo is not None else moment
    return f"{local.day}.{local.month}.{local.year} {local.hour}:{local.minute:02d}"


def local_datetime(value: str) -> datetime | None:
    """A `datetime-local` input (Helsinki wall clock) as an aware timestamp; None when unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HELSINKI)


def valid_period(value: str) -> bool:
    return bool(PERIOD.fullmatch(value))


def current_year() -> int:
    return helsinki_today().year


def show_rate(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f} %".replace(".", ",")


def optional_int(value: str | None) -> int | None:
    """A number field that may be left empty; raises ValueError on anything else."""
    if value is None or value.strip() == "":
        return None
    return int(value.strip())
