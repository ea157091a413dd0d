"""Disclosure control of a simulated national year: publish time and information loss, linked vs table by table.

The population (bench/disclosure_population.py) has the size of `make bench`'s rebuild. For each of the
four fixed holder breakdowns it publishes the nation and 20 regions for the year and its 12 months
with the linked protection the service uses (domain/protection.py) and with today's table-by-table
`suppress()`, and reports cells hidden, people hidden and the time. With `--audit` it also runs the
auditor (HiGHS) over both and counts the cells whoever holds everything published could narrow.
It then adds small regions (one to four holders in a month or two, as in a pilot year or a test run's
many regions) and reports the time of the linked protection: the auditor's budget (AUDIT_BUDGET in
domain/protection.py) keeps it bounded.

    .venv/bin/python -m bench.bench_disclosure [--audit]
"""

from __future__ import annotations

import random
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
    print("  with small regions added (all four breakdowns):")
    for small in (0, 3, 10, 30, 100, 300, 1000):
        rng = random.Random(small)
        started = time.perf_counter()
        hidden = cells = 0
        for name, groups in GROUPS.items():
            counts = region_months(people, name, YEAR)
            for r in range(small):
                for month in rng.sample(range(1, 13), rng.randint(1, 2)):
                    table = counts.setdefault((f"S{r:04d}", f"{YEAR}-{month:02d}"), {})
                    for _ in range(rng.randint(1, 4)):
                        group = rng.choice(groups)
                        table[group] = table.get(group, 0) + 1
            mask = protect(linked_year(YEAR, groups, counts), K)
            hidden, cells = hidden + int(mask.sum()), cells + mask.size
        ms = (time.perf_counter() - started) * 1000
        print(f"    20 + {small:>4} small regions: {hidden:>6} of {cells:>6} cells hidden, {ms:>6.0f} ms", flush=True)


if __name__ == "__main__":
    main("--audit" in sys.argv)
