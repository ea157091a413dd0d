"""Printed card stock: the code ranges a region has had printed (§2: "a numbered cardboard card").

Today's register suffers typing errors; when a region registers the ranges it printed, a code outside
them is almost surely a typo and is refused. A region without ranges accepts any well-formed code.

A range is a letter prefix (`E`, `KAIKU-`, or none) followed by a number from `first` to `last`,
optionally zero-padded to `digits` digits (`E0001`..`E0500`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kaiku_contracts.cards import CODE_PREFIX_PATTERN

from kaiku_issuance.domain.refusals import Refusal

MAX_RANGE_SIZE = 10_000_000  # no region prints more; a bigger range is a typo in first/last
PREFIX_PATTERN = CODE_PREFIX_PATTERN
_CODE = re.compile(r"^([A-Z-]*)([0-9]+)$")


@dataclass(frozen=True, slots=True)
class CodeRange:
    prefix: str
    first: int
    last: int
    digits: int | None = None

    def contains(self, card_code: str) -> bool:
        match = _CODE.match(card_code)
        if match is None or match.group(1) != self.prefix:
            return False
        number = match.group(2)
        if self.digits is not None and len(number) != self.digits:
            return False
        return self.first <= int(number) <= self.last

    def overlaps(self, other: CodeRange) -> bool:
        if self.prefix != other.prefix:
            return False
        if self.digits is not None and other.digits is not None and self.digits != other.digits:
            return False
        return self.first <= other.last and other.first <= self.last

    @property
    def label(self) -> str:
        width = self.digits or 0
        return f"{self.prefix}{self.first:0{width}d}–{self.prefix}{self.last:0{width}d}"


def range_problem(candidate: CodeRange) -> Refusal | None:
    if candidate.first < 0 or candidate.last < candidate.first:
        return Refusal("last", "must be at least `first` (and both zero or more)")
    if candidate.last - candidate.first + 1 > MAX_RANGE_SIZE:
        return Refusal("last", f"a range holds at most {MAX_RANGE_SIZE:,} codes")
    if candidate.digits is not None and len(str(candidate.last)) > candidate.digits:
        return Refusal("digits", "`last` has more digits than the padded width")
    if len(candidate.prefix) + len(str(candidate.last)) > 20 or len(candidate.prefix) + (candidate.digits or 0) > 20:
        return Refusal("prefix", "prefix and number together exceed the 20 characters of a card code")
    return None


def in_stock(card_code: str, ranges: Iterable[CodeRange]) -> bool:
    registered = list(ranges)
    return not registered or any(r.contains(card_code) for r in registered)


def stock_refusal(card_code: str, ranges: Iterable[CodeRange]) -> Refusal | None:
    registered = list(ranges)
    if in_stock(card_code, registered):
        return None
    labels = ", ".join(r.label for r in registered[:5]) + (", ..." if len(registered) > 5 else "")
    return Refusal(
        "card_code",
        f"not among the region's printed cards ({labels}); check the code on the card for a typing error",
    )
