"""The venue's usage report (§9.2): one row per card, entered into the register afterwards.

  | card code | adult tickets | child tickets | performance | date |
  | E2251     | 1             | 2             | Trollkarlen Matti | 3.2.2020 |

An optional `kind` column names the performance's kind (`performance` by default; `course`, `day_ticket`,
`swimming`), so that places of a course the venue never registered keep the course rules.
A cell holding a personal identity code refuses its row (§11: never stored), naming the column only.

The form exists in Finnish, Swedish and English, so columns are recognised by the words in their
headers; the "total" row at the bottom is recognised and skipped. Each row's `redemption_id` is derived
from its content, so importing the same file again finds the same uses and records nothing twice.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kaiku_contracts.envelope import CardCode
from kaiku_contracts.identity_codes import contains_identity_code
from kaiku_contracts.limits import PerformanceKind
from kaiku_runtime.tabular import parse_date as parse_finnish_date
from pydantic import TypeAdapter, ValidationError

COLUMNS = ("card_code", "adult_tickets", "child_tickets", "performance", "date")
OPTIONAL_COLUMNS = ("kind",)

# Words that identify a column, checked in this order (a header "date of performance" is the date,
# "performance kind" the kind).
_COLUMN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kind", ("kind", "laji", "tyyppi", "typ")),
    ("card_code", ("kod", "code", "koodi", "card", "kortti")),
    ("adult_tickets", ("vux", "adult", "aikui")),
    ("child_tickets", ("barn", "child", "lapsi", "lasten", "kid")),
    ("date", ("datum", "date", "päivä", "pvm", "päiväys")),
    ("performance", ("föreställning", "performance", "esitys", "tapahtuma", "event", "nimi", "name", "kurssi")),
)
TOTAL_ROW_WORDS = frozenset({"total", "totals", "sammanlagt", "summa", "yhteensä", "yht", "totalt"})
MAX_CHILD_TICKETS = 50

_card_code: TypeAdapter[str] = TypeAdapter(CardCode)


def canonical_column(header: str) -> str | None:
    """The report column a (normalised) header names, or None for a column we do not use."""
    text = header.lower()
    for column, words in _COLUMN_WORDS:
        if any(word in text for word in words):
            return column
    return None


def shown_card_code(values: dict[str, str]) -> str | None:
    """The row's card code when it is one, to name a refused row by it; never a cell that holds an identity code
    (`010185-123A` has a card code's characters) or anything else that is not a card code."""
    text = canonical_row(values).get("card_code", "").strip()
    if not text or contains_identity_code(text):
        return None
    try:
        return _card_code.validate_python(text)
    except ValidationError:
        return None


def canonical_row(values: dict[str, str]) -> dict[str, str]:
    row: dict[str, str] = {}
    for header, value in values.items():
        column = canonical_column(header)
        if column is not None and column not in row:
            row[column] = value
    return row


@dataclass(frozen=True, slots=True)
class ReportLine:
    row: int
    card_code: str
    adult_tickets: int
    child_tickets: int
    performance_name: str
    performed_on: date
    kind: PerformanceKind = PerformanceKind.PERFORMANCE


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    detail: str


@dataclass(frozen=True, slots=True)
class SkippedRow:
    row: int
    detail: str


def missing_columns(headers: Iterable[str]) -> list[str]:
    found = {canonical_column(h) for h in headers}
    return [c for c in COLUMNS if c not in found]


def _count(text: str, column: str, maximum: int) -> int:
    value = text.strip() or "0"
    if not re.fullmatch(r"\d+", value):
        raise ValueError(f"{column} must be a whole number")
    number = int(value)
    if number > maximum:
        raise ValueError(f"{column} must be at most {maximum}")
    return number


def parse_line(
    row: int, values: dict[str, str], default_kind: PerformanceKind = PerformanceKind.PERFORMANCE
) -> ReportLine | RowProblem | SkippedRow:
    """One report row; never echoes a value it refuses (it might be personal data typed in the wrong cell).
    `default_kind` is the kind of a row whose `kind` cell (or column) is empty: the uploader's choice."""
    for position, (header, value) in enumerate(values.items(), start=1):
        if contains_identity_code(value):
            # §11: the register never stores an identity code; name the column, never the value
            named = header if not contains_identity_code(header) else f"column {position}"
            column = canonical_column(header) or named
            return RowProblem(row, f"{column}: holds a personal identity code, which is never recorded (§11)")
    cells = canonical_row(values)
    code_text = cells.get("card_code", "").strip()
    if code_text.lower().rstrip(":") in TOTAL_ROW_WORDS:
        return SkippedRow(row, "total row")
    if not code_text:
        return RowProblem(row, "card_code: missing")
    try:
        card_code = _card_code.validate_python(code_text)
    except ValidationError:
        return RowProblem(row, "card_code: not a card code (1–20 letters, digits or '-')")
    try:
        # one card, one adult ticket per performance: the holder's own ticket
        adult = _count(cells.get("adult_tickets", ""), "adult_tickets", 1)
        children = _count(cells.get("child_tickets", ""), "child_tickets", MAX_CHILD_TICKETS)
    except ValueError as exc:
        return RowProblem(row, str(exc))
    if adult + children == 0:
        return RowProblem(row, "no tickets on this row")
    name = " ".join(cells.get("performance", "").split())
    if not name:
        return RowProblem(row, "performance: missing")
    if len(name) > 200:
        return RowProblem(row, "performance: longer than 200 characters")
    try:
        performed_on = parse_finnish_date(cells.get("date", ""))
    except ValueError:
        return RowProblem(row, "date: not a date (write e.g. 3.2.2020)")
    kind_text = cells.get("kind", "").strip().lower() or default_kind.value
    try:
        kind = PerformanceKind(kind_text)
    except ValueError:
        return RowProblem(row, "kind: one of " + ", ".join(k.value for k in PerformanceKind))
    return ReportLine(row, card_code, adult, children, name, performed_on, kind)


def performance_key(venue_id: str, name: str, performed_on: date) -> str:
    """The id of the performance a report names, when the venue did not register it beforehand."""
    digest = hashlib.sha256(f"{venue_id}\n{name.casefold()}\n{performed_on.isoformat()}".encode()).hexdigest()
    return f"report-{digest[:32]}"


def redemption_ids(venue_id: str, lines: list[ReportLine]) -> list[str]:
    """A content-derived id per line: the n-th identical line of a file always gets the same id."""
    seen: Counter[tuple[str, int, int, str, date]] = Counter()
    ids = []
    for line in lines:
        key = (
            line.card_code,
            line.adult_tickets,
            line.child_tickets,
            line.performance_name.casefold(),
            line.performed_on,
        )
        seen[key] += 1
        text = "\n".join([venue_id, *map(str, key), str(seen[key])])
        ids.append(f"report-{hashlib.sha256(text.encode()).hexdigest()[:40]}")
    return ids
