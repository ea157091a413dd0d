"""Finnish personal identity codes (henkilötunnus) are refused wherever they appear (§11, docs/contract.md).

The register never stores data that directly identifies a person (§11). An identity code typed into
a card code, an id, a file name or a free-text field would otherwise sit in tables and on topics
forever, so every edge asks this module, and only this module, whether a text holds one.

An identity code is `DDMMYY C ZZZ Q`: a date of birth, a century sign (`+` 1800s; `-` `Y` `X` `W` `V`
`U` 1900s; `A`-`F` 2000s), an individual number 002-899 (900-999 for temporary codes) and a check
character, `0123456789ABCDEFHJKLMNPRSTUVWXY`[DDMMYYZZZ mod 31]. Only a match whose date exists and
whose check character matches counts, so ordinary codes such as `E2251` or `10142` pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

CHECK_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_BY_SIGN: Mapping[str, int] = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}
_CANDIDATE = re.compile(r"(?=(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y]))", re.IGNORECASE)


def check_character(birth_date_digits: str, individual_number: str) -> str:
    """The check character of `DDMMYY` + `ZZZ` (the population register's modulo-31 rule)."""
    return CHECK_CHARACTERS[int(birth_date_digits + individual_number) % 31]


def _is_valid(day: str, month: str, year: str, sign: str, number: str, check: str) -> bool:
    try:
        date(CENTURY_BY_SIGN[sign.upper()] + int(year), int(month), int(day))
    except ValueError:
        return False
    if int(number) < 2:  # 000 and 001 are never given to anybody
        return False
    return check_character(day + month + year, number) == check.upper()


def _is_uuid(text: str) -> bool:
    """A canonical UUID is a random identifier, never somebody's code (and would match by chance)."""
    if len(text) != 36:
        return False
    try:
        return str(UUID(text)) == text.lower()
    except ValueError:
        return False


def contains_identity_code(text: str) -> bool:
    """True when `text` holds a Finnish personal identity code anywhere, in either letter case."""
    if len(text) < 11 or _is_uuid(text):
        return False
    return any(_is_valid(*match.groups()) for match in _CANDIDATE.finditer(text))


def is_identity_code(text: str) -> bool:
    """True when `text`, trimmed, is exactly one identity code."""
    stripped = text.strip()
    return len(stripped) == 11 and contains_identity_code(stripped)


def fields_with_identity_codes(value: Any, path: str = "") -> Iterator[str]:
    """The dotted path of every string (or key) in a JSON-like value that holds an identity code.

    Yields where, never what: callers name the field in their refusal and must not echo the value.
    """
    if isinstance(value, str):
        if contains_identity_code(value):
            yield path or "value"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and contains_identity_code(key):
                yield path or "body"
            yield from fields_with_identity_codes(item, where)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for index, item in enumerate(value):
            yield from fields_with_identity_codes(item, f"{path}.{index}" if path else str(index))


IDENTITY_CODE_REFUSAL = "looks like a personal identity code, which is never recorded (§11)"
"""What a refusal says about the field (its name goes before it; the value never appears)."""

__all__ = [
    "CHECK_CHARACTERS",
    "IDENTITY_CODE_REFUSAL",
    "check_character",
    "contains_identity_code",
    "fields_with_identity_codes",
    "is_identity_code",
]


OPAQUE_ID_SEPARATOR = "g"
"""Every sixth character of an `opaque_id`: not a digit, not a century sign."""


def opaque_id() -> str:
    """A random id the platform makes up itself (a request id, a box office's `redemption_id`): 32 characters,
    122 random bits, that can never hold an identity code, because every sixth character is `g` and a code
    starts with six digits (its date of birth). A bare hex uuid holds one now and then (hex has the century
    signs `A`-`F`), and the edge would then refuse the request that carries it. The portal's offline box
    office makes its ids the same way (static/offline/box_office.js `newId`)."""
    raw = uuid4().hex
    return "".join(OPAQUE_ID_SEPARATOR if i % 6 == 5 else c for i, c in enumerate(raw))
