"""Suppression protects the published figures together (docs/contract.md): the auditor, the protection, and
the published figures of random populations audited with every sum that links them."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kaiku_stats.domain.disclosure import SumOf, Table, audit, breaches
from kaiku_stats.domain.holders import GENDERS, MOTHER_TONGUE_GROUPS
from kaiku_stats.domain.protection import linked_year, protect
from kaiku_stats.domain.publication import LINKED_BREAKDOWNS, NOT_PUBLISHED, ProtectedYear, protect_year
from kaiku_stats.domain.suppression import suppress

pytestmark = pytest.mark.unit
K = 5


def test_the_january_example_comes_back_by_subtraction_from_table_by_table_suppression() -> None:
    """January {female 3, male 12} hidden, February {9, 20} and the year {12, 32} published: 12 − 9 = 3."""
    january, february, year = {"female": 3, "male": 12}, {"female": 9, "male": 20}, {"female": 12, "male": 32}
    tables = [Table("01", suppress(january), 15), Table("02", suppress(february), 29), Table("Y", suppress(year), 44)]
    narrow = breaches(audit(tables, [SumOf("Y", ("01", "02"))]), K)
    assert {(c.table, c.group, c.low, c.high) for c in narrow} == {("01", "female", 3, 3), ("01", "male", 12, 12)}


def test_the_january_example_is_protected_when_published() -> None:
    counts = {
        "holders_by_gender": {
            ("R1", "2026-01"): {"female": 3, "male": 12},
            ("R1", "2026-02"): {"female": 9, "male": 20},
        }
    }
    published = protect_year(2026, counts, {}, K)
    assert published.holders("R1", "2026-01")["holders_by_gender"] == {
        "female": None, "male": None, "other": 0, "not_disclosed": 0
    }  # fmt: skip
    assert_nothing_narrow(published)


def test_the_swedish_speakers_example_comes_back_from_the_nation_minus_the_other_region() -> None:
    """Region 1's Swedish speakers (2) hidden, region 2 publishes 20 and the nation 22."""
    r1, r2 = {"finnish": 40, "swedish": 2}, {"finnish": 60, "swedish": 20}
    nation = {"finnish": 100, "swedish": 22}
    tables = [Table("R1", suppress(r1), 42), Table("R2", suppress(r2), 80), Table("N", suppress(nation), 122)]
    narrow = breaches(audit(tables, [SumOf("N", ("R1", "R2"))]), K)
    assert ("R1", "swedish", 2, 2) in {(c.table, c.group, c.low, c.high) for c in narrow}


def test_the_swedish_speakers_example_is_protected_when_published() -> None:
    counts = {
        "holders_by_mother_tongue": {
            ("R1", "2026-05"): {"finnish": 40, "swedish": 2},
            ("R2", "2026-05"): {"finnish": 60, "swedish": 20},
        }
    }
    published = protect_year(2026, counts, {}, K)
    assert published.holders("R1", "2026-05")["holders_by_mother_tongue"]["swedish"] is None  # type: ignore[index]
    assert_nothing_narrow(published)


def test_a_table_whose_total_is_below_k_ranges_over_its_whole_total() -> None:
    # two people in the year: every cell lies in 0..2 whatever is published; it must reach both ends
    published = protect_year(2026, {"holders_by_gender": {("R1", "2026-04"): {"female": 2}}}, {}, K)
    intervals = {(c.table, c.group): c for c in audit(*published.tables()[1][1:])}
    assert intervals[(("R1", "2026-04"), "female")].low == 0
    assert intervals[(("R1", "2026-04"), "female")].high == 2


def test_the_auditor_finds_the_interval_of_a_cell_with_the_branches_and_the_distributor() -> None:
    # a distributor's total published, its branches' breakdowns: the hidden branch cell comes back
    tables = [
        Table("D", {"a": 30, "b": 12}, 42),
        Table("B1", {"a": 20, "b": None}, None),
        Table("B2", {"a": 10, "b": 10}, 20),
    ]
    (cell,) = audit(tables, [SumOf("D", ("B1", "B2"))])
    assert (cell.low, cell.high) == (2, 2)
    assert not cell.protected(K)


