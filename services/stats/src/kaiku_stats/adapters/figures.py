"""Read side: the figures of a scope and period, aggregated in SQL from the card and use facts.

Counting at read time (with indexes on scope and month) keeps every apply a plain insert, makes
`distinct_cards_used` and `cards_active` exact without fragile counters, and lets a use meet its
card whichever arrived first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from kaiku_stats.domain.facts import NATIONAL
from kaiku_stats.domain.figures import HOLDER_BREAKDOWNS, Figures, UseFigures
from kaiku_stats.domain.periods import PeriodRange, period_range


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cards and which uses a scope's figures are about (docs/stats.md "Scopes").

    The SQL fragments refer to the card as `c` and the use as `u` and take their values from `args`
    as $1..$n.
    """

    kind: str
    ident: str | None
    cards: str | None  # which cards (None: the scope has no card figures, e.g. a venue)
    uses: str  # which uses count in the use figures
    used_cards: str  # which uses count in distinct_cards_used
    other_region: str  # when a counted use is of a card from another region
    args: tuple[Any, ...] = ()
    joins_cards: bool = False  # the use figures need the card's facts (its distributor)


CARD_REGION = "u.card_region_id"
"""The issuing region of a used card: always on the use event on kaiku.redemptions.v1 (docs/contract.md), so the
region and country figures need no join with the card facts and do not depend on the card having arrived."""


def national_scope() -> Scope:
    return Scope("national", None, "TRUE", "TRUE", "TRUE", f"{CARD_REGION} IS DISTINCT FROM u.region_id")


def region_scope(region_id: str) -> Scope:
    # uses at the region's venues; card figures about cards issued in the region (used anywhere)
    return Scope(
        "region",
        region_id,
        "c.region_id = $1",
        "u.region_id = $1",
        f"{CARD_REGION} = $1",
        f"{CARD_REGION} IS DISTINCT FROM $1",
        (region_id,),
    )


def distributor_scope(distributor_id: str, branch_id: str | None = None) -> Scope:
    # a distributor sees the cards issued by its own branch (§12) and the uses of those cards
    cards = "c.distributor_id = $1" + (" AND c.branch_id = $2" if branch_id is not None else "")
    args: tuple[Any, ...] = (distributor_id,) if branch_id is None else (distributor_id, branch_id)
    other_region = "c.region_id IS DISTINCT FROM u.region_id"
    return Scope("distributor", distributor_id, cards, cards, cards, other_region, args, joins_cards=True)


def venue_scope(venue_id: str, performance_id: str | None = None) -> Scope:
    # a venue sees the usage of its own site (§12): no card figures
    uses = "u.venue_id = $1" + (" AND u.performance_id = $2" if performance_id is not None else "")
    args: tuple[Any, ...] = (venue_id,) if performance_id is None else (venue_id, performance_id)
    return Scope("venue", venue_id, None, uses, uses, f"{CARD_REGION} IS DISTINCT FROM u.region_id", args)


async def use_figures(conn: asyncpg.Connection, scope: Scope, months: PeriodRange) -> UseFigures:
    n = len(scope.args)
    row = await conn.fetchrow(
        f"""
        SELECT count(*) FILTER (WHERE {scope.uses}) AS redemptions,
               coalesce(sum(u.adult_tickets) FILTER (WHERE {scope.uses} AND u.kind = 'ticket'), 0) AS adult,
               coalesce(sum(u.child_tickets) FILTER (WHERE {scope.uses} AND u.kind = 'ticket'), 0) AS child,
               count(*) FILTER (WHERE {scope.uses} AND u.kind = 'course_place') AS course,
               count(*) FILTER (WHERE {scope.uses} AND u.venue_category = 'culture') AS culture,
               count(*) FILTER (WHERE {scope.uses} AND u.venue_category = 'sports') AS sports,
               count(*) FILTER (WHERE {scope.uses} AND {scope.other_region}) AS other_region,
               count(DISTINCT u.card_code) FILTER (WHERE {scope.used_cards}) AS distinct_cards
        FROM use_fact u {"JOIN card_fact c ON c.card_code = u.card_code" if scope.joins_cards else ""}
        WHERE u.month BETWEEN ${n + 1} AND ${n + 2} AND NOT u.cancelled
          AND (({scope.uses}) OR ({scope.used_cards}))
        """,
        *scope.args,
        months.first_month,
        months.last_month,
    )
    assert row is not None
    return UseFigures(
        redemptions=row["redemptions"],
        adult_tickets=int(row["adult"]),
        child_tickets=int(row["child"]),
        course_places=row["course"],
        distinct_cards_used=row["distinct_cards"],
        uses_of_cards_from_other_regions=row["other_region"],
        redemptions_by_venue_category={"culture": row["culture"], "sports": row["sports"]},
    )


