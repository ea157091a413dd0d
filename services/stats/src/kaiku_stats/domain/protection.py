"""Suppression over the linked tables of a year.

What it guarantees: docs/contract.md "Suppression protects the published figures together".

One holder breakdown of one year is published for the nation and every region, for the year and
each of its months: a three-way table (place × period × group) whose margins are published too
(nation = sum of the regions, year = sum of the months, and the holders of a table = sum of its
groups, known from every fully published breakdown). Suppressing each table on its own leaves
hidden cells that come back by subtraction, so the secondary cells are chosen over the whole
linked table by the hypercube method (Repsilber's GHMITER, as in τ-Argus; docs/stats.md
"Disclosure control"):

- primary: every cell of 1 to k-1 people is hidden;
- for each hidden cell, the cheapest "hypercube" is hidden with it: the cell, a partner place
  (another region, or the nation), a partner period (another month, or the year) and a partner
  group, eight cells in all. Moving d people between the two groups, in opposite directions in the
  two places and the two periods, keeps every published sum, so whoever holds all published figures
  cannot tell the cube's cells apart from those moved ones: the cell ranges at least over
  [value − (smallest of the cells moving with it), value + (smallest of the cells moving against it)].
  The cube is chosen to reach the required width (k, or the table's total when that is below k) at
  the least cost (people hidden, plus one per cell); its cells that reach their own required width
  are certified, the others get a cube of their own.
- a cell no cube can certify goes to the auditor (domain/disclosure.py); where it finds the cell
  narrower than required, whole tables around it are hidden and the auditor runs again. Hiding
  everything is always safe (every cell then ranges over 0..its table's total), so this ends.

Every hidden cell is therefore certified by a cube or by the auditor: the guarantee holds by
construction, and the tests audit it independently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from kaiku_stats.domain.disclosure import SumOf, Table, audit, breaches
from kaiku_stats.domain.periods import months_of_year

Counts = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

NATION_INDEX = 0
YEAR_INDEX = 0
REPAIR_ROUNDS = 3
"""Rounds of hiding whole tables around cells the auditor finds narrow, before hiding everything."""
AUDIT_BUDGET = 100
"""Cells the auditor may solve for in one protection (two HiGHS solves each) before everything is hidden
instead (bench/bench_disclosure.py measures both sides of it)."""


@dataclass(frozen=True, slots=True)
class LinkedYear:
    """One holder breakdown of one year: places (the nation first, then the regions) × periods
    (the year first, then its months) × groups, margins included."""

    year: int
    regions: tuple[str, ...]
    groups: tuple[str, ...]
    counts: Counts  # shape (1 + regions, 13, groups)

    @property
    def places(self) -> tuple[str, ...]:
        return ("", *self.regions)

    @property
    def periods(self) -> tuple[str, ...]:
        return (f"{self.year:04d}", *months_of_year(self.year))

    @property
    def totals(self) -> Counts:
        totals: Counts = self.counts.sum(axis=2)
        return totals


def linked_year(
    year: int, groups: Sequence[str], region_months: Mapping[tuple[str, str], Mapping[str, int]]
) -> LinkedYear:
    """The linked table from the counts per (region, month) of one breakdown; margins are summed here."""
    regions = tuple(sorted({r for r, _ in region_months}))
    months = months_of_year(year)
    counts = np.zeros((1 + len(regions), 13, len(groups)), dtype=np.int64)
    group_index = {g: i for i, g in enumerate(groups)}
    for (region, month), cells in region_months.items():
        if month not in months:
            raise ValueError(f"month {month} is not in {year}")
        for group, n in cells.items():
            counts[1 + regions.index(region), 1 + months.index(month), group_index[group]] += n
    counts[0, 1:] = counts[1:, 1:].sum(axis=0)
    counts[:, 0] = counts[:, 1:].sum(axis=1)
    return LinkedYear(year, regions, tuple(groups), counts)


def cell_cost(values: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """What hiding a cell costs: the people it holds, plus one for the cell (docs/stats.md: measured against
    1 + log and cells alone, which hide about as many cells and more people)."""
    return (values + 1.0).astype(np.float64)


@dataclass(frozen=True, slots=True)
class _Cube:
    corners: tuple[tuple[int, int, int], ...]
    width: int
    cost: float


def _partners(index: int, size: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """Partner indices along one dimension and their sign: a margin moves with its parts (+1),
    two parts of one margin move against each other (-1)."""
    if index == 0:
        return np.arange(1, size), np.ones(size - 1, dtype=np.int64)
    others = np.array([i for i in range(1, size) if i != index], dtype=np.intp)
    return np.concatenate([[0], others]).astype(np.intp), np.concatenate([[1], -np.ones(len(others), dtype=np.int64)])


def _best_cube(counts: Counts, hidden: Mask, cell: tuple[int, int, int], need: int) -> _Cube | None:
    a, b, g = cell
    # every cube moves the cell with itself and against another group of its table: its width is at most
    # the cell plus the largest other cell of the table (most cells of a sparse year stop here)
    if counts[a, b, g] + np.delete(counts[a, b], g).max(initial=0) < need:
        return None
    places, signs_a = _partners(a, counts.shape[0])
    periods, signs_b = _partners(b, counts.shape[1])
    groups = np.array([i for i in range(counts.shape[2]) if i != g], dtype=np.intp)
    if not len(places) or not len(periods) or not len(groups):
        return None
    pa = places[:, None, None]
    pb = periods[None, :, None]
    pg = groups[None, None, :]
    sa = signs_a[:, None, None]
    sb = signs_b[None, :, None]
    shape = (len(places), len(periods), len(groups))
    corner_index: list[tuple[Any, Any, Any, Any]] = [
        (a, b, g, 1),
        (pa, b, g, sa),
        (a, pb, g, sb),
        (pa, pb, g, sa * sb),
        (a, b, pg, -1),
        (pa, b, pg, -sa),
        (a, pb, pg, -sb),
        (pa, pb, pg, -sa * sb),
    ]
    inf = np.iinfo(np.int64).max
    plus = np.full(shape, inf, dtype=np.int64)
    minus = np.full(shape, inf, dtype=np.int64)
    cost = np.zeros(shape, dtype=np.float64)
    for x, y, z, sign in corner_index:
        values = np.broadcast_to(counts[x, y, z], shape)
        signs = np.broadcast_to(np.asarray(sign), shape)
        plus = np.minimum(plus, np.where(signs > 0, values, inf))
        minus = np.minimum(minus, np.where(signs < 0, values, inf))
        cost = cost + np.where(np.broadcast_to(hidden[x, y, z], shape), 0.0, cell_cost(values))
    width = plus + minus
    feasible = width >= need
    if not feasible.any():
        return None
    # cheapest first; among equals the widest
    score = np.where(feasible, cost, np.inf) - width / (width.max() + 1.0) * 1e-3
    i, j, m = np.unravel_index(int(np.argmin(score)), shape)
    a2, b2, g2 = int(places[i]), int(periods[j]), int(groups[m])
    corners = tuple((x, y, z) for x in (a, a2) for y in (b, b2) for z in (g, g2))
    return _Cube(corners, int(width[i, j, m]), float(cost[i, j, m]))


def required_widths(linked: LinkedYear, k: int) -> Counts:
    """Per table: k, or the table's total where that is below k (its cells cannot range wider)."""
    return np.minimum(k, linked.totals)


