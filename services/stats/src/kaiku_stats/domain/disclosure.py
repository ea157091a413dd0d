"""The disclosure auditor: what whoever holds everything published can work out about a suppressed cell.

docs/contract.md "Suppression protects the published figures together": the published tables are
linked by sums (months and their year, regions and the nation, a distributor's branches and its
total, a breakdown's cells and its total). The auditor states everything published as linear
constraints over the unknown (suppressed or never published) cells, and for every suppressed cell
computes the smallest and the largest value consistent with them over non-negative integers, with
HiGHS (through `scipy.optimize.milp`). That is how statistics offices audit a set of linked tables
(τ-Argus does the same); docs/stats.md "Disclosure control".

A suppressed cell is protected when its feasible interval is at least k wide. A table whose own
total is below k cannot reach that (its total is published, so every cell lies in 0..total): there
the cell must range over the whole 0..total.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

TableKey = Hashable


@dataclass(frozen=True, slots=True)
class Table:
    """One published breakdown: its cells (`None` where suppressed) and its total of people.

    `published=False` states a table nobody sees whose total is known (e.g. the cards of a
    distributor without a branch): its cells are unknowns that link the others, not suppressed cells.
    """

    key: TableKey
    cells: Mapping[str, int | None]
    total: int | None
    published: bool = True


@dataclass(frozen=True, slots=True)
class SumOf:
    """Every cell (and the total) of `parent` is the sum of the same cell of `children`."""

    parent: TableKey
    children: tuple[TableKey, ...]


@dataclass(frozen=True, slots=True)
class CellInterval:
    table: TableKey
    group: str
    low: int
    high: int
    total: int | None

    @property
    def width(self) -> int:
        return self.high - self.low

    def required_width(self, k: int) -> int:
        return k if self.total is None else min(k, self.total)

    def protected(self, k: int) -> bool:
        return self.width >= self.required_width(k)


class InconsistentPublicationError(ValueError):
    """The published cells contradict each other (a bug in whatever published them)."""


def audit(
    tables: Sequence[Table], sums: Iterable[SumOf] = (), only: Collection[tuple[TableKey, str]] | None = None
) -> list[CellInterval]:
    """The feasible interval of every suppressed cell of the published tables (or of the suppressed cells in
    `only`: two solves per cell are the whole cost, and a caller may already know the others are protected)."""
    by_key = {t.key: t for t in tables}
    unknowns: dict[tuple[TableKey, str], int] = {}
    for t in tables:
        for group, value in t.cells.items():
            if value is None or not t.published:
                unknowns[(t.key, group)] = len(unknowns)
    equations: list[tuple[dict[int, float], float]] = []

    def add(terms: Iterable[tuple[TableKey, str, float]], constant: float) -> None:
        row: dict[int, float] = {}
        rhs = constant
        for key, group, coef in terms:
            table = by_key[key]
            value = table.cells.get(group, 0)
            index = unknowns.get((key, group))
            if index is None:
                rhs -= coef * (value or 0)
            else:
                row[index] = row.get(index, 0.0) + coef
        row = {i: c for i, c in row.items() if c != 0}
        if row:
            equations.append((row, rhs))
        elif rhs != 0:
            raise InconsistentPublicationError("published cells contradict a published sum")

    for t in tables:
        if t.total is not None:
            add(((t.key, g, 1.0) for g in t.cells), float(t.total))
    for s in sums:
        groups = set(by_key[s.parent].cells).union(*(by_key[c].cells for c in s.children))
        for g in groups:
            add([(s.parent, g, 1.0), *((c, g, -1.0) for c in s.children)], 0.0)

    out: list[CellInterval] = []
    for component in _components(len(unknowns), equations):
        out.extend(_solve_component(component, equations, unknowns, by_key, only))
    return out


def breaches(intervals: Iterable[CellInterval], k: int) -> list[CellInterval]:
    return [i for i in intervals if not i.protected(k)]


def _components(n: int, equations: Sequence[tuple[dict[int, float], float]]) -> list[list[int]]:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row, _ in equations:
        first, *rest = row
        for other in rest:
            a, b = find(first), find(other)
            if a != b:
                parent[a] = b
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _solve_component(
    component: list[int],
    equations: Sequence[tuple[dict[int, float], float]],
    unknowns: Mapping[tuple[TableKey, str], int],
    tables: Mapping[TableKey, Table],
    only: Collection[tuple[TableKey, str]] | None,
) -> list[CellInterval]:
    local = {v: i for i, v in enumerate(component)}
    rows = [(row, rhs) for row, rhs in equations if next(iter(row)) in local]
    names = {index: name for name, index in unknowns.items()}
    audited = [v for v in component if tables[names[v][0]].published and (only is None or names[v] in only)]
    if not audited:
        return []
    data, ri, ci, rhs = [], [], [], []
    for r, (row, b) in enumerate(rows):
        for v, coef in row.items():
            data.append(coef)
            ri.append(r)
            ci.append(local[v])
        rhs.append(b)
    n = len(component)
    constraints = (
        [LinearConstraint(csr_array((data, (ri, ci)), shape=(len(rows), n)), np.array(rhs), np.array(rhs))]
        if rows
        else []
    )
    integrality = np.ones(n)
    bounds = Bounds(np.zeros(n), np.full(n, np.inf))
    out: list[CellInterval] = []
    for v in audited:
        key, group = names[v]
        objective = np.zeros(n)
        objective[local[v]] = 1.0
        low = milp(objective, constraints=constraints, integrality=integrality, bounds=bounds)
        high = milp(-objective, constraints=constraints, integrality=integrality, bounds=bounds)
        if low.status == 2 or high.status == 2:
            raise InconsistentPublicationError("no table fits the published cells")
        lo = round(low.fun) if low.success else 0
        hi = round(-high.fun) if high.success else np.iinfo(np.int64).max  # unbounded: nothing to narrow
        out.append(CellInterval(key, group, int(lo), int(hi), tables[key].total))
    return out
