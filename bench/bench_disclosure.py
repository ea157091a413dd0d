"""Disclosure control of a simulated national year: publish time and information loss, linked vs table by table.

The population (bench/disclosure_population.py) has the size of `make bench`'s rebuild. For each of the
four fixed holder breakdowns it publishes the nation and 20 regions for the year and its 12 months
with the linked protection the service uses (domain/protection.py) and with today's table-by-table
`suppress()`, and reports cells hidden, people hidden and the time. With `--audit` it also runs the
auditor (HiGHS) over both and counts the cells whoever holds everything published could narrow.

    .venv/bin/python -m bench.bench_disclosure [--audit]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from kaiku_stats.domain.protection import Mask, audit_linked, linked_year, protect
from kaiku_stats.domain.suppression import suppress

from bench.disclosure_population import GROUPS, population, region_months

YEAR = 2019
K = 5


def table_by_table(counts: np.ndarray, groups: tuple[str, ...]) -> Mask:
    hidden = np.zeros(counts.shape, dtype=bool)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            published = suppress({g: int(counts[i, j, m]) for m, g in enumerate(groups)}, K)
            hidden[i, j] = [published[g] is None for g in groups]
    return hidden


def main(run_audit: bool) -> None:
    started = time.perf_counter()
    people = population()
    print(f"disclosure benchmark: {len(people):,} holders in {YEAR}, 20 regions, k = {K}"
          f" (generated in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    header = f"  {'breakdown':<28} {'cells':>6} | {'linked: hidden':>14} {'people':>7} {'ms':>6}"
    header += f" | {'table by table: hidden':>22} {'people':>7} {'ms':>6}"
    print(header + (" | narrowable cells linked / table by table" if run_audit else ""))
    totals = np.zeros(4, dtype=np.int64)
    for name, groups in GROUPS.items():
        linked = linked_year(YEAR, groups, region_months(people, name, YEAR))
        started = time.perf_counter()
        ours = protect(linked, K)
        ours_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        theirs = table_by_table(linked.counts, groups)
        theirs_ms = (time.perf_counter() - started) * 1000
        row = [int(ours.sum()), int(linked.counts[ours].sum()), int(theirs.sum()), int(linked.counts[theirs].sum())]
        totals += row
        line = f"  {name:<28} {linked.counts.size:>6} | {row[0]:>14} {row[1]:>7} {ours_ms:>6.0f}"
        line += f" | {row[2]:>22} {row[3]:>7} {theirs_ms:>6.0f}"
        if run_audit:
            line += f" | {len(audit_linked(linked, ours, K))} / {len(audit_linked(linked, theirs, K))}"
        print(line, flush=True)
    print(f"  {'all four':<28} {'':>6} | {totals[0]:>14} {totals[1]:>7} {'':>6} | {totals[2]:>22} {totals[3]:>7}")


if __name__ == "__main__":
    main("--audit" in sys.argv)
