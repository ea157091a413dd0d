"""The figures of one scope (country, region, distributor, venue) for one period, and how they are published."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kaiku_contracts.enums import VenueCategory

from kaiku_stats.domain.holders import AGE_GROUPS, GENDERS, LIFE_SITUATIONS, MOTHER_TONGUE_GROUPS
from kaiku_stats.domain.suppression import DEFAULT_K

HOLDER_BREAKDOWNS: dict[str, tuple[str, ...] | None] = {
    "holders_by_age_group": AGE_GROUPS,
    "holders_by_gender": GENDERS,
    "holders_by_mother_tongue": MOTHER_TONGUE_GROUPS,
    "holders_by_life_situation": LIFE_SITUATIONS,
    "holders_by_postal_code_area": None,  # open set of groups: only the areas that occur
}
"""Every holder breakdown and its fixed groups (None: groups are whatever occurs)."""

VENUE_CATEGORIES: tuple[str, ...] = tuple(c.value for c in VenueCategory)

RATE_DECIMALS = 4


def usage_rate(distinct_cards_used: int, cards_active: int) -> float | None:
    """Distinct cards used / cards active; undefined (None) when no card is active."""
    if cards_active <= 0:
        return None
    return round(distinct_cards_used / cards_active, RATE_DECIMALS)


def full_breakdown(groups: tuple[str, ...] | None, counts: Mapping[str, int]) -> dict[str, int]:
    """Every fixed group with its count (zeros included, so the breakdown's shape never varies)."""
    if groups is None:
        return dict(sorted(counts.items()))
    out = {g: 0 for g in groups}
    for g, n in counts.items():
        out[g] = out.get(g, 0) + n
    return out


@dataclass(frozen=True, slots=True)
class UseFigures:
    redemptions: int = 0
    adult_tickets: int = 0
    child_tickets: int = 0
    course_places: int = 0
    distinct_cards_used: int = 0
    uses_of_cards_from_other_regions: int = 0
    redemptions_by_venue_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Figures:
    """Exact figures of one scope and period; `published` puts in the protected holder breakdowns."""

    period: str
    cards_issued: int
    cards_active: int
    uses: UseFigures
    holders: dict[str, dict[str, int]]

    @property
    def usage_rate(self) -> float | None:
        return usage_rate(self.uses.distinct_cards_used, self.cards_active)

    def _common(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "cards_issued": self.cards_issued,
            "cards_active": self.cards_active,
            "redemptions": self.uses.redemptions,
            "adult_tickets": self.uses.adult_tickets,
            "child_tickets": self.uses.child_tickets,
            "course_places": self.uses.course_places,
            "distinct_cards_used": self.uses.distinct_cards_used,
            "usage_rate": self.usage_rate,
            "uses_of_cards_from_other_regions": self.uses.uses_of_cards_from_other_regions,
            "redemptions_by_venue_category": full_breakdown(VENUE_CATEGORIES, self.uses.redemptions_by_venue_category),
        }

    def exact(self) -> dict[str, Any]:
        """For a region admin, distributor or venue reading its own scope (docs/contract.md: exact figures)."""
        out = self._common()
        for name, groups in HOLDER_BREAKDOWNS.items():
            out[name] = full_breakdown(groups, self.holders.get(name, {}))
        out["suppressed"] = False
        return out

    def published(self, holders: Mapping[str, Mapping[str, int | None] | None], k: int = DEFAULT_K) -> dict[str, Any]:
        """For the national office and the public: the holder breakdowns as protected over the linked tables
        (domain/publication.py; `None` where a breakdown is not published for this scope)."""
        out = self._common()
        for name in HOLDER_BREAKDOWNS:
            cells = holders.get(name)
            out[name] = dict(cells) if cells is not None else None
        out["suppressed"] = True
        out["suppression_threshold"] = k
        return out