def protect(linked: LinkedYear, k: int) -> Mask:
    """Which cells to hide (True) so that every hidden cell is protected in the linked tables."""
    counts = linked.counts
    hidden: Mask = (counts > 0) & (counts < k)
    certified = np.zeros_like(hidden)
    queue = sorted((int(counts[c]), c) for c in zip(*np.nonzero(hidden), strict=True))
    if not _hide_cubes(linked, k, hidden, certified, [tuple(int(i) for i in c) for _, c in queue]):
        hidden[:] = True  # more cells than the auditor's budget lack a cube: everything hidden (see _repair)
    elif (hidden & ~certified).any():
        hidden = _repair(linked, hidden, certified, k)
    return hidden


def _hide_cubes(linked: LinkedYear, k: int, hidden: Mask, certified: Mask, pending: list[tuple[int, ...]]) -> bool:
    """Hide the cheapest cube of every pending cell (and of the cells it hides), certifying what reaches its width;
    False as soon as more than AUDIT_BUDGET cells have no cube (the auditor could not take them all)."""
    counts = linked.counts
    need = required_widths(linked, k)
    without_cube = 0
    while pending:
        cell = pending.pop(0)
        a, b, g = cell
        if certified[cell]:
            continue
        cube = _best_cube(counts, hidden, (a, b, g), int(need[a, b]))
        if cube is None:
            without_cube += 1  # left to the auditor
            if without_cube > AUDIT_BUDGET:
                return False
            continue
        for corner in cube.corners:
            if not hidden[corner]:
                hidden[corner] = True
                pending.append(corner)
            if cube.width >= need[corner[0], corner[1]]:
                certified[corner] = True
    return True


