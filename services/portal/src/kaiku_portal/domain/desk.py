"""The distributor's desk (§4.2): the card list as the desk reads it, and the paper-form rows to fix.

Pure functions: the pages fetch, these choose and shape.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from kaiku_contracts.http.issuance import Card
from kaiku_contracts.identity_codes import contains_identity_code

from kaiku_portal.domain.formats import locale

CARD_STATES = ("active", "expired", "revoked")  # kaiku_contracts.http.issuance.Card.status
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
POSTAL_CODE = re.compile(r"^[0-9]{5}$")  # a Finnish postal code: five digits, never padded (§4.2, seed 000)


@dataclass(frozen=True, slots=True)
class CardFilter:
    """What the desk asked for: a state, an issue month (`YYYY-MM`), part of a code; empty means any."""

    state: str = ""
    month: str = ""
    code_part: str = ""

    @classmethod
    def read(cls, state: str, month: str, code_part: str) -> CardFilter:
        """The filter from the query, a value that cannot be one dropped (never an error page for a typo)."""
        wanted = re.sub(r"[^A-Z0-9-]", "", code_part.strip().upper())
        return cls(
            state if state in CARD_STATES else "",
            month if MONTH.fullmatch(month) else "",
            wanted,
        )

    def keeps(self, card: Card) -> bool:
        return (
            (not self.state or card.status == self.state)
            and (not self.month or card.issued_on.isoformat()[:7] == self.month)
            and (not self.code_part or self.code_part in card.card_code)
        )


def newest_first(cards: Iterable[Card]) -> list[Card]:
    """The latest granted on top (a card just granted is the one the desk looks for), then by code."""
    return sorted(cards, key=lambda card: (card.issued_on, card.card_code), reverse=True)


def issue_months(cards: Iterable[Card]) -> list[str]:
    """The months cards were granted in, newest first: the month filter's choices."""
    return sorted({card.issued_on.isoformat()[:7] for card in cards}, reverse=True)


def month_label(month: str, lang: str) -> str:
    """`2026-11` -> `marraskuu 2026` / `november 2026`: the month filter's choice in the page's language."""
    return format_date(date(int(month[:4]), int(month[5:7]), 1), "LLLL y", locale=locale(lang))


def valid_postal_code(text: str) -> bool:
    """Five digits exactly: `3310` is refused, not padded to `03310` (docs/rules.md, §4.2)."""
    return bool(POSTAL_CODE.fullmatch(text)) and text.isascii()


def without_identity_codes(values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The form's values with every field holding an identity code emptied, and those fields' names: such a
    value is never sent on, kept or shown back (§11)."""
    flagged = [name for name, value in values.items() if contains_identity_code(value)]
    return {name: ("" if name in flagged else value) for name, value in values.items()}, flagged


def rejected_rows_csv(matrix: Sequence[Sequence[str]], rejected: Iterable[int]) -> str:
    """The file's header row and its rejected rows (spreadsheet numbers, header = 1), to fix and send again.

    A cell holding an identity code is left empty: the download never carries one back (§11)."""
    wanted = set(rejected)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for number, cells in enumerate(matrix, start=1):
        if number == 1 or number in wanted:
            writer.writerow(["" if contains_identity_code(cell) else cell for cell in cells])
    return out.getvalue()
