"""The card and use facts (docs/stats.md): written set-based from a consumer batch, and read back for the
misuse watch. A use and its card meet at read time, whichever arrived first (domain/facts.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from kaiku_stats.domain.facts import CardFact, UseFact
from kaiku_stats.domain.misuse import CardValidity, Use


async def insert_card_facts(conn: asyncpg.Connection, facts: Sequence[CardFact]) -> None:
    """Store new cards (the first fact of a code stands); a revocation that came first already applies."""
    await conn.execute(
        """
        INSERT INTO card_fact (card_code, card_type, region_id, distributor_id, branch_id, issued_on,
                               valid_until, issue_month, revoked_on, age_group, gender,
                               mother_tongue_group, life_situation, postal_code_area, replaces_card_code)
        SELECT t.card_code, t.card_type, t.region_id, t.distributor_id, t.branch_id, t.issued_on,
               t.valid_until, t.issue_month, r.revoked_on, t.age_group, t.gender,
               t.mother_tongue_group, t.life_situation, t.postal_code_area, t.replaces_card_code
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[],
                    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
             AS t(card_code, card_type, region_id, distributor_id, branch_id, issued_on, valid_until,
                  issue_month, age_group, gender, mother_tongue_group, life_situation, postal_code_area,
                  replaces_card_code)
        LEFT JOIN card_revocation r ON r.card_code = t.card_code
        ON CONFLICT (card_code) DO NOTHING
        """,
        [f.card_code for f in facts],
        [f.card_type for f in facts],
        [f.region_id for f in facts],
        [f.distributor_id for f in facts],
        [f.branch_id for f in facts],
        [f.issued_on for f in facts],
        [f.valid_until for f in facts],
        [f.issue_month for f in facts],
        [f.age_group for f in facts],
        [f.gender for f in facts],
        [f.mother_tongue_group for f in facts],
        [f.life_situation for f in facts],
        [f.postal_code_area for f in facts],
        [f.replaces_card_code for f in facts],
    )


async def revoke_cards(conn: asyncpg.Connection, revoked_on: dict[str, date]) -> list[tuple[str, date, date]]:
    """Record the revocations (the first of a code stands) and apply them to the cards already known.

    Returns (region_id, revoked_on, valid_until) of each card revoked now."""
    codes = list(revoked_on)
    await conn.execute(
        "INSERT INTO card_revocation (card_code, revoked_on) SELECT * FROM unnest($1::text[], $2::date[])"
        " ON CONFLICT (card_code) DO NOTHING",
        codes,
        [revoked_on[c] for c in codes],
    )
    rows = await conn.fetch(
        "UPDATE card_fact c SET revoked_on = r.revoked_on FROM card_revocation r"
        " WHERE r.card_code = c.card_code AND c.card_code = ANY($1::text[]) AND c.revoked_on IS NULL"
        " RETURNING c.region_id, c.revoked_on, c.valid_until",
        codes,
    )
    return [(row["region_id"], row["revoked_on"], row["valid_until"]) for row in rows]


async def insert_use_facts(conn: asyncpg.Connection, facts: Sequence[UseFact]) -> None:
    """Store new uses (a use's redemption_id is its identity); a cancellation that came first already applies."""
    await conn.execute(
        """
        INSERT INTO use_fact (redemption_id, card_code, card_type, venue_id, region_id, card_region_id,
                              venue_category, performance_id, performance_name, month, kind,
                              adult_tickets, child_tickets, channel, starts_at, cancelled)
        SELECT t.*, EXISTS (SELECT 1 FROM use_cancellation x WHERE x.redemption_id = t.redemption_id)
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                    $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[],
                    $15::timestamptz[])
             AS t(redemption_id, card_code, card_type, venue_id, region_id, card_region_id, venue_category,
                  performance_id, performance_name, month, kind, adult_tickets, child_tickets, channel,
                  starts_at)
        ON CONFLICT (redemption_id) DO NOTHING
        """,
        [f.redemption_id for f in facts],
        [f.card_code for f in facts],
        [f.card_type for f in facts],
        [f.venue_id for f in facts],
        [f.region_id for f in facts],
        [f.card_region_id for f in facts],
        [f.venue_category for f in facts],
        [f.performance_id for f in facts],
        [f.performance_name for f in facts],
        [f.month for f in facts],
        [f.kind for f in facts],
        [f.adult_tickets for f in facts],
        [f.child_tickets for f in facts],
        [f.channel for f in facts],
        [f.starts_at for f in facts],
    )


async def cancel_uses(conn: asyncpg.Connection, cancelled_at: dict[str, datetime]) -> list[tuple[str, str | None, str]]:
    """Record the cancellations (the first of a use stands) and apply them to the uses already known.

    Returns (region_id, card_region_id, month) of each use cancelled now."""
    ids = list(cancelled_at)
    await conn.execute(
        "INSERT INTO use_cancellation (redemption_id, cancelled_at)"
        " SELECT * FROM unnest($1::text[], $2::timestamptz[])"
        " ON CONFLICT (redemption_id) DO NOTHING",
        ids,
        [cancelled_at[i] for i in ids],
    )
    rows = await conn.fetch(
        "UPDATE use_fact SET cancelled = true WHERE redemption_id = ANY($1::text[]) AND NOT cancelled"
        " RETURNING region_id, card_region_id, month",
        ids,
    )
    return [(row["region_id"], row["card_region_id"], row["month"]) for row in rows]


async def lock_cards(conn: asyncpg.Connection, card_codes: Sequence[str]) -> None:
    """Take a transaction-scoped lock per card, in one order (the sorted subquery), so the cards and the
    uses consumer never judge the same card at once: the one that waits reads the other's committed rows."""
    await conn.execute(
        "SELECT pg_advisory_xact_lock(key) FROM "
        "(SELECT DISTINCT hashtextextended(code, 0) AS key FROM unnest($1::text[]) AS code ORDER BY key) AS keys",
        list(card_codes),
    )


async def accepted_uses(conn: asyncpg.Connection, card_codes: Sequence[str]) -> dict[str, list[Use]]:
    """The uses of these cards that count and have a start time, per card."""
    rows = await conn.fetch(
        "SELECT redemption_id, card_code, venue_id, region_id, performance_id, starts_at, channel FROM use_fact"
        " WHERE card_code = ANY($1::text[]) AND NOT cancelled AND starts_at IS NOT NULL",
        list(card_codes),
    )
    uses: dict[str, list[Use]] = defaultdict(list)
    for row in rows:
        uses[row["card_code"]].append(Use(**dict(row)))
    return uses


async def card_validities(conn: asyncpg.Connection, card_codes: Sequence[str]) -> dict[str, CardValidity]:
    """The validity of those of these cards whose facts have arrived."""
    return {
        row["card_code"]: CardValidity(row["issued_on"], row["valid_until"], row["revoked_on"])
        for row in await conn.fetch(
            "SELECT card_code, issued_on, valid_until, revoked_on FROM card_fact WHERE card_code = ANY($1::text[])",
            list(card_codes),
        )
    }