def audit_linked(linked: LinkedYear, hidden: Mask, k: int, only: Mask | None = None) -> list[tuple[int, int, int]]:
    """Hidden cells (of `only`, when given) the auditor finds narrower than required (what whoever holds every
    published table can do)."""
    tables, sums = linked_tables(linked, hidden)
    index = {(p, q): (i, j) for i, p in enumerate(linked.places) for j, q in enumerate(linked.periods)}
    group_index = {g: i for i, g in enumerate(linked.groups)}
    cells = None
    if only is not None:
        cells = {
            ((linked.places[i], linked.periods[j]), linked.groups[m]) for i, j, m in zip(*np.nonzero(only), strict=True)
        }
    out = []
    for cell in breaches(audit(tables, sums, cells), k):
        assert isinstance(cell.table, tuple)
        i, j = index[cell.table]
        out.append((i, j, group_index[cell.group]))
    return out


def _repair(linked: LinkedYear, hidden: Mask, certified: Mask, k: int) -> Mask:
    """Audit the hidden cells no cube certifies; hide whole tables around the narrow ones, a few rounds, then
    everything. Only uncertified cells are audited (hiding more only widens an interval, so a certified cell
    stays protected), and at most AUDIT_BUDGET of them in all: beyond it everything is hidden at once, which
    is always safe and bounds the time (many small regions, e.g. a pilot year, would otherwise cost minutes)."""
    hidden, certified = hidden.copy(), certified.copy()
    audited = 0
    for round_ in range(REPAIR_ROUNDS + 1):
        doubtful = hidden & ~certified
        audited += int(doubtful.sum())
        if audited > AUDIT_BUDGET:
            break
        narrow = audit_linked(linked, hidden, k, only=doubtful)
        if not narrow:
            return hidden
        certified |= doubtful
        for cell in narrow:
            certified[cell] = False
        if round_ == REPAIR_ROUNDS:
            break
        newly: list[tuple[int, ...]] = []
        for a, b, _g in narrow:
            # hide the cell's table and its margins' tables: the cube through the nation and the year
            # is then hidden in every group
            for x in (a, NATION_INDEX):
                for y in (b, YEAR_INDEX):
                    newly += [(x, y, m) for m in range(hidden.shape[2]) if not hidden[x, y, m]]
                    hidden[x, y, :] = True
        if not _hide_cubes(linked, k, hidden, certified, newly):
            break
    hidden[:] = True  # everything hidden: each cell ranges over 0..its table's total
    return hidden


def linked_tables(linked: LinkedYear, hidden: Mask) -> tuple[list[Table], list[SumOf]]:
    """The published tables as the auditor states them: cells (None where hidden), totals and sums."""
    tables = []
    totals = linked.totals
    for i, place in enumerate(linked.places):
        for j, period in enumerate(linked.periods):
            cells = {g: (None if hidden[i, j, m] else int(linked.counts[i, j, m])) for m, g in enumerate(linked.groups)}
            tables.append(Table((place, period), cells, int(totals[i, j])))
    sums = [SumOf((p, linked.periods[0]), tuple((p, m) for m in linked.periods[1:])) for p in linked.places]
    sums += [SumOf(("", q), tuple((r, q) for r in linked.regions)) for q in linked.periods]
    return tables, sums


def published_cells(linked: LinkedYear, hidden: Mask, place: str, period: str) -> dict[str, int | None]:
    """One published table: exact cells, `None` where hidden."""
    i = linked.places.index(place) if place in linked.places else None
    j = linked.periods.index(period)
    if i is None:  # a region with no holders this year: all zeros, nothing to hide
        return {g: 0 for g in linked.groups}
    return {g: (None if hidden[i, j, m] else int(linked.counts[i, j, m])) for m, g in enumerate(linked.groups)}