async def card_counts(conn: asyncpg.Connection, scope: Scope, months: PeriodRange, today: date) -> tuple[int, int]:
    """Cards issued in the period, and cards active on the period's reference day."""
    if scope.cards is None:
        return 0, 0
    n = len(scope.args)
    row = await conn.fetchrow(
        f"""
        SELECT count(*) FILTER (WHERE c.issue_month BETWEEN ${n + 1} AND ${n + 2}) AS issued,
               count(*) FILTER (WHERE c.issued_on <= ${n + 3} AND c.valid_until >= ${n + 3}
                                AND (c.revoked_on IS NULL OR c.revoked_on > ${n + 3})) AS active
        FROM card_fact c WHERE {scope.cards}
        """,
        *scope.args,
        months.first_month,
        months.last_month,
        months.reference_day(today),
    )
    assert row is not None
    return row["issued"], row["active"]


_GROUP_COLUMNS = {
    "holders_by_age_group": "age_group",
    "holders_by_gender": "gender",
    "holders_by_mother_tongue": "mother_tongue_group",
    "holders_by_life_situation": "life_situation",
    "holders_by_postal_code_area": "postal_code_area",
}
assert set(_GROUP_COLUMNS) == set(HOLDER_BREAKDOWNS)


HOLDER_CARDS = "c.card_type = 'personal' AND c.replaces_card_code IS NULL"
"""The cards whose holders the breakdowns count: personal cards, except replacements (a replacement keeps
its holder, who was counted with the lost card: docs/contract.md CardIssued, docs/stats.md)."""


async def holder_breakdowns(conn: asyncpg.Connection, scope: Scope, months: PeriodRange) -> dict[str, dict[str, int]]:
    """Holders of the personal cards issued in the period (replacements not again), by each background group."""
    out: dict[str, dict[str, int]] = {name: {} for name in _GROUP_COLUMNS}
    if scope.cards is None:
        return out
    n = len(scope.args)
    selects = " UNION ALL ".join(
        f"SELECT '{name}' AS breakdown, {col} AS grp, count(*) AS n FROM scoped GROUP BY {col}"
        for name, col in _GROUP_COLUMNS.items()
    )
    rows = await conn.fetch(
        f"""
        WITH scoped AS MATERIALIZED (
            SELECT * FROM card_fact c
            WHERE {scope.cards} AND c.issue_month BETWEEN ${n + 1} AND ${n + 2} AND {HOLDER_CARDS}
        )
        {selects}
        """,
        *scope.args,
        months.first_month,
        months.last_month,
    )
    for row in rows:
        if row["grp"] is not None:
            out[row["breakdown"]][row["grp"]] = row["n"]
    return out


async def figures(conn: asyncpg.Connection, scope: Scope, period: str, today: date) -> Figures:
    months = period_range(period)
    issued, active = await card_counts(conn, scope, months, today)
    return Figures(
        period=period,
        cards_issued=issued,
        cards_active=active,
        uses=await use_figures(conn, scope, months),
        holders=await holder_breakdowns(conn, scope, months),
    )


@dataclass(frozen=True, slots=True)
class YearHolders:
    """The holders of one year's cards per (region, month) of every breakdown, and the nation's postal-code areas."""

    by_region_month: dict[str, dict[tuple[str, str], dict[str, int]]]
    postal_of_year: dict[str, int]


async def year_holders(conn: asyncpg.Connection, year: int) -> YearHolders:
    """Everything the protection of a year's published holder breakdowns needs, in one statement."""
    months = period_range(f"{year:04d}")
    linked = [name for name in _GROUP_COLUMNS if HOLDER_BREAKDOWNS[name] is not None]
    selects = " UNION ALL ".join(
        f"SELECT '{name}' AS breakdown, region_id, issue_month, {_GROUP_COLUMNS[name]} AS grp, count(*) AS n"
        f" FROM scoped GROUP BY region_id, issue_month, {_GROUP_COLUMNS[name]}"
        for name in linked
    )
    rows = await conn.fetch(
        f"""
        WITH scoped AS MATERIALIZED (
            SELECT region_id, issue_month, {", ".join(_GROUP_COLUMNS.values())} FROM card_fact c
            WHERE c.issue_month BETWEEN $1 AND $2 AND {HOLDER_CARDS}
        )
        {selects}
        UNION ALL SELECT 'postal', '', '', postal_code_area, count(*) FROM scoped GROUP BY postal_code_area
        """,
        months.first_month,
        months.last_month,
    )
    by_region_month: dict[str, dict[tuple[str, str], dict[str, int]]] = {name: {} for name in linked}
    postal: dict[str, int] = {}
    for row in rows:
        if row["grp"] is None:
            continue
        if row["breakdown"] == "postal":
            postal[row["grp"]] = row["n"]
        else:
            cells = by_region_month[row["breakdown"]].setdefault((row["region_id"], row["issue_month"]), {})
            cells[row["grp"]] = row["n"]
    return YearHolders(by_region_month, postal)


