"""A realistic simulated national year of card holders, for the disclosure benchmark and tests.

Sizes follow `make bench`'s rebuild (135,000 cards in the year, about 90 % personal): 20 regions of
very unequal size (the largest about forty times the smallest), distributors and branches per
region, a seasonal issue month, and the holder groups skewed as in the population on low incomes
(Finnish speakers most, Sámi speakers few; pensioners and the unemployed most).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kaiku_stats.domain.holders import AGE_GROUPS, GENDERS, LIFE_SITUATIONS, MOTHER_TONGUE_GROUPS

WEIGHTS: dict[str, tuple[float, ...]] = {
    "holders_by_age_group": (0.22, 0.24, 0.30, 0.24),
    "holders_by_gender": (0.56, 0.42, 0.01, 0.01),
    "holders_by_mother_tongue": (0.83, 0.05, 0.003, 0.117),
    "holders_by_life_situation": (0.25, 0.27, 0.12, 0.08, 0.08, 0.12, 0.05, 0.03),
}
GROUPS: dict[str, tuple[str, ...]] = {
    "holders_by_age_group": AGE_GROUPS,
    "holders_by_gender": GENDERS,
    "holders_by_mother_tongue": MOTHER_TONGUE_GROUPS,
    "holders_by_life_situation": LIFE_SITUATIONS,
}
MONTH_WEIGHTS = (1.3, 1.2, 1.1, 1.0, 0.9, 0.6, 0.4, 0.8, 1.3, 1.2, 1.1, 0.9)


@dataclass(frozen=True, slots=True)
class Holder:
    region: str
    distributor: str
    branch: str | None
    month: int
    groups: dict[str, str]


def population(holders: int = 121_500, regions: int = 20, seed: int = 13) -> list[Holder]:
    rng = random.Random(seed)
    sizes = [1 / (i + 1) ** 1.2 for i in range(regions)]
    names = [f"R{i + 1:02d}" for i in range(regions)]
    distributors = {r: [f"{r}-D{j}" for j in range(rng.randint(3, 15))] for r in names}
    out = []
    for _ in range(holders):
        region = rng.choices(names, sizes)[0]
        distributor = rng.choice(distributors[region])
        branch = rng.choice([None, f"{distributor}-B1", f"{distributor}-B2"])
        month = rng.choices(range(1, 13), MONTH_WEIGHTS)[0]
        groups = {name: rng.choices(GROUPS[name], WEIGHTS[name])[0] for name in GROUPS}
        out.append(Holder(region, distributor, branch, month, groups))
    return out


def region_months(people: list[Holder], breakdown: str, year: int) -> dict[tuple[str, str], dict[str, int]]:
    out: dict[tuple[str, str], dict[str, int]] = {}
    for p in people:
        cells = out.setdefault((p.region, f"{year:04d}-{p.month:02d}"), {})
        group = p.groups[breakdown]
        cells[group] = cells.get(group, 0) + 1
    return out
