"""Small-cell suppression of published holder breakdowns (docs/contract.md "Definitions", §11).

No holder may be singled out from a published figure. Primary suppression hides cells of 1 to k-1
people. Secondary suppression then hides the next-smallest non-zero cells while the hidden cells
are a single cell, hold fewer than k people together, or could only be all ones (so each would be
known), so that no hidden cell can be worked out from the total and the published cells. When no
non-zero cell is left to hide, the zero cells are hidden too: the breakdown then tells only its
total, which is published elsewhere anyway.
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_K = 5
"""The threshold k: cells with fewer people than this are never published."""

Suppressed = dict[str, int | None]


def _hidden_cells_are_exposed(cells: Mapping[str, int], hidden: set[str], k: int) -> bool:
    if not hidden:
        return False
    together = sum(cells[c] for c in hidden)
    # Published zeros tell that every hidden cell holds at least one person, so hidden cells that
    # add up to their own number are all ones and each is known.
    return len(hidden) == 1 or together < k or together <= len(hidden)


def suppress(cells: Mapping[str, int], k: int = DEFAULT_K) -> Suppressed:
    """The breakdown as it may be published: hidden cells are `None`."""
    if k < 1:
        raise ValueError("the suppression threshold k must be at least 1")
    if any(v < 0 for v in cells.values()):
        raise ValueError("a breakdown counts people: no negative cells")
    hidden = {c for c, v in cells.items() if 0 < v < k}
    while _hidden_cells_are_exposed(cells, hidden, k):
        candidates = sorted((v, c) for c, v in cells.items() if c not in hidden and v > 0)
        if not candidates:
            hidden = set(cells)
            break
        hidden.add(candidates[0][1])
    return {c: (None if c in hidden else v) for c, v in cells.items()}


def suppress_all(breakdowns: Mapping[str, Mapping[str, int]], k: int = DEFAULT_K) -> dict[str, Suppressed]:
    return {name: suppress(cells, k) for name, cells in breakdowns.items()}


OTHER_AREAS = "other"
"""The cell of an open breakdown (postal-code areas) that gathers every area with fewer than k people."""


def suppress_open(cells: Mapping[str, int], k: int = DEFAULT_K) -> Suppressed:
    """Suppression for a breakdown whose groups are not a fixed list (postal-code areas).

    Publishing an area's name with a hidden count would already tell that someone lives there, so
    areas with fewer than k people are not named: they are gathered into `other`, and the result is
    suppressed like any fixed breakdown.
    """
    merged = {area: count for area, count in cells.items() if count >= k and area != OTHER_AREAS}
    merged[OTHER_AREAS] = sum(count for area, count in cells.items() if area not in merged)
    return suppress(merged, k)
