"""What the national office and the public see of the holder breakdowns (docs/stats.md "Disclosure control").

The four fixed breakdowns are published for the nation and every region, for a year and each of its
months, protected together per year (domain/protection.py). Postal-code areas are an open set of
thousands of small groups: they are published for the nation and the whole year only (suppressed
as one table, areas under k gathered in `other`), and not below it. Distributors and branches get
no holder breakdowns at all in what is published (`null`): they are the smallest tables, and their
cards_issued per branch, published exactly, links them to the region. Whoever reads their own
scope (a region admin, a distributor) still sees exact figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kaiku_stats.domain.disclosure import SumOf, Table
from kaiku_stats.domain.figures import HOLDER_BREAKDOWNS
from kaiku_stats.domain.protection import LinkedYear, Mask, linked_tables, linked_year, protect, published_cells
from kaiku_stats.domain.suppression import Suppressed, suppress_open

POSTAL = "holders_by_postal_code_area"
LINKED_BREAKDOWNS: dict[str, tuple[str, ...]] = {
    name: groups for name, groups in HOLDER_BREAKDOWNS.items() if groups is not None
}
"""The fixed breakdowns, protected over the nation, the regions, the year and its months."""

PublishedHolders = dict[str, Suppressed | None]
RegionMonths = Mapping[tuple[str, str], Mapping[str, int]]

NOT_PUBLISHED: PublishedHolders = {name: None for name in HOLDER_BREAKDOWNS}
"""The holder breakdowns of a scope below the regions (distributor, branch) as published: none."""


@dataclass(frozen=True, slots=True)
class ProtectedYear:
    """The holder breakdowns of one year as they may be published, for the nation and every region."""

    year: int
    k: int
    linked: dict[str, LinkedYear]
    hidden: dict[str, Mask]
    postal: Suppressed | None

    def holders(self, region_id: str, period: str) -> PublishedHolders:
        """The published breakdowns of a region (`""`: the nation) for the year or one of its months."""
        if period[:4] != f"{self.year:04d}":
            raise ValueError(f"period {period} is not in {self.year}")
        out: PublishedHolders = {
            name: published_cells(self.linked[name], self.hidden[name], region_id, period) for name in LINKED_BREAKDOWNS
        }
        nation_year = region_id == "" and period == f"{self.year:04d}"
        out[POSTAL] = dict(self.postal) if nation_year and self.postal is not None else None
        return out

    def tables(self) -> list[tuple[str, list[Table], list[SumOf]]]:
        """Everything published about the year's holders, stated for the auditor (one linked set per breakdown)."""
        out = []
        for name in LINKED_BREAKDOWNS:
            tables, sums = linked_tables(self.linked[name], self.hidden[name])
            out.append((name, tables, sums))
        if self.postal is not None:
            total = int(next(iter(self.linked.values())).totals[0, 0])
            out.append((POSTAL, [Table(("", f"{self.year:04d}"), self.postal, total)], []))
        return out


def protect_year(
    year: int, counts: Mapping[str, RegionMonths], postal_of_year: Mapping[str, int], k: int
) -> ProtectedYear:
    """Protect one year's holder breakdowns, from the holders per (region, month) of each breakdown."""
    linked = {name: linked_year(year, groups, counts.get(name, {})) for name, groups in LINKED_BREAKDOWNS.items()}
    hidden = {name: protect(table, k) for name, table in linked.items()}
    postal: Suppressed | None = suppress_open(postal_of_year, k)
    if postal is not None and len(postal) == 1 and None in postal.values():
        postal = None  # one hidden cell would be the total itself: the breakdown is not published
    return ProtectedYear(year, k, linked, hidden, postal)