async def venue_region(conn: asyncpg.Connection, venue_id: str) -> str | None:
    region: str | None = await conn.fetchval("SELECT region_id FROM use_fact WHERE venue_id = $1 LIMIT 1", venue_id)
    return region


async def distributor_region(conn: asyncpg.Connection, distributor_id: str) -> str | None:
    region: str | None = await conn.fetchval(
        "SELECT region_id FROM card_fact WHERE distributor_id = $1 LIMIT 1", distributor_id
    )
    return region


async def uses_by_performance(conn: asyncpg.Connection, venue_id: str, period: str) -> list[dict[str, Any]]:
    months = period_range(period)
    rows = await conn.fetch(
        """
        SELECT performance_id, min(performance_name) AS performance_name, count(*) AS redemptions,
               coalesce(sum(adult_tickets) FILTER (WHERE kind = 'ticket'), 0) AS adult_tickets,
               coalesce(sum(child_tickets) FILTER (WHERE kind = 'ticket'), 0) AS child_tickets,
               count(*) FILTER (WHERE kind = 'course_place') AS course_places,
               count(DISTINCT card_code) AS distinct_cards_used
        FROM use_fact WHERE venue_id = $1 AND month BETWEEN $2 AND $3 AND NOT cancelled
        GROUP BY performance_id ORDER BY performance_id
        """,
        venue_id,
        months.first_month,
        months.last_month,
    )
    return [{k: (int(v) if isinstance(v, int) else v) for k, v in dict(r).items()} for r in rows]


async def uses_by_channel(
    conn: asyncpg.Connection, venue_id: str, performance_id: str | None, period: str
) -> list[dict[str, Any]]:
    """A venue's (or one performance's) uses and tickets per channel (box office, phone, agency, paper form)."""
    months = period_range(period)
    rows = await conn.fetch(
        """
        SELECT channel, count(*) AS redemptions,
               coalesce(sum(adult_tickets) FILTER (WHERE kind = 'ticket'), 0) AS adult_tickets,
               coalesce(sum(child_tickets) FILTER (WHERE kind = 'ticket'), 0) AS child_tickets,
               count(*) FILTER (WHERE kind = 'course_place') AS course_places
        FROM use_fact WHERE venue_id = $1 AND month BETWEEN $2 AND $3 AND NOT cancelled
          AND ($4::text IS NULL OR performance_id = $4)
        GROUP BY channel ORDER BY channel
        """,
        venue_id,
        months.first_month,
        months.last_month,
        performance_id,
    )
    return [{k: (int(v) if isinstance(v, int) else v) for k, v in dict(r).items()} for r in rows]


async def uses_by_branch(conn: asyncpg.Connection, distributor_id: str, period: str) -> list[dict[str, Any]]:
    months = period_range(period)
    rows = await conn.fetch(
        """
        SELECT branch_id, count(*) AS cards_issued FROM card_fact
        WHERE distributor_id = $1 AND issue_month BETWEEN $2 AND $3
        GROUP BY branch_id ORDER BY branch_id NULLS FIRST
        """,
        distributor_id,
        months.first_month,
        months.last_month,
    )
    return [dict(r) for r in rows]


async def top_venues(
    conn: asyncpg.Connection, region_id: str | None, year: int, limit: int = 10
) -> list[tuple[str, int]]:
    months = period_range(f"{year:04d}")
    where = "AND region_id = $3" if region_id is not None else ""
    args: list[Any] = [months.first_month, months.last_month] + ([region_id] if region_id is not None else [])
    rows = await conn.fetch(
        f"""
        SELECT venue_id, count(*) AS uses FROM use_fact
        WHERE month BETWEEN $1 AND $2 AND NOT cancelled {where}
        GROUP BY venue_id ORDER BY uses DESC, venue_id LIMIT {int(limit)}
        """,
        *args,
    )
    return [(r["venue_id"], r["uses"]) for r in rows]


async def regions_with_facts(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT region_id FROM card_fact UNION SELECT region_id FROM use_fact"
        " UNION SELECT card_region_id FROM use_fact WHERE card_region_id IS NOT NULL"
    )
    return sorted(r["region_id"] for r in rows)


def published_scope(region_id: str) -> Scope:
    """The scope of a published key: the nation (domain/facts.py NATIONAL) or a region."""
    return national_scope() if region_id == NATIONAL else region_scope(region_id)