def assert_nothing_narrow(
    published: ProtectedYear, deeper: list[Table] | None = None, sums: list[SumOf] | None = None
) -> None:
    for name, tables, links in published.tables():
        narrow = breaches(audit([*tables, *(deeper or [])], [*links, *(sums or [])]), K)
        assert not narrow, (name, narrow[:5])


# -- random populations through the publication the services use -------------------------------------

REGIONS = ("RA", "RB", "RC")
person = st.tuples(
    st.sampled_from(REGIONS),
    st.integers(0, 3),  # distributor of the region
    st.sampled_from([None, "B1", "B2"]),  # branch
    st.integers(1, 4),  # month
    st.sampled_from(GENDERS[:3]),
    st.sampled_from(MOTHER_TONGUE_GROUPS),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(person, min_size=0, max_size=50))
def test_random_populations_published_leave_no_cell_narrower_than_k(
    people: list[tuple[str, int, str | None, int, str, str]],
) -> None:
    counts: dict[str, dict[tuple[str, str], Counter[str]]] = {name: {} for name in LINKED_BREAKDOWNS}
    for region, _, _, month, gender, tongue in people:
        key = (region, f"2026-{month:02d}")
        counts["holders_by_gender"].setdefault(key, Counter())[gender] += 1
        counts["holders_by_mother_tongue"].setdefault(key, Counter())[tongue] += 1
        counts["holders_by_age_group"].setdefault(key, Counter())["30-44"] += 1
        counts["holders_by_life_situation"].setdefault(key, Counter())["student"] += 1
    published = protect_year(2026, counts, Counter(f"00{i % 3}00" for i in range(len(people))), K)
    # distributors and branches get no breakdowns in what is published (their totals alone cannot narrow a
    # region's cells: any region table splits over its distributors' totals); the published set is audited
    for name, tables, links in published.tables():
        narrow = breaches(audit(tables, links), K)
        assert not narrow, (name, narrow[:5])
    for region in REGIONS:
        for period in ("2026", "2026-01", "2026-04"):
            for name, cells in published.holders(region, period).items():
                if cells is not None:
                    assert all(v is None or v == 0 or v >= K for v in cells.values()), name
    assert NOT_PUBLISHED["holders_by_gender"] is None


def test_protection_of_a_linked_year_hides_every_cell_of_one_to_k_minus_one() -> None:
    linked = linked_year(2026, GENDERS, {("R1", "2026-01"): {"female": 1, "male": 30}, ("R2", "2026-01"): {"male": 9}})
    hidden = protect(linked, K)
    small = (linked.counts > 0) & (linked.counts < K)
    assert hidden[small].all()


def test_more_cells_without_a_cube_than_the_auditor_takes_hides_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small regions (a pilot year) would cost the auditor minutes: past its budget everything is hidden,
    which is always protected (each cell then ranges over 0..its table's total)."""
    import kaiku_stats.domain.protection as protection

    # R1's cells have no cube (each is 1 of a table of 3, and any cube moves it against one other cell)
    linked = linked_year(
        2026,
        GENDERS,
        {
            ("R1", "2026-03"): {"female": 1, "male": 1, "other": 1},
            ("R2", "2026-03"): {"female": 30, "male": 30, "other": 30},
            ("R3", "2026-03"): {"female": 40, "male": 50, "other": 20},
        },
    )
    assert not protect(linked, K).all()  # within the budget the auditor decides
    monkeypatch.setattr(protection, "AUDIT_BUDGET", 2)
    hidden = protect(linked, K)
    assert hidden.all()
    tables, sums = protection.linked_tables(linked, hidden)
    assert not breaches(audit(tables, sums), K)
