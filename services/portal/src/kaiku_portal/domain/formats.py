"""How dates, numbers and periods are shown and read back: CLDR's conventions for the page's language
as written in Finland (fi_FI, sv_FI, en_FI), so English pages keep Finnish decimal commas."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, parse_pattern
from kaiku_contracts.calendar import HELSINKI, helsinki_today  # docs/contract.md: dates are Helsinki dates

PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


@cache
def locale(lang: str) -> Locale:
    """The language as used in Finland; the bare language where CLDR has no Finnish variant."""
    try:
        return Locale.parse(f"{lang}_FI")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(lang)


def show_date(value: date | str | None, lang: str = "fi") -> str:
    """`2027-11-22` -> `22.11.2027` in Finnish and Swedish (the way the date is written on the card)."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return format_date(day, "short", locale=locale(lang))


def show_datetime(value: datetime | str | None, lang: str = "fi") -> str:
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(HELSINKI) if moment.tzinfo is not None else moment
    return format_datetime(local.replace(tzinfo=None), "short", locale=locale(lang))


def show_number(value: int | float | None, lang: str = "fi") -> str:
    """`12345` -> `12 345` (a no-break space groups the thousands in all three languages as used in Finland)."""
    return "–" if value is None else format_decimal(value, locale=locale(lang))


def local_datetime(value: str) -> datetime | None:
    """A `datetime-local` input (Helsinki wall clock) as an aware timestamp; None when unreadable."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=HELSINKI)


def valid_period(value: str) -> bool:
    return bool(PERIOD.fullmatch(value))


def asked_period(value: str) -> str | None:
    """The period a statistics page was asked for: empty means this year; None means refused (a month
    written in words, `2026-3`, `26`...) so the page can say which forms it reads, instead of quietly
    showing another period than the one typed."""
    value = value.strip()
    if value == "":
        return str(current_year())
    return value if valid_period(value) else None


def current_year() -> int:
    return helsinki_today().year


def show_rate(value: float | None, lang: str = "fi") -> str:
    """`0.1234` -> `12,3 %`: the language's percent pattern with one decimal."""
    if value is None:
        return "–"
    pattern = copy.copy(parse_pattern(locale(lang).percent_formats[None].pattern))
    pattern.frac_prec = (1, 1)
    shown: str = pattern.apply(value, locale(lang))
    return shown


def optional_int(value: str | None) -> int | None:
    """A number field that may be left empty; raises ValueError on anything else."""
    if value is None or value.strip() == "":
        return None
    return int(value.strip())
