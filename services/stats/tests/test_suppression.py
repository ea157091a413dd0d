"""Small-cell suppression: no published breakdown lets anyone compute a hidden cell (docs/contract.md)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kaiku_stats.domain.suppression import OTHER_AREAS, suppress, suppress_open

pytestmark = pytest.mark.unit

cells_strategy = st.dictionaries(
    keys=st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h"]),
    values=st.one_of(st.integers(0, 6), st.integers(0, 200)),
    min_size=2,
    max_size=8,
)


def feasible_values(published: dict[str, int | None], total: int, cell: str) -> set[int]:
    """Every value a hidden cell can take given the total and the published cells.

    Published zeros tell the reader that hidden cells are non-zero, unless the whole breakdown is
    hidden (then any cell may be zero).
    """
    hidden = [c for c, v in published.items() if v is None]
    rest = total - sum(v for v in published.values() if v is not None)
    lowest = 0 if len(hidden) == len(published) else 1
    values: set[int] = set()
    others = len(hidden) - 1
    for value in range(lowest, rest + 1):
        if rest - value >= others * lowest:  # the other hidden cells can hold the remainder
            values.add(value)
    return values


@settings(max_examples=400, deadline=None)
@given(cells=cells_strategy, k=st.integers(2, 10))
def test_no_hidden_cell_can_be_worked_out_from_the_total_and_the_other_cells(cells: dict[str, int], k: int) -> None:
    published = suppress(cells, k)
    total = sum(cells.values())
    assert set(published) == set(cells)
    for cell, value in published.items():
        if value is None:
            assert len(feasible_values(published, total, cell)) >= 2, (cells, published)
        else:
            assert value == cells[cell]


@settings(max_examples=400, deadline=None)
@given(cells=cells_strategy, k=st.integers(2, 10))
def test_no_published_cell_holds_one_to_k_minus_one_people(cells: dict[str, int], k: int) -> None:
    published = suppress(cells, k)
    assert all(v is None or v == 0 or v >= k for v in published.values())


@settings(max_examples=300, deadline=None)
@given(cells=cells_strategy, k=st.integers(2, 10))
def test_hidden_cells_hold_at_least_k_together_while_any_cell_stays_visible(cells: dict[str, int], k: int) -> None:
    published = suppress(cells, k)
    hidden = [c for c, v in published.items() if v is None]
    visible_nonzero = [c for c, v in published.items() if v]
    if hidden and visible_nonzero:
        assert len(hidden) >= 2
        assert sum(cells[c] for c in hidden) >= k
        # secondary suppression takes the next-smallest cells: no visible cell is smaller than a hidden one
        assert max(cells[c] for c in hidden) <= min(cells[c] for c in visible_nonzero)


def test_cells_of_k_or_more_and_zeros_are_published_as_they_are() -> None:
    assert suppress({"female": 12, "male": 7, "other": 0, "not_disclosed": 0}) == {
        "female": 12,
        "male": 7,
        "other": 0,
        "not_disclosed": 0,
    }


def test_a_single_small_cell_takes_the_next_smallest_with_it() -> None:
    # 3 "other" next to 20 and 9: hiding only "other" would let anyone compute it from the total
    assert suppress({"female": 20, "male": 9, "other": 3, "not_disclosed": 0}) == {
        "female": 20,
        "male": None,
        "other": None,
        "not_disclosed": 0,
    }


def test_small_cells_that_hold_fewer_than_k_together_take_the_next_smallest() -> None:
    assert suppress({"a": 1, "b": 2, "c": 30, "d": 40}) == {"a": None, "b": None, "c": None, "d": 40}


def test_five_ones_are_hidden_with_a_larger_cell_since_each_would_be_known_as_one() -> None:
    published = suppress({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 50, "g": 60})
    assert published["f"] is None
    assert published["g"] == 60


def test_when_every_non_zero_cell_is_hidden_the_zeros_are_hidden_too() -> None:
    assert suppress({"a": 3, "b": 0, "c": 0}) == {"a": None, "b": None, "c": None}


def test_an_empty_breakdown_is_all_zeros() -> None:
    assert suppress({"a": 0, "b": 0}) == {"a": 0, "b": 0}


def test_threshold_is_configurable() -> None:
    assert suppress({"a": 7, "b": 8, "c": 20}, k=10) == {"a": None, "b": None, "c": 20}
    with pytest.raises(ValueError, match="at least 1"):
        suppress({"a": 1}, k=0)


def test_areas_with_fewer_than_k_holders_are_not_named() -> None:
    published = suppress_open({"00100": 12, "00200": 2, "00300": 1, "00400": 9})
    assert "00200" not in published
    assert "00300" not in published
    assert published[OTHER_AREAS] is None or published[OTHER_AREAS] >= 5
    for cell, value in published.items():
        if value is None:
            assert len(feasible_values(published, 24, cell)) >= 2


@pytest.mark.parametrize("values", list(itertools.product([0, 1, 4, 5, 9], repeat=3)))
def test_exhaustive_small_breakdowns(values: tuple[int, int, int]) -> None:
    cells = dict(zip("abc", values, strict=True))
    published = suppress(cells)
    total = sum(values)
    for cell, value in published.items():
        if value is None:
            assert len(feasible_values(published, total, cell)) >= 2, (cells, published)
